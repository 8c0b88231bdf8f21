"""Kubernetes objects for the engine tests of goship's policy pack.

The compliant objects satisfy every policy; config `case` names one policy, and the program then
also declares objects that break that policy and no other. The provider points at an address
where no cluster listens: previews need none, and nothing here is ever deployed.
"""

from typing import Any, Callable

import pulumi
import pulumi_kubernetes as k8s
from pulumi.output import UNKNOWN

NAMESPACE = "ns-policy"
LABELS = {"app.kubernetes.io/name": "policy-cases"}
DIGEST_IMAGE = "registry.example/goship/app@sha256:" + "ab" * 32
RESOURCES = {
    "requests": {"cpu": "20m", "memory": "32Mi"},
    "limits": {"cpu": "100m", "memory": "64Mi"},
}
NON_ROOT = {"run_as_non_root": True, "run_as_user": 65532}
# Nothing listens on the discard port, so the provider finds the cluster unreachable at once.
KUBECONFIG = """
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none, namespace: ns-policy}}]
current-context: none
"""

cluster = k8s.Provider("cluster", kubeconfig=KUBECONFIG, namespace=NAMESPACE)
PLAIN = pulumi.ResourceOptions(provider=cluster)
KEPT = pulumi.ResourceOptions(provider=cluster, protect=True, retain_on_delete=True)


def metadata(name: str) -> dict:
    return {"name": name, "namespace": NAMESPACE, "labels": LABELS}


def container(name: str, image: Any = DIGEST_IMAGE, **fields: Any) -> dict:
    """A container that breaks no policy unless `fields` make it."""
    return {"name": name, "image": image, "resources": RESOURCES, **fields}


def pod(*containers: dict, **fields: Any) -> dict:
    """A pod spec that breaks no policy unless its containers or `fields` make it."""
    return {"security_context": NON_ROOT, "containers": list(containers), **fields}


def template(pod_spec: dict) -> dict:
    return {"metadata": {"labels": LABELS}, "spec": pod_spec}


def claim_volume(claim_name: str) -> dict:
    return {"name": "data", "persistent_volume_claim": {"claim_name": claim_name}}


def claim(name: str, access_mode: str, opts: pulumi.ResourceOptions = KEPT) -> None:
    k8s.core.v1.PersistentVolumeClaim(
        name,
        metadata=metadata(name),
        spec={"access_modes": [access_mode], "resources": {"requests": {"storage": "1Gi"}}},
        opts=opts,
    )


def deployment(name: str, pod_spec: dict, replicas: int = 1, strategy: str = "Recreate") -> None:
    k8s.apps.v1.Deployment(
        name,
        metadata=metadata(name),
        spec={
            "replicas": replicas,
            "strategy": {"type": strategy},
            "selector": {"match_labels": LABELS},
            "template": template(pod_spec),
        },
        opts=PLAIN,
    )


def cron_job(name: str, pod_spec: dict) -> None:
    k8s.batch.v1.CronJob(
        name,
        metadata=metadata(name),
        spec={
            "schedule": "0 3 * * *",
            "job_template": {
                "spec": {"template": template({**pod_spec, "restart_policy": "Never"})}
            },
        },
        opts=PLAIN,
    )


def compliant() -> None:
    """Every workload kind the pack inspects, each satisfying every policy."""
    claim("data", "ReadWriteOnce")
    claim("shared", "ReadWriteMany")
    k8s.core.v1.Secret(
        "web-env",
        metadata=metadata("web-env"),
        string_data={"DB_PASSWORD": pulumi.Output.secret("correct-horse")},
        opts=PLAIN,
    )
    db_password = {"secret_key_ref": {"name": "web-env", "key": "DB_PASSWORD"}}
    deployment(
        "web",
        pod(
            container(
                "app",
                env=[
                    {"name": "PORT", "value": "7070"},
                    {"name": "DB_PASSWORD", "value_from": db_password},
                ],
                env_from=[{"secret_ref": {"name": "web-env"}}],
            ),
            # Like an image digest before the build: known only at `pulumi up`.
            init_containers=[container("migrate", image=pulumi.Output.from_input(UNKNOWN))],
            volumes=[claim_volume("data")],
        ),
    )
    # A claim every node can mount may back many replicas, rolled out as usual.
    deployment(
        "readers", pod(container("app"), volumes=[claim_volume("shared")]), 3, "RollingUpdate"
    )
    # Each replica of a StatefulSet gets a claim of its own from the template.
    k8s.apps.v1.StatefulSet(
        "cache",
        metadata=metadata("cache"),
        spec={
            "replicas": 2,
            "service_name": "cache",
            "selector": {"match_labels": LABELS},
            "template": template(pod(container("cache"))),
            "volume_claim_templates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "access_modes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }
            ],
        },
        opts=PLAIN,
    )
    # Non-root set on each container instead of the pod.
    cron_job(
        "backup",
        {
            "containers": [container("backup", security_context=NON_ROOT)],
            "volumes": [claim_volume("data")],
        },
    )


def tagged_images() -> None:
    cron_job(
        "report", pod(container("report"), init_containers=[container("fetch", "alpine:3.20")])
    )
    k8s.batch.v1.Job(
        "seed",
        metadata=metadata("seed"),
        spec={
            "template": template({**pod(container("seed", "busybox")), "restart_policy": "Never"})
        },
        opts=PLAIN,
    )


def shared_single_writer_claims() -> None:
    deployment(
        "web-scaled", pod(container("app"), volumes=[claim_volume("data")]), 2, "RollingUpdate"
    )
    k8s.apps.v1.DaemonSet(
        "agents",
        metadata=metadata("agents"),
        spec={
            "selector": {"match_labels": LABELS},
            "template": template(pod(container("agent"), volumes=[claim_volume("data")])),
        },
        opts=PLAIN,
    )
    k8s.apps.v1.ReplicaSet(
        "legacy",
        metadata=metadata("legacy"),
        spec={
            "replicas": 2,
            "selector": {"match_labels": LABELS},
            "template": template(pod(container("app"), volumes=[claim_volume("made-elsewhere")])),
        },
        opts=PLAIN,
    )


def unbounded_containers() -> None:
    deployment(
        "unbounded",
        pod(container("app", resources={"requests": {"cpu": "20m", "memory": "32Mi"}})),
    )


def root_pods() -> None:
    k8s.core.v1.Pod(
        "debug",
        metadata=metadata("debug"),
        spec=pod(container("shell"), security_context={"run_as_user": 0}),
        opts=PLAIN,
    )


def cluster_scoped_objects() -> None:
    k8s.core.v1.Namespace("extra", metadata={"name": "ns-extra"}, opts=PLAIN)
    k8s.rbac.v1.ClusterRole("reader", metadata={"name": "policy-cases-reader"}, opts=PLAIN)


def unprotected_claim() -> None:
    claim("scratch", "ReadWriteOnce", PLAIN)


def secret_env_values() -> None:
    deployment(
        "api",
        pod(
            container(
                "app",
                env=[
                    {"name": "LOG_LEVEL", "value": "info"},
                    {"name": "UPSTREAM_URL", "value": pulumi.Output.secret(SECRET_URL)},
                ],
            ),
            container("worker", env=[{"name": "API_TOKEN", "value": "plain-token"}]),
        ),
    )


# What the tests look for in the output: it must never appear there.
SECRET_URL = "https://user:secret-3f9a@upstream.example"

BREACHES: dict[str, Callable[[], None]] = {
    "compliant": lambda: None,
    "image-pinned-by-digest": tagged_images,
    "single-writer-claim": shared_single_writer_claims,
    "container-resources-set": unbounded_containers,
    "pods-run-as-non-root": root_pods,
    "no-cluster-scoped-resources": cluster_scoped_objects,
    "claims-protected": unprotected_claim,
    "no-secret-env-values": secret_env_values,
}

compliant()
BREACHES[pulumi.Config().require("case")]()
