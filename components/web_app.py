"""The app on Kubernetes: data claim, Deployment, Service and an optional Ingress."""

from __future__ import annotations

import json
from typing import Optional, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from components.settings import WebAppSettings

DB_DIR = "/app/db"
# The image's numeric non-root user (see app/Dockerfile); the pod runs as it and owns the volume.
APP_UID = 65532
REVISION_HISTORY = 3
FIELD_MANAGER = "pulumi.com/patchFieldManager"
FORCE_APPLY = "pulumi.com/patchForce"
# Long enough for streamed responses (server-sent events, slow model output) to finish.
PROXY_TIMEOUT_SECONDS = "3600"


class WebAppArgs(TypedDict):
    """Inputs of WebApp."""

    app: WebAppSettings
    """Validated workload settings: names, size, probes, storage, ingress and environment."""

    image_reference: pulumi.Input[str]
    """The digest-pinned image to run, `name@sha256:…`."""


class WebApp(pulumi.ComponentResource):
    """One SQLite-backed pod behind a Service, with its data on a claim that outlives it."""

    deployment_name: pulumi.Output[str]
    """The Deployment's name in the namespace."""

    claim_name: pulumi.Output[str]
    """The PersistentVolumeClaim that holds `/app/db`."""

    url: pulumi.Output[str]
    """The public URL when an Ingress host is set, else the in-cluster Service URL."""

    def __init__(self, name: str, args: WebAppArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("goship:index:WebApp", name, None, opts)
        app = args["app"]
        child = pulumi.ResourceOptions(parent=self)
        labels = app_labels(app)

        secret = self._secret(name, app, labels, child)
        claim = protected_claim(
            f"{name}-data", f"{app.name}-db", app, app.storage_size.text, labels, self
        )
        deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=object_metadata(app.name, app, labels),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=app.replicas,
                # Two pods must never open one SQLite file, and a second pod could not attach
                # the ReadWriteOnce volume anyway: stop the old pod before starting the new one.
                strategy=k8s.apps.v1.DeploymentStrategyArgs(type="Recreate"),
                revision_history_limit=REVISION_HISTORY,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=pod_spec(
                        app,
                        args["image_reference"],
                        claim.metadata.name,
                        secret.metadata.name if secret else None,
                    ),
                ),
            ),
            opts=child,
        )
        service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=object_metadata(app.name, app, labels),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP",
                selector=labels,
                ports=[k8s.core.v1.ServicePortArgs(name="http", port=app.port, target_port="http")],
            ),
            opts=child,
        )
        if app.ingress_host:
            self._ingress(name, app, labels, service.metadata.name, child)
            self.url = pulumi.Output.from_input(f"https://{app.ingress_host}")
        else:
            self.url = pulumi.Output.concat(
                "http://", service.metadata.name, ".", app.namespace, ".svc:", str(app.port)
            )

        self.deployment_name = deployment.metadata.name
        self.claim_name = claim.metadata.name
        self.register_outputs(
            {
                "deployment_name": self.deployment_name,
                "claim_name": self.claim_name,
                "url": self.url,
            }
        )

    def _secret(
        self, name: str, app: WebAppSettings, labels: dict, child: pulumi.ResourceOptions
    ) -> k8s.core.v1.Secret | None:
        if app.secret_env is None:
            return None
        return k8s.core.v1.Secret(
            f"{name}-env",
            metadata=object_metadata(f"{app.name}-env", app, labels),
            type="Opaque",
            string_data=app.secret_env.output().apply(json.loads),
            opts=child,
        )

    def _ingress(
        self,
        name: str,
        app: WebAppSettings,
        labels: dict,
        service_name: pulumi.Input[str],
        child: pulumi.ResourceOptions,
    ) -> None:
        annotations = {
            "nginx.ingress.kubernetes.io/proxy-read-timeout": PROXY_TIMEOUT_SECONDS,
            "nginx.ingress.kubernetes.io/proxy-send-timeout": PROXY_TIMEOUT_SECONDS,
            "nginx.ingress.kubernetes.io/proxy-buffering": "off",
            "nginx.ingress.kubernetes.io/proxy-body-size": "32m",
        }
        tls = None
        if app.ingress_tls_secret:
            tls = [
                k8s.networking.v1.IngressTLSArgs(
                    hosts=[app.ingress_host], secret_name=app.ingress_tls_secret
                )
            ]
        k8s.networking.v1.Ingress(
            f"{name}-ingress",
            metadata=object_metadata(app.name, app, labels, annotations),
            spec=k8s.networking.v1.IngressSpecArgs(
                ingress_class_name=app.ingress_class,
                tls=tls,
                rules=[
                    k8s.networking.v1.IngressRuleArgs(
                        host=app.ingress_host,
                        http=k8s.networking.v1.HTTPIngressRuleValueArgs(
                            paths=[
                                k8s.networking.v1.HTTPIngressPathArgs(
                                    path="/",
                                    path_type="Prefix",
                                    backend=k8s.networking.v1.IngressBackendArgs(
                                        service=k8s.networking.v1.IngressServiceBackendArgs(
                                            name=service_name,
                                            port=k8s.networking.v1.ServiceBackendPortArgs(
                                                name="http"
                                            ),
                                        ),
                                    ),
                                ),
                            ]
                        ),
                    )
                ],
            ),
            opts=child,
        )


def app_labels(app: WebAppSettings) -> dict[str, str]:
    """The labels of the app's objects; the Deployment and Service select its pod by them."""
    return {"app.kubernetes.io/name": app.name, "app.kubernetes.io/managed-by": "goship"}


def object_metadata(
    object_name: str, app: WebAppSettings, labels: dict, annotations: dict | None = None
) -> k8s.meta.v1.ObjectMetaArgs:
    """Metadata of an object goship owns in the app's namespace."""
    # Fixed names (no random suffix) keep kubectl commands and the claims stable. The stack
    # owns these objects: a fixed server-side-apply field manager, forced, lets any goship
    # run (a new backend, a new CI machine) update what an earlier run or a hand edit set.
    return k8s.meta.v1.ObjectMetaArgs(
        name=object_name,
        namespace=app.namespace,
        labels=labels,
        annotations={FIELD_MANAGER: "goship", FORCE_APPLY: "true", **(annotations or {})},
    )


def protected_claim(
    resource_name: str,
    object_name: str,
    app: WebAppSettings,
    size: str,
    labels: dict,
    parent: pulumi.ComponentResource,
) -> k8s.core.v1.PersistentVolumeClaim:
    """A claim that outlives the stack: protected, and retained if it is ever deleted."""
    # protect: the engine refuses to delete or replace the claim, so a changed storage class
    # or a plain `pulumi destroy` stops instead of dropping the data; `pulumi destroy
    # --exclude-protected` removes everything else. retain_on_delete: should someone
    # unprotect it and destroy, the claim and its volume still stay in the cluster, and
    # server-side apply adopts the same claim on the next up.
    return k8s.core.v1.PersistentVolumeClaim(
        resource_name,
        metadata=object_metadata(object_name, app, labels),
        spec=k8s.core.v1.PersistentVolumeClaimSpecArgs(
            access_modes=[app.access_mode],
            storage_class_name=app.storage_class,
            resources=k8s.core.v1.VolumeResourceRequirementsArgs(requests={"storage": size}),
        ),
        opts=pulumi.ResourceOptions(parent=parent, protect=True, retain_on_delete=True),
    )


def pod_security_context() -> k8s.core.v1.PodSecurityContextArgs:
    """Every goship pod runs as the image's non-root user, which owns the volumes."""
    return k8s.core.v1.PodSecurityContextArgs(
        run_as_non_root=True,
        run_as_user=APP_UID,
        run_as_group=APP_UID,
        fs_group=APP_UID,
        # Skips the recursive chown of the whole volume on every start once it is right.
        fs_group_change_policy="OnRootMismatch",
        seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
    )


def container_security_context() -> k8s.core.v1.SecurityContextArgs:
    """What the `restricted` Pod Security level asks of a container, plus a read-only root."""
    return k8s.core.v1.SecurityContextArgs(
        allow_privilege_escalation=False,
        read_only_root_filesystem=True,
        capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
    )


def container_resources(app: WebAppSettings) -> k8s.core.v1.ResourceRequirementsArgs:
    """The configured requests and limits; the host bills the limits."""
    return k8s.core.v1.ResourceRequirementsArgs(
        requests={"cpu": app.cpu_request.text, "memory": app.memory_request.text},
        limits={"cpu": app.cpu_limit.text, "memory": app.memory_limit.text},
    )


def tmp_volume() -> k8s.core.v1.VolumeArgs:
    """A small scratch /tmp: SQLite writes temporary files and the root filesystem is read-only."""
    return k8s.core.v1.VolumeArgs(
        name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="64Mi")
    )


def _probe(app: WebAppSettings, period: int, failures: int) -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        http_get=k8s.core.v1.HTTPGetActionArgs(path=app.health_path, port="http"),
        period_seconds=period,
        timeout_seconds=2,
        failure_threshold=failures,
    )


def pod_spec(
    app: WebAppSettings,
    image: pulumi.Input[str],
    claim_name: pulumi.Input[str],
    secret_name: pulumi.Input[str] | None,
) -> k8s.core.v1.PodSpecArgs:
    """The pod: one non-root container with the claim on /app/db, fit for `restricted`."""
    env = [
        k8s.core.v1.EnvVarArgs(name=key, value=value)
        for key, value in (
            ("PORT", str(app.port)),
            ("TZ", app.timezone),
            ("DB_DIR", DB_DIR),
            *app.env.items(),
        )
    ]
    env_from = None
    if secret_name is not None:
        env_from = [
            k8s.core.v1.EnvFromSourceArgs(
                secret_ref=k8s.core.v1.SecretEnvSourceArgs(name=secret_name)
            )
        ]

    return k8s.core.v1.PodSpecArgs(
        # The app never talks to the API server; no token means nothing to steal.
        automount_service_account_token=False,
        security_context=pod_security_context(),
        containers=[
            k8s.core.v1.ContainerArgs(
                name="app",
                image=image,
                ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=app.port)],
                env=env,
                env_from=env_from,
                resources=container_resources(app),
                startup_probe=_probe(app, period=2, failures=30),
                readiness_probe=_probe(app, period=10, failures=3),
                liveness_probe=_probe(app, period=20, failures=3),
                security_context=container_security_context(),
                volume_mounts=[
                    k8s.core.v1.VolumeMountArgs(name="db", mount_path=DB_DIR),
                    # SQLite writes temporary files; the root filesystem is read-only.
                    k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
                ],
            )
        ],
        volumes=[
            k8s.core.v1.VolumeArgs(
                name="db",
                persistent_volume_claim=k8s.core.v1.PersistentVolumeClaimVolumeSourceArgs(
                    claim_name=claim_name
                ),
            ),
            tmp_volume(),
        ],
    )
