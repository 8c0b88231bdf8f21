"""Components under Pulumi mocks: each test proves one behaviour with a concrete value."""

from __future__ import annotations

import json
import runpy

import pulumi
import pytest

from components import workflow
from components.backup_schedule import BackupSchedule
from components.container_image import REPRODUCIBLE_PUSH, ContainerImage
from components.github_pipeline import GitHubPipeline
from components.settings import SettingsError
from components.web_app import WebApp
from support import (
    expected_types,
    DIGEST,
    RELEASE_DIGEST,
    ROOT,
    run,
    secret,
    settings_for,
    stack_config,
)

IMAGE_REF = "docker.io/goship/goship-app@" + DIGEST


def web_app(mocks, stack="dev", **overrides):
    """Register a WebApp and return the mocks' Deployment registration."""
    run(
        lambda: WebApp(
            "app", {"app": settings_for(stack, **overrides).web_app, "image_reference": IMAGE_REF}
        ).url
    )
    return mocks.one("kubernetes:apps/v1:Deployment")


def options_of(program) -> dict[str, pulumi.ResourceOptions]:
    """Run a program and return the options each resource type was registered with."""
    seen: dict[str, pulumi.ResourceOptions] = {}
    register = pulumi.CustomResource.__init__

    def record(self, t, name, props=None, opts=None, *args, **kwargs):
        seen[t] = opts or pulumi.ResourceOptions()
        register(self, t, name, props, opts, *args, **kwargs)

    pulumi.CustomResource.__init__ = record
    try:
        run(program)
    finally:
        pulumi.CustomResource.__init__ = register
    return seen


def pod(deployment) -> dict:
    return deployment.inputs["spec"]["template"]["spec"]


# ContainerImage


def test_image_reference_is_the_pushed_index_digest(mocks):
    references = []

    def program():
        image = ContainerImage("app", {"image": settings_for("dev").image})
        return image.reference.apply(references.append)

    run(program)

    assert references == [f"docker.io/goship/goship-app@{DIGEST}"]


def test_image_builds_both_platforms_from_the_app_folder_and_pushes_the_tag(mocks):
    run(lambda: ContainerImage("app", {"image": settings_for("dev").image}).digest)

    image = mocks.one("docker-build:index:Image")
    assert image.inputs["platforms"] == ["linux/amd64", "linux/arm64"], image.label
    assert image.inputs["context"]["location"] == str(ROOT / ".goship/context/test"), image.label
    assert image.inputs["tags"] == ["docker.io/goship/goship-app:0.1.0-dev"], image.label
    assert image.inputs["exports"] == [{"raw": REPRODUCIBLE_PUSH}], image.label


def test_image_push_uses_the_registry_credentials(mocks):
    run(lambda: ContainerImage("app", {"image": settings_for("dev").image}).digest)

    image = mocks.one("docker-build:index:Image")
    # The secret password makes the whole list secret on its way to the provider.
    assert image.inputs["registries"] == secret(
        [{"address": "docker.io", "username": "goship", "password": "test-registryPassword"}]
    )


def test_image_cache_lives_in_the_registry_beside_the_image(mocks):
    run(lambda: ContainerImage("app", {"image": settings_for("dev").image}).digest)

    image = mocks.one("docker-build:index:Image")
    ref = "docker.io/goship/goship-app:buildcache"
    assert image.inputs["cacheFrom"] == [{"registry": {"ref": ref}}], image.label
    assert image.inputs["cacheTo"][0]["registry"]["ref"] == ref, image.label
    assert image.inputs["cacheTo"][0]["registry"]["mode"] == "max", image.label


def test_image_without_cache_sets_no_cache(mocks):
    run(
        lambda: ContainerImage("app", {"image": settings_for("dev", buildCache=False).image}).digest
    )

    image = mocks.one("docker-build:index:Image")
    assert "cacheFrom" not in image.inputs and "cacheTo" not in image.inputs, image.label


def test_base_image_settings_reach_the_build_args(mocks):
    settings = settings_for(
        "local",
        builderImage="127.0.0.1:5000/base/golang:1.26.8",
        runtimeImage="127.0.0.1:5000/base/static:1",
    )
    run(lambda: ContainerImage("app", {"image": settings.image}).digest)

    image = mocks.one("docker-build:index:Image")
    assert image.inputs["buildArgs"] == {
        "SOURCE_DATE_EPOCH": "0",
        "GO_IMAGE": "127.0.0.1:5000/base/golang:1.26.8",
        "RUNTIME_IMAGE": "127.0.0.1:5000/base/static:1",
    }


def test_release_mode_builds_nothing_and_deploys_the_tag_digest(mocks):
    references = []

    def program():
        image = ContainerImage("app", {"image": settings_for("prod", imageMode="release").image})
        return image.reference.apply(references.append)

    run(program)

    assert mocks.of_type("docker-build:index:Image") == []
    assert [call.args["name"] for call in mocks.calls] == ["docker.io/goship/goship-app:0.1.0"]
    assert references == [f"docker.io/goship/goship-app@{RELEASE_DIGEST}"]


# GitHubPipeline


def pipeline(mocks, stack="dev", **overrides):
    settings = settings_for(stack, **overrides)
    run(
        lambda: GitHubPipeline(
            "release", {"github": settings.github, "image": settings.image}
        ).workflow_path
    )


def test_token_secret_holds_the_registry_password(mocks):
    pipeline(mocks)

    token = mocks.one("github:index/actionsSecret:ActionsSecret")
    assert token.inputs["secretName"] == "DOCKERHUB_TOKEN", secret.label
    assert token.inputs["value"] == secret("test-registryPassword"), token.label
    assert token.inputs["repository"] == "goship-app", token.label


def test_token_secret_is_replaced_delete_first(mocks):
    settings = settings_for("dev")
    options = options_of(
        lambda: GitHubPipeline(
            "release", {"github": settings.github, "image": settings.image}
        ).workflow_path
    )

    assert options["github:index/actionsSecret:ActionsSecret"].delete_before_replace is True
    assert not options["github:index/repositoryFile:RepositoryFile"].delete_before_replace


def test_variables_name_the_registry_user_and_the_pushed_image(mocks):
    pipeline(mocks)

    variables = {
        v.inputs["variableName"]: v.inputs["value"]
        for v in mocks.of_type("github:index/actionsVariable:ActionsVariable")
    }
    assert variables == {
        "DOCKERHUB_USERNAME": "goship",
        "IMAGE_NAME": "docker.io/goship/goship-app",
    }


def test_workflow_file_is_committed_to_the_branch_and_overwrites(mocks):
    pipeline(mocks, githubBranch="release")

    file = mocks.one("github:index/repositoryFile:RepositoryFile")
    assert file.inputs["file"] == ".github/workflows/release.yml", file.label
    assert file.inputs["branch"] == "release", file.label
    assert file.inputs["overwriteOnCreate"] is True, file.label
    assert file.inputs["content"] == workflow.render_release_workflow(
        "docker.io", ["linux/amd64", "linux/arm64"], "."
    ), file.label


def test_github_provider_targets_the_configured_owner_and_api(mocks):
    pipeline(mocks, githubApiUrl="http://127.0.0.1:9999/")

    provider = mocks.one("pulumi:providers:github")
    assert provider.inputs["owner"] == "goship-dev", provider.label
    assert provider.inputs["baseUrl"] == "http://127.0.0.1:9999/", provider.label
    assert provider.inputs["token"] == secret("test-githubToken"), provider.label


# WebApp


def test_deployment_runs_the_image_by_digest(mocks):
    container = pod(web_app(mocks))["containers"][0]

    assert container["image"] == IMAGE_REF


def test_deployment_uses_recreate_with_one_replica(mocks):
    spec = web_app(mocks).inputs["spec"]

    assert spec["strategy"] == {"type": "Recreate"}
    assert spec["replicas"] == 1
    assert spec["revisionHistoryLimit"] == 3


def test_every_container_sets_all_four_resource_values(mocks):
    for container in pod(web_app(mocks, "prod"))["containers"]:
        assert container["resources"] == {
            "requests": {"cpu": "50m", "memory": "64Mi"},
            "limits": {"cpu": "200m", "memory": "128Mi"},
        }


def test_container_listens_on_7070_with_timezone_and_db_dir(mocks):
    container = pod(web_app(mocks, appEnv=["MODE=fast"]))["containers"][0]

    assert container["ports"] == [{"name": "http", "containerPort": 7070}]
    assert container["env"] == [
        {"name": "PORT", "value": "7070"},
        {"name": "TZ", "value": "Asia/Shanghai"},
        {"name": "DB_DIR", "value": "/app/db"},
        {"name": "MODE", "value": "fast"},
    ]


def test_probes_hit_the_configured_health_path(mocks):
    container = pod(web_app(mocks, healthPath="/api/health"))["containers"][0]

    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/api/health", "port": "http"}, probe


def test_pod_runs_as_non_root_with_fs_group_and_no_token(mocks):
    spec = pod(web_app(mocks))

    assert spec["automountServiceAccountToken"] is False
    assert spec["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 65532,
        "runAsGroup": 65532,
        "fsGroup": 65532,
        "fsGroupChangePolicy": "OnRootMismatch",
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert spec["containers"][0]["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }


def test_database_volume_is_the_claim_mounted_on_app_db(mocks):
    spec = pod(web_app(mocks))

    assert {"name": "db", "mountPath": "/app/db"} in spec["containers"][0]["volumeMounts"]
    assert {"name": "db", "persistentVolumeClaim": {"claimName": "goship-app-db"}} in spec[
        "volumes"
    ]


def test_claim_is_read_write_once_with_the_configured_size(mocks):
    web_app(mocks, "prod")

    claim = mocks.one("kubernetes:core/v1:PersistentVolumeClaim")
    assert claim.inputs["metadata"]["name"] == "goship-app-db", claim.label
    assert claim.inputs["spec"]["accessModes"] == ["ReadWriteOnce"], claim.label
    assert claim.inputs["spec"]["resources"] == {"requests": {"storage": "2Gi"}}, claim.label


def web_app_options() -> dict[str, pulumi.ResourceOptions]:
    return options_of(
        lambda: WebApp(
            "app", {"app": settings_for("dev").web_app, "image_reference": IMAGE_REF}
        ).url
    )


def test_claim_is_retained_when_the_stack_is_destroyed_or_replaces_it(mocks):
    options = web_app_options()

    assert options["kubernetes:core/v1:PersistentVolumeClaim"].retain_on_delete is True
    assert not options["kubernetes:apps/v1:Deployment"].retain_on_delete


def test_claim_is_protected_from_delete_and_replace(mocks):
    options = web_app_options()

    assert options["kubernetes:core/v1:PersistentVolumeClaim"].protect is True
    assert not options["kubernetes:apps/v1:Deployment"].protect


def test_service_is_cluster_ip_on_the_app_port(mocks):
    web_app(mocks)

    service = mocks.one("kubernetes:core/v1:Service")
    assert service.inputs["spec"]["type"] == "ClusterIP", service.label
    assert service.inputs["spec"]["ports"] == [
        {"name": "http", "port": 7070, "targetPort": "http"}
    ], service.label


def test_ingress_uses_nginx_host_tls_and_long_timeouts(mocks):
    web_app(mocks, "prod")

    ingress = mocks.one("kubernetes:networking.k8s.io/v1:Ingress")
    spec = ingress.inputs["spec"]
    assert spec["ingressClassName"] == "nginx", ingress.label
    assert spec["rules"][0]["host"] == "goship.cloud.sealos.io", ingress.label
    assert spec["tls"] == [{"hosts": ["goship.cloud.sealos.io"], "secretName": "goship-tls"}]
    annotations = ingress.inputs["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "3600"


def test_no_ingress_without_a_host(mocks):
    web_app(mocks, ingressHost=None)

    assert mocks.of_type("kubernetes:networking.k8s.io/v1:Ingress") == []


def test_secret_env_goes_to_a_kubernetes_secret_not_plain_env(mocks):
    deployment = web_app(mocks, appSecrets_secret='{"API_TOKEN": "s3cret"}')

    env_secret = mocks.one("kubernetes:core/v1:Secret")
    assert env_secret.inputs["stringData"] == secret({"API_TOKEN": "s3cret"}), env_secret.label
    container = pod(deployment)["containers"][0]
    assert container["envFrom"] == [{"secretRef": {"name": "goship-app-env"}}]
    assert "s3cret" not in json.dumps(container["env"])


# BackupSchedule


def backup_schedule(mocks, stack="dev", **overrides):
    """Register a BackupSchedule and return the mocks' CronJob registration."""
    settings = settings_for(stack, **overrides)
    run(
        lambda: BackupSchedule(
            "backup",
            {
                "backup": settings.backup,
                "app": settings.web_app,
                "image_reference": IMAGE_REF,
                "data_claim_name": "goship-app-db",
            },
        ).cron_job_name
    )
    return mocks.one("kubernetes:batch/v1:CronJob")


def job_pod(cron_job) -> dict:
    return cron_job.inputs["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def test_backup_job_runs_the_app_image_backup_keeping_the_retention(mocks):
    container = job_pod(backup_schedule(mocks, backupRetention=3))["containers"][0]

    assert container["image"] == IMAGE_REF
    assert container["args"] == ["backup", "-dir", "/backup", "-keep", "3"]


def test_backup_runs_on_schedule_in_the_app_time_zone_one_at_a_time(mocks):
    spec = backup_schedule(mocks, backupSchedule="15 4 * * *").inputs["spec"]

    assert (spec["schedule"], spec["timeZone"]) == ("15 4 * * *", "Asia/Shanghai")
    assert spec["concurrencyPolicy"] == "Forbid"


def test_backup_pod_mounts_the_live_database_and_the_backup_claim(mocks):
    spec = job_pod(backup_schedule(mocks))

    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"][:2]}
    assert claims == {"db": "goship-app-db", "backup": "goship-app-backup"}
    mounts = {m["name"]: m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}
    assert mounts == {"db": "/app/db", "backup": "/backup", "tmp": "/tmp"}


def test_backup_claim_has_its_own_size(mocks):
    backup_schedule(mocks, backupStorageSize="256Mi")

    claim = mocks.one("kubernetes:core/v1:PersistentVolumeClaim")
    assert claim.inputs["metadata"]["name"] == "goship-app-backup", claim.label
    assert claim.inputs["spec"]["resources"] == {"requests": {"storage": "256Mi"}}, claim.label


def test_backup_claim_is_protected_and_retained(mocks):
    settings = settings_for("dev")
    options = options_of(
        lambda: BackupSchedule(
            "backup",
            {
                "backup": settings.backup,
                "app": settings.web_app,
                "image_reference": IMAGE_REF,
                "data_claim_name": "goship-app-db",
            },
        ).claim_name
    )

    claim = options["kubernetes:core/v1:PersistentVolumeClaim"]
    assert (claim.protect, claim.retain_on_delete) == (True, True)


def test_backup_pod_is_not_selected_by_the_app_service(mocks):
    labels = backup_schedule(mocks).inputs["spec"]["jobTemplate"]["spec"]["template"]["metadata"][
        "labels"
    ]

    assert labels["app.kubernetes.io/name"] == "goship-app-backup"
    assert labels["app.kubernetes.io/part-of"] == "goship-app"


def test_backup_pod_is_placed_on_the_app_pods_node(mocks):
    affinity = job_pod(backup_schedule(mocks))["affinity"]["podAffinity"]

    assert affinity["requiredDuringSchedulingIgnoredDuringExecution"] == [
        {
            "labelSelector": {
                "matchLabels": {
                    "app.kubernetes.io/name": "goship-app",
                    "app.kubernetes.io/managed-by": "goship",
                }
            },
            "topologyKey": "kubernetes.io/hostname",
        }
    ]


def test_backup_pod_runs_non_root_within_the_app_limits(mocks):
    spec = job_pod(backup_schedule(mocks, cpuLimit="100m", memoryLimit="64Mi"))

    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["automountServiceAccountToken"] is False
    assert spec["restartPolicy"] == "Never"
    assert spec["containers"][0]["resources"]["limits"] == {"cpu": "100m", "memory": "64Mi"}


def test_s3_credentials_reach_the_backup_pod_from_a_secret_not_plain_env(mocks):
    cron_job = backup_schedule(
        mocks,
        backupS3Bucket="goship-backups",
        backupS3Endpoint="https://s3.example.com",
        backupS3AccessKeyId="AKIAEXAMPLE",
        backupS3SecretAccessKey_secret="example-secret-key",
        backupS3Prefix="goship/dev/",
    )

    s3_secret = mocks.one("kubernetes:core/v1:Secret")
    assert s3_secret.inputs["stringData"] == secret(
        {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example-secret-key"}
    ), s3_secret.label
    container = job_pod(cron_job)["containers"][0]
    assert container["envFrom"] == [{"secretRef": {"name": "goship-app-backup-s3"}}]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["BACKUP_S3_BUCKET"] == "goship-backups"
    assert env["BACKUP_S3_PREFIX"] == "goship/dev/"
    assert "example-secret-key" not in json.dumps(container["env"])


def test_no_backup_objects_when_the_schedule_is_empty(mocks):
    run_program(mocks, "dev", backupSchedule="")

    assert mocks.of_type("kubernetes:batch/v1:CronJob") == []
    assert len(mocks.of_type("kubernetes:core/v1:PersistentVolumeClaim")) == 1


# The whole program


def run_program(mocks, stack: str, **overrides) -> None:
    raw, secrets = stack_config(stack, **overrides)
    pulumi.runtime.set_all_config(
        {f"goship:{k}": v for k, v in raw.items()}, [f"goship:{k}" for k in secrets]
    )
    run(lambda: runpy.run_path(str(ROOT / "__main__.py")))


@pytest.mark.parametrize("stack", ["dev", "prod", "local"])
def test_program_never_registers_a_namespace(mocks, stack):
    run_program(mocks, stack)

    assert mocks.of_type("kubernetes:core/v1:Namespace") == []
    assert len(mocks.of_type("kubernetes:apps/v1:Deployment")) == 1


def test_local_program_registers_no_github_resources(mocks):
    run_program(mocks, "local")

    assert [r.label for r in mocks.registered if r.typ.startswith("github:")] == []


@pytest.mark.parametrize("stack", ["dev", "prod", "local"])
def test_program_registers_exactly_the_expected_resources(mocks, stack):
    run_program(mocks, stack)

    registered = sorted(
        r.typ
        for r in mocks.registered
        if not r.typ.startswith(("pulumi:providers:", "pulumi:pulumi"))
    )
    assert registered == expected_types(stack)


def test_program_with_a_bad_value_registers_nothing(mocks):
    with pytest.raises(SettingsError, match="goship:replicas is '2'"):
        run_program(mocks, "dev", replicas=2)

    assert [r.typ for r in mocks.registered if r.typ != "pulumi:pulumi:Stack"] == []


def test_kubernetes_provider_defaults_to_the_stack_namespace(mocks):
    run_program(mocks, "local")

    provider = mocks.one("pulumi:providers:kubernetes")
    assert provider.inputs["namespace"] == "ns-local", provider.label
    assert provider.inputs["context"] == "goship-local", provider.label


def test_program_exports_the_daily_cost_of_its_footprint(mocks):
    exported = {}
    export = pulumi.export
    pulumi.export = lambda name, value: exported.__setitem__(name, value)
    try:
        run_program(mocks, "dev", cpuLimit="100m", memoryLimit="64Mi", backupSchedule="")
    finally:
        pulumi.export = export

    # cpu 0.1 x 0.067 x 24 = 0.1608; memory 1/16 x 0.033 x 24 = 0.0495; storage from dev's claim.
    cost = exported["daily_cost"]
    assert (cost["cpu"], cost["memory"], cost["currency"]) == ("0.1608", "0.0495", "CNY")


def test_every_kubernetes_object_is_applied_by_goship_with_force(mocks):
    web_app(mocks, "prod", appSecrets_secret='{"A": "b"}')

    objects = [r for r in mocks.registered if r.typ.startswith("kubernetes:")]
    assert len(objects) == 5
    for obj in objects:
        assert (
            obj.inputs["metadata"]["annotations"]["pulumi.com/patchFieldManager"] == "goship"
        ), obj.label
