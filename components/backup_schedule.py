"""Scheduled copies of the live SQLite database onto a claim of their own, optionally to S3."""

from __future__ import annotations

from typing import Optional, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from components.settings import BackupSettings, WebAppSettings
from components.web_app import (
    DB_DIR,
    app_labels,
    container_resources,
    container_security_context,
    object_metadata,
    pod_security_context,
    protected_claim,
    tmp_volume,
)

BACKUP_DIR = "/backup"
# A run that has not started within this window is skipped, not run late in a pile.
STARTING_DEADLINE_SECONDS = 3600
# A copy of a small SQLite file takes seconds; a job still running after this is stuck.
ACTIVE_DEADLINE_SECONDS = 900
HISTORY = 3


class BackupScheduleArgs(TypedDict):
    """Inputs of BackupSchedule."""

    backup: BackupSettings
    """Validated schedule, retention, claim size and optional S3 target."""

    app: WebAppSettings
    """The app whose database is copied: namespace, name, limits and timezone."""

    image_reference: pulumi.Input[str]
    """The app's digest-pinned image; its `backup` subcommand makes the copy."""

    data_claim_name: pulumi.Input[str]
    """The claim that holds the live database."""


class BackupSchedule(pulumi.ComponentResource):
    """A CronJob that copies the database with the app's own binary and keeps the last N."""

    cron_job_name: pulumi.Output[str]
    """The CronJob's name; `kubectl create job --from=cronjob/<name>` runs a backup now."""

    claim_name: pulumi.Output[str]
    """The claim the copies are written to."""

    def __init__(
        self, name: str, args: BackupScheduleArgs, opts: Optional[pulumi.ResourceOptions] = None
    ):
        super().__init__("goship:index:BackupSchedule", name, None, opts)
        backup, app = args["backup"], args["app"]
        child = pulumi.ResourceOptions(parent=self)
        # Its own name label: the app's Service and Deployment must not select this pod.
        labels = {
            "app.kubernetes.io/name": f"{app.name}-backup",
            "app.kubernetes.io/part-of": app.name,
            "app.kubernetes.io/managed-by": "goship",
        }

        claim = protected_claim(
            f"{name}-claim", f"{app.name}-backup", app, backup.storage_size.text, labels, self
        )
        s3_secret = None
        if backup.s3 is not None:
            access_key_id = backup.s3.access_key_id
            s3_secret = k8s.core.v1.Secret(
                f"{name}-s3",
                metadata=object_metadata(f"{app.name}-backup-s3", app, labels),
                type="Opaque",
                string_data=backup.s3.secret_access_key.output().apply(
                    lambda key: {"AWS_ACCESS_KEY_ID": access_key_id, "AWS_SECRET_ACCESS_KEY": key}
                ),
                opts=child,
            )
        cron_job = k8s.batch.v1.CronJob(
            f"{name}-cronjob",
            metadata=object_metadata(f"{app.name}-backup", app, labels),
            spec=k8s.batch.v1.CronJobSpecArgs(
                schedule=backup.schedule,
                time_zone=app.timezone,
                # Two copies at once would only race each other's pruning.
                concurrency_policy="Forbid",
                starting_deadline_seconds=STARTING_DEADLINE_SECONDS,
                successful_jobs_history_limit=HISTORY,
                failed_jobs_history_limit=HISTORY,
                job_template=k8s.batch.v1.JobTemplateSpecArgs(
                    spec=k8s.batch.v1.JobSpecArgs(
                        backoff_limit=2,
                        active_deadline_seconds=ACTIVE_DEADLINE_SECONDS,
                        template=k8s.core.v1.PodTemplateSpecArgs(
                            metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                            spec=backup_pod_spec(
                                backup,
                                app,
                                args["image_reference"],
                                args["data_claim_name"],
                                claim.metadata.name,
                                s3_secret.metadata.name if s3_secret else None,
                            ),
                        ),
                    )
                ),
            ),
            opts=child,
        )

        self.cron_job_name = cron_job.metadata.name
        self.claim_name = claim.metadata.name
        self.register_outputs({"cron_job_name": self.cron_job_name, "claim_name": self.claim_name})


def backup_pod_spec(
    backup: BackupSettings,
    app: WebAppSettings,
    image: pulumi.Input[str],
    data_claim_name: pulumi.Input[str],
    backup_claim_name: pulumi.Input[str],
    s3_secret_name: pulumi.Input[str] | None,
) -> k8s.core.v1.PodSpecArgs:
    """The backup pod: the app's image running `backup`, beside the app on the same node."""
    env = [
        k8s.core.v1.EnvVarArgs(name="TZ", value=app.timezone),
        k8s.core.v1.EnvVarArgs(name="DB_DIR", value=DB_DIR),
    ]
    env_from = None
    if backup.s3 is not None:
        env += [
            k8s.core.v1.EnvVarArgs(name=name, value=value)
            for name, value in (
                ("BACKUP_S3_ENDPOINT", backup.s3.endpoint),
                ("BACKUP_S3_BUCKET", backup.s3.bucket),
                ("BACKUP_S3_PREFIX", backup.s3.prefix),
                ("BACKUP_S3_REGION", backup.s3.region),
            )
        ]
        env_from = [
            k8s.core.v1.EnvFromSourceArgs(
                secret_ref=k8s.core.v1.SecretEnvSourceArgs(name=s3_secret_name)
            )
        ]

    return k8s.core.v1.PodSpecArgs(
        automount_service_account_token=False,
        restart_policy="Never",
        security_context=pod_security_context(),
        # A ReadWriteOnce volume attaches to one node at a time: the copy must run where the
        # app runs.
        # LIMITATION: while the app is scaled to 0 the pod waits and the run fails at its
        # deadline, rather than holding the volume the app's next start needs.
        affinity=k8s.core.v1.AffinityArgs(
            pod_affinity=k8s.core.v1.PodAffinityArgs(
                required_during_scheduling_ignored_during_execution=[
                    k8s.core.v1.PodAffinityTermArgs(
                        label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=app_labels(app)),
                        topology_key="kubernetes.io/hostname",
                    )
                ]
            )
        ),
        containers=[
            k8s.core.v1.ContainerArgs(
                name="backup",
                image=image,
                args=["backup", "-dir", BACKUP_DIR, "-keep", str(backup.retention)],
                env=env,
                env_from=env_from,
                resources=container_resources(app),
                security_context=container_security_context(),
                volume_mounts=[
                    # Read-write: reading a database in WAL mode writes its shared-memory file.
                    k8s.core.v1.VolumeMountArgs(name="db", mount_path=DB_DIR),
                    k8s.core.v1.VolumeMountArgs(name="backup", mount_path=BACKUP_DIR),
                    k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
                ],
            )
        ],
        volumes=[
            k8s.core.v1.VolumeArgs(
                name="db",
                persistent_volume_claim=k8s.core.v1.PersistentVolumeClaimVolumeSourceArgs(
                    claim_name=data_claim_name
                ),
            ),
            k8s.core.v1.VolumeArgs(
                name="backup",
                persistent_volume_claim=k8s.core.v1.PersistentVolumeClaimVolumeSourceArgs(
                    claim_name=backup_claim_name
                ),
            ),
            tmp_volume(),
        ],
    )
