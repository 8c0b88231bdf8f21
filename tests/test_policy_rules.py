"""The policy pack's rules on plain properties, as the engine shows them to a policy."""

from __future__ import annotations

from typing import Any

import pytest

from policy import rules
from policy.rules import UNKNOWN, Resource, Secret

DIGEST_IMAGE = "registry.example/goship/app@sha256:" + "ab" * 32
RESOURCES = {
    "requests": {"cpu": "20m", "memory": "32Mi"},
    "limits": {"cpu": "100m", "memory": "64Mi"},
}


def container(name: str = "app", **fields: Any) -> dict:
    """A container that breaks no rule unless `fields` make it."""
    return {"name": name, "image": DIGEST_IMAGE, "resources": RESOURCES, **fields}


def pod(*containers: dict, **fields: Any) -> dict:
    """A pod spec that breaks no rule unless its containers or `fields` make it."""
    return {
        "securityContext": {"runAsNonRoot": True, "runAsUser": 65532},
        "containers": list(containers) or [container()],
        **fields,
    }


def deployment(pod_spec: dict | None = None, name: str = "web", **spec: Any) -> Resource:
    spec = {"replicas": 1, "strategy": {"type": "Recreate"}, **spec}
    return Resource(
        "kubernetes:apps/v1:Deployment",
        name,
        {
            "metadata": {"name": name, "namespace": "ns-a"},
            "spec": {**spec, "template": {"spec": pod_spec or pod()}},
        },
    )


def cron_job(pod_spec: dict) -> Resource:
    template = {"spec": {"template": {"spec": pod_spec}}}
    return Resource("kubernetes:batch/v1:CronJob", "backup", {"spec": {"jobTemplate": template}})


def claim(name: str, *modes: Any, namespace: str = "ns-a", protect: bool = True) -> Resource:
    return Resource(
        "kubernetes:core/v1:PersistentVolumeClaim",
        f"{name}-claim",
        {"metadata": {"name": name, "namespace": namespace}, "spec": {"accessModes": list(modes)}},
        protect=protect,
    )


def on_claim(claim_name: str) -> dict:
    return pod(volumes=[{"name": "db", "persistentVolumeClaim": {"claimName": claim_name}}])


def workload(resource_type: str, pod_spec: dict, name: str = "web", **spec: Any) -> Resource:
    """Any kind whose pod template sits at spec.template, e.g. a Patch or a DaemonSet."""
    return Resource(
        resource_type,
        name,
        {
            "metadata": {"name": name, "namespace": "ns-a"},
            "spec": {**spec, "template": {"spec": pod_spec}},
        },
    )


DEPLOYMENT_PATCH = "kubernetes:apps/v1:DeploymentPatch"


# The engine's encoding of properties


def test_from_engine_wraps_secrets_and_marks_unknowns():
    wire = {
        "image": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "containers": {
            rules.SIGNATURE_KEY: rules.SECRET_SIGNATURE,
            "value": [{"name": "app", "env": [{"name": "A", "value": "b"}]}],
        },
        "replicas": 1.0,
    }

    assert rules.from_engine(wire) == {
        "image": UNKNOWN,
        "containers": Secret([{"name": "app", "env": [{"name": "A", "value": "b"}]}]),
        "replicas": 1.0,
    }


def test_lookup_reports_a_secret_anywhere_on_the_path():
    props = {"spec": Secret({"template": {"image": "x"}})}

    assert rules.lookup(props, "spec", "template", "image") == ("x", True)
    assert rules.lookup(props, "spec", "missing", "image") == (None, True)
    assert rules.lookup({"spec": UNKNOWN}, "spec", "template") == (UNKNOWN, False)


# Rule 1: images by digest


def test_digest_pinned_images_pass_in_containers_and_init_containers():
    workload = deployment(pod(container(), initContainers=[container("migrate")]))

    assert rules.image_violations(workload) == []


def test_tag_pinned_image_with_a_digest_passes():
    image = "registry.example/app:1.2.3@sha256:" + "0f" * 32

    assert rules.image_violations(deployment(pod(container(image=image)))) == []


@pytest.mark.parametrize(
    "image",
    ["nginx", "nginx:latest", "nginx:1.27", "nginx@sha256:abc", "nginx@sha256:" + "AB" * 32],
)
def test_image_without_a_full_digest_fails_naming_the_container_and_the_fix(image):
    violations = rules.image_violations(deployment(pod(container("app", image=image))))

    assert violations == [
        f"Deployment 'web': container 'app' runs image '{image}', which is not pinned by digest; "
        "reference it as <name>@sha256:<64 hex digest> (the digest the build or `docker buildx "
        "imagetools inspect` prints), never by a tag or latest."
    ]


def test_tagged_init_container_of_a_cron_job_fails():
    job = cron_job(pod(container(), initContainers=[container("fetch", image="alpine:3.20")]))

    [violation] = rules.image_violations(job)

    assert violation.startswith("CronJob 'backup': init container 'fetch' runs image 'alpine:3.20'")


def test_unknown_image_is_left_for_up():
    assert rules.image_violations(deployment(pod(container(image=UNKNOWN)))) == []


def test_image_under_a_secret_is_checked_but_not_printed():
    workload = deployment(pod(containers=Secret([container(image="private:1")])))

    [violation] = rules.image_violations(workload)

    assert "runs image (secret)" in violation
    assert "private:1" not in violation


def test_sha512_digest_passes_and_a_digest_followed_by_a_newline_fails():
    sha512 = "registry.example/app@sha512:" + "0f" * 64

    assert rules.image_violations(deployment(pod(container(image=sha512)))) == []
    assert len(rules.image_violations(deployment(pod(container(image=DIGEST_IMAGE + "\n"))))) == 1


def test_tagged_ephemeral_container_fails():
    spec = pod(ephemeralContainers=[{"name": "debug", "image": "busybox"}])

    [violation] = rules.image_violations(Resource("kubernetes:core/v1:Pod", "p", {"spec": spec}))

    assert violation.startswith("Pod 'p': ephemeral container 'debug' runs image 'busybox'")


def test_deployment_patch_with_a_tagged_image_fails():
    patch = workload(DEPLOYMENT_PATCH, pod(container(image="nginx:latest")))

    [violation] = rules.image_violations(patch)

    assert violation.startswith("DeploymentPatch 'web': container 'app' runs image 'nginx:latest'")


def test_patch_that_leaves_the_image_alone_passes():
    patch = workload(DEPLOYMENT_PATCH, {"containers": [{"name": "app", "env": []}]})

    assert rules.image_violations(patch) == []


def test_each_item_of_a_list_is_checked_under_its_index():
    items = [deployment().props, deployment(pod(container(image="nginx:1"))).props]
    listed = Resource("kubernetes:apps/v1:DeploymentList", "many", {"items": items})

    [violation] = rules.image_violations(listed)

    assert violation.startswith("Deployment 'many[1]': container 'app' runs image 'nginx:1'")


def test_resources_that_are_no_workload_have_no_images():
    service = Resource("kubernetes:core/v1:Service", "web", {"spec": {"ports": []}})

    assert rules.image_violations(service) == []


# Rule 2: single writer on a ReadWriteOnce claim


def test_one_replica_with_recreate_on_a_read_write_once_claim_passes():
    resources = [claim("db", "ReadWriteOnce"), deployment(on_claim("db"))]

    assert rules.single_writer_violations(resources) == []


def test_two_replicas_on_a_read_write_once_claim_fail_with_the_fix():
    workload = deployment(on_claim("db"), replicas=2.0)

    violations = rules.single_writer_violations([claim("db", "ReadWriteOnce"), workload])

    assert violations == [
        (
            workload,
            "Deployment 'web' runs 2 replicas on claim 'db' (ReadWriteOnce), which one node and "
            "one SQLite writer can use at a time; set replicas to 0 or 1.",
        )
    ]


@pytest.mark.parametrize("strategy", [{"type": "RollingUpdate"}, None])
def test_rolling_update_on_a_read_write_once_pod_claim_fails(strategy):
    workload = deployment(on_claim("db"), strategy=strategy)

    violations = rules.single_writer_violations([claim("db", "ReadWriteOncePod"), workload])

    assert [message for _, message in violations] == [
        "Deployment 'web' mounts claim 'db' (ReadWriteOncePod) with the RollingUpdate strategy, "
        "which starts the new pod while the old one still holds the claim; set "
        "spec.strategy.type: Recreate."
    ]


def test_claim_missing_from_the_stack_is_taken_as_read_write_once_and_says_so():
    replica_set = Resource(
        "kubernetes:apps/v1:ReplicaSet",
        "legacy",
        {"spec": {"replicas": 3, "template": {"spec": on_claim("elsewhere")}}},
    )

    [(workload, message)] = rules.single_writer_violations([replica_set])

    assert workload is replica_set
    assert message.startswith(
        "ReplicaSet 'legacy' runs 3 replicas on claim 'elsewhere' (ReadWriteOnce, assumed: the "
        "claim is not declared in this stack)"
    )


def test_many_replicas_on_a_read_write_many_claim_pass():
    workload = deployment(on_claim("db"), replicas=3, strategy={"type": "RollingUpdate"})

    assert rules.single_writer_violations([claim("db", "ReadWriteMany"), workload]) == []


def test_a_claim_of_the_same_name_in_another_namespace_is_not_the_one_mounted():
    workload = deployment(on_claim("db"), replicas=2)
    elsewhere = claim("db", "ReadWriteMany", namespace="ns-b")

    [(_, message)] = rules.single_writer_violations([elsewhere, workload])

    assert "assumed: the claim is not declared in this stack" in message


def test_stateful_set_claim_templates_give_each_replica_its_own_claim():
    stateful_set = Resource(
        "kubernetes:apps/v1:StatefulSet",
        "cache",
        {
            "spec": {
                "replicas": 3,
                "template": {"spec": pod()},
                "volumeClaimTemplates": [{"spec": {"accessModes": ["ReadWriteOnce"]}}],
            }
        },
    )

    assert rules.single_writer_violations([stateful_set]) == []


def test_unknown_replicas_strategy_or_access_modes_are_left_for_up():
    resources = [
        claim("db", "ReadWriteOnce"),
        deployment(on_claim("db"), replicas=UNKNOWN, strategy={"type": UNKNOWN}),
        deployment(on_claim("later"), name="other", replicas=2),
        Resource(
            "kubernetes:core/v1:PersistentVolumeClaim",
            "later",
            {"metadata": {"name": "later"}, "spec": {"accessModes": UNKNOWN}},
        ),
    ]

    assert rules.single_writer_violations(resources) == []


def test_two_stateful_set_replicas_sharing_a_read_write_once_claim_fail():
    shared = workload("kubernetes:apps/v1:StatefulSet", on_claim("db"), replicas=2.0)

    [(_, message)] = rules.single_writer_violations([claim("db", "ReadWriteOnce"), shared])

    assert message.startswith("StatefulSet 'web' runs 2 replicas on claim 'db' (ReadWriteOnce)")


def test_replication_controller_replicas_on_a_read_write_once_claim_fail():
    controller = workload("kubernetes:core/v1:ReplicationController", on_claim("db"), replicas=3.0)

    [(_, message)] = rules.single_writer_violations([claim("db", "ReadWriteOnce"), controller])

    assert message.startswith("ReplicationController 'web' runs 3 replicas on claim 'db'")


def test_daemon_set_on_a_read_write_once_claim_fails():
    daemon_set = workload("kubernetes:apps/v1:DaemonSet", on_claim("db"))

    assert rules.single_writer_violations([claim("db", "ReadWriteOnce"), daemon_set]) == [
        (
            daemon_set,
            "DaemonSet 'web' runs a pod on every node it selects, all on claim 'db' "
            "(ReadWriteOnce), which one node and one SQLite writer can use at a time; run it as a "
            "Deployment of one replica.",
        )
    ]


def test_parallel_job_on_a_read_write_once_claim_fails():
    job = workload("kubernetes:batch/v1:Job", on_claim("db"), parallelism=3.0)

    [(_, message)] = rules.single_writer_violations([claim("db", "ReadWriteOnce"), job])

    assert message == (
        "Job 'web' runs 3 pods at once on claim 'db' (ReadWriteOnce), which one node and one "
        "SQLite writer can use at a time; set parallelism to 1."
    )


def test_deployment_patch_that_scales_up_on_a_read_write_once_claim_fails():
    patch = workload(DEPLOYMENT_PATCH, on_claim("db"), replicas=3.0)

    [(_, message)] = rules.single_writer_violations([claim("db", "ReadWriteOnce"), patch])

    # The strategy it leaves unset stays the Deployment's own: only the replicas are at fault.
    assert message.startswith("DeploymentPatch 'web' runs 3 replicas on claim 'db'")


def test_claim_in_the_workloads_namespace_decides_whatever_the_order():
    # The workload and one claim leave the namespace to the provider; the other is in ns-b.
    local = Resource(
        "kubernetes:core/v1:PersistentVolumeClaim",
        "db-local",
        {"metadata": {"name": "db"}, "spec": {"accessModes": ["ReadWriteOnce"]}},
        protect=True,
    )
    elsewhere = claim("db", "ReadWriteMany", namespace="ns-b")
    scaled = Resource(
        "kubernetes:apps/v1:Deployment",
        "web",
        {
            "metadata": {"name": "web"},
            "spec": {"replicas": 2.0, "template": {"spec": on_claim("db")}},
        },
    )

    first = rules.single_writer_violations([elsewhere, local, scaled])
    second = rules.single_writer_violations([local, elsewhere, scaled])

    assert [message for _, message in first] == [message for _, message in second]
    assert len(first) == 2


def test_cron_jobs_on_a_read_write_once_claim_are_not_replicated_workloads():
    job = cron_job(on_claim("db"))

    assert rules.single_writer_violations([claim("db", "ReadWriteOnce"), job]) == []


# Rule 3: requests and limits


def test_containers_with_cpu_and_memory_requests_and_limits_pass():
    assert rules.resource_violations(deployment(pod(initContainers=[container("init")]))) == []


def test_missing_limits_fail_naming_each_missing_quantity():
    partial = container("app", resources={"requests": RESOURCES["requests"], "limits": {}})

    assert rules.resource_violations(deployment(pod(partial))) == [
        "Deployment 'web': container 'app' sets no resources limits.cpu, limits.memory; set "
        "resources.requests and resources.limits for both cpu and memory, so the namespace quota "
        "admits the pod and the bill is bounded."
    ]


def test_init_container_without_resources_fails():
    bare = {"name": "init", "image": DIGEST_IMAGE}

    [violation] = rules.resource_violations(cron_job(pod(initContainers=[bare])))

    assert violation.startswith(
        "CronJob 'backup': init container 'init' sets no resources requests.cpu, "
        "requests.memory, limits.cpu, limits.memory;"
    )


def test_empty_quantity_counts_as_unset():
    empty = container(resources={**RESOURCES, "limits": {"cpu": "", "memory": "64Mi"}})

    [violation] = rules.resource_violations(deployment(pod(empty)))

    assert "sets no resources limits.cpu;" in violation


def test_patch_that_leaves_resources_alone_passes():
    patch = workload(DEPLOYMENT_PATCH, {"containers": [{"name": "app", "image": DIGEST_IMAGE}]})

    assert rules.resource_violations(patch) == []


def test_unknown_quantities_are_left_for_up():
    unknown = container(resources={"requests": UNKNOWN, "limits": {"cpu": UNKNOWN, "memory": "1"}})

    assert rules.resource_violations(deployment(pod(unknown))) == []


# Rule 4: non-root


def test_non_root_on_every_container_instead_of_the_pod_passes():
    non_root = {"runAsNonRoot": True}
    spec = pod(container("a", securityContext=non_root), container("b", securityContext=non_root))
    del spec["securityContext"]

    assert rules.non_root_violations(deployment(spec)) == []


def test_pod_without_run_as_non_root_fails_for_each_container():
    spec = pod(container("a"), container("b"), securityContext={})

    assert rules.non_root_violations(deployment(spec)) == [
        f"Deployment 'web': container '{name}' may run as root; set "
        "securityContext.runAsNonRoot: true on the pod (or on every container)."
        for name in ("a", "b")
    ]


def test_container_that_turns_run_as_non_root_off_fails():
    spec = pod(container("a", securityContext={"runAsNonRoot": False}))

    [violation] = rules.non_root_violations(deployment(spec))

    assert violation.startswith("Deployment 'web': container 'a' may run as root;")


def test_run_as_user_zero_fails_on_the_pod_and_on_a_container():
    spec = pod(
        container("a", securityContext={"runAsUser": 0.0}),
        securityContext={"runAsNonRoot": True, "runAsUser": 0.0},
    )

    assert rules.non_root_violations(deployment(spec)) == [
        "Deployment 'web': the pod's securityContext sets runAsUser 0 (root); set it to the "
        "image's non-root UID.",
        "Deployment 'web': container 'a' sets runAsUser 0 (root); set it to the image's non-root "
        "UID.",
    ]


def test_every_container_turning_non_root_on_overrides_the_pods_false():
    on = {"runAsNonRoot": True}
    spec = pod(container("a", securityContext=on), securityContext={"runAsNonRoot": False})

    assert rules.non_root_violations(deployment(spec)) == []


def test_patch_that_leaves_run_as_non_root_unset_passes_but_one_that_turns_it_off_fails():
    kept = workload(DEPLOYMENT_PATCH, {"containers": [{"name": "app", "image": DIGEST_IMAGE}]})
    root = workload(
        DEPLOYMENT_PATCH,
        {"securityContext": {"runAsNonRoot": False}, "containers": [{"name": "app"}]},
    )

    assert rules.non_root_violations(kept) == []
    assert rules.non_root_violations(root) == [
        "DeploymentPatch 'web': container 'app' may run as root; set securityContext.runAsNonRoot: "
        "true on the pod (or on every container)."
    ]


def test_unknown_run_as_non_root_is_left_for_up():
    spec = pod(securityContext={"runAsNonRoot": UNKNOWN})

    assert rules.non_root_violations(deployment(spec)) == []


# Rule 5: nothing cluster-scoped


@pytest.mark.parametrize(
    "resource_type",
    [
        "kubernetes:core/v1:ConfigMap",
        "kubernetes:rbac.authorization.k8s.io/v1:Role",
        "kubernetes:networking.k8s.io/v1:Ingress",
        "docker-build:index:Image",
        "goship:index:WebApp",
    ],
)
def test_namespaced_and_non_kubernetes_resources_pass(resource_type):
    assert rules.cluster_scoped_violations(Resource(resource_type, "x", {})) == []


def test_namespace_fails_pointing_to_the_given_namespace():
    namespace = Resource("kubernetes:core/v1:Namespace", "extra", {})

    assert rules.cluster_scoped_violations(namespace) == [
        "Namespace 'extra' creates a namespace; deploy into the namespace the host gave you "
        "(goship:namespace) and remove this resource."
    ]


@pytest.mark.parametrize(
    "resource_type",
    [
        "kubernetes:core/v1:PersistentVolume",
        "kubernetes:storage.k8s.io/v1:StorageClass",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
        "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration",
        "kubernetes:scheduling.k8s.io/v1:PriorityClass",
        "kubernetes:networking.k8s.io/v1:IngressClass",
        "kubernetes:apiregistration.k8s.io/v1:APIService",
        "kubernetes:core/v1:NamespacePatch",
        "kubernetes:storage.k8s.io/v1:StorageClassList",
        "kubernetes:policy/v1beta1:PodSecurityPolicy",
        "kubernetes:networking.k8s.io/v1alpha1:ClusterCIDR",
        "kubernetes:resource.k8s.io/v1alpha3:DeviceTaintRule",
    ],
)
def test_cluster_scoped_kinds_fail(resource_type):
    [violation] = rules.cluster_scoped_violations(Resource(resource_type, "x", {}))

    kind = resource_type.rsplit(":", 1)[1].removesuffix("List").removesuffix("Patch")
    assert f"is a cluster-scoped {kind}, which a namespace's user may not create" in violation


def test_helm_release_that_creates_its_namespace_fails():
    release = Resource(
        "kubernetes:helm.sh/v3:Release", "cache", {"chart": "redis", "createNamespace": True}
    )

    assert rules.cluster_scoped_violations(release) == [
        "Release 'cache' sets createNamespace, so Helm would create a namespace; install into the "
        "namespace the host gave you (goship:namespace) without it."
    ]
    assert rules.cluster_scoped_violations(Resource(release.type, "cache", {"chart": "x"})) == []


# Rule 6: protected claims


def test_protected_claim_passes():
    assert rules.unprotected_claim_violations(claim("db", "ReadWriteOnce")) == []


def test_unprotected_claim_fails_with_the_option_to_set():
    assert rules.unprotected_claim_violations(claim("db", "ReadWriteOnce", protect=False)) == [
        "PersistentVolumeClaim 'db-claim' is not protected, so `pulumi destroy` or a replacement "
        "would delete it and its data; set protect=True (with retain_on_delete=True) in its "
        "resource options."
    ]


def test_unprotected_list_of_claims_fails_for_each_claim():
    items = [claim("a", "ReadWriteOnce").props, claim("b", "ReadWriteOnce").props]
    listed = Resource("kubernetes:core/v1:PersistentVolumeClaimList", "claims", {"items": items})

    violations = rules.unprotected_claim_violations(listed)

    assert [v.split(" is not")[0] for v in violations] == [
        "PersistentVolumeClaim 'claims[0]'",
        "PersistentVolumeClaim 'claims[1]'",
    ]


def test_other_resources_need_no_protection():
    assert rules.unprotected_claim_violations(deployment()) == []


# Rule 7: no secret env values


def test_env_from_secrets_and_plain_settings_pass():
    secret_ref = {"secretKeyRef": {"name": "web-env", "key": "DB_PASSWORD"}}
    env = [
        {"name": "PORT", "value": "7070"},
        {"name": "TOKENIZER_MODEL", "value": "small"},
        {"name": "DB_PASSWORD", "valueFrom": secret_ref},
    ]
    spec = pod(container(env=env, envFrom=[{"secretRef": {"name": "web-env"}}]))

    assert rules.secret_env_violations(deployment(spec)) == []


def test_secret_env_value_fails_without_printing_it():
    spec = pod(container(env=[{"name": "UPSTREAM", "value": Secret("https://u:pw@host")}]))

    [violation] = rules.secret_env_violations(deployment(spec))

    assert violation == (
        "Deployment 'web': container 'app' sets env UPSTREAM to a Pulumi secret as a plain value, "
        "which anyone who can read the pod spec sees; keep it in a Kubernetes Secret and reference "
        "it with valueFrom.secretKeyRef or envFrom (goship: goship:appSecrets)."
    )
    assert "pw@host" not in violation


@pytest.mark.parametrize(
    "name",
    [
        "DB_PASSWORD",
        "GITHUB_TOKEN",
        "apiKey",
        "API_KEY",
        "PRIVATE_KEY_PEM",
        "AWS_SECRET",
        "dbPassword",
        "awsSecretAccessKey",
    ],
)
def test_plain_value_under_a_credential_name_fails(name):
    spec = pod(container(env=[{"name": name, "value": "hunter2"}]))

    [violation] = rules.secret_env_violations(deployment(spec))

    assert f"sets env {name}, which names a credential, to a plain value;" in violation
    assert "hunter2" not in violation


@pytest.mark.parametrize("name", ["DB_PASSWORD_FILE", "TOKEN_PATH", "SECRETS_DIR"])
def test_credential_name_that_holds_where_the_credential_is_passes(name):
    spec = pod(container(env=[{"name": name, "value": "/run/secrets/db-password"}]))

    assert rules.secret_env_violations(deployment(spec)) == []


def test_credential_name_with_a_value_unknown_until_up_fails_already():
    spec = pod(container(env=[{"name": "API_TOKEN", "value": UNKNOWN}]))

    assert len(rules.secret_env_violations(deployment(spec))) == 1


def test_plain_values_in_a_container_list_holding_a_secret_fail_together():
    # The Kubernetes provider marks the whole containers list secret when one value in it is.
    env = [{"name": "LOG_LEVEL", "value": "info"}, {"name": "UPSTREAM", "value": "https://x"}]
    spec = pod(containers=Secret([container(env=env)]))

    assert rules.secret_env_violations(cron_job(spec)) == [
        "CronJob 'backup': container 'app' sets env LOG_LEVEL, UPSTREAM as plain values inside a "
        "part of the pod spec that holds a Pulumi secret, so one of them may carry it; keep it in "
        "a Kubernetes Secret and reference it with valueFrom.secretKeyRef or envFrom (goship: "
        "goship:appSecrets), or keep the secret out of the pod spec."
    ]


@pytest.mark.parametrize(
    "secret_part",
    [
        lambda env: pod(container(env=Secret(env))),
        lambda env: Secret(pod(container(env=env))),
    ],
    ids=["env-list", "pod-spec"],
)
def test_plain_values_in_a_secret_env_list_or_pod_spec_fail_together(secret_part):
    env = [{"name": "LOG_LEVEL", "value": "info"}]

    [violation] = rules.secret_env_violations(deployment(secret_part(env)))

    assert violation.startswith(
        "Deployment 'web': container 'app' sets env LOG_LEVEL as plain values inside a part of "
        "the pod spec that holds a Pulumi secret"
    )


def test_secret_env_from_reference_in_a_secret_list_passes():
    spec = pod(containers=Secret([container(envFrom=[{"secretRef": {"name": "web-env"}}])]))

    assert rules.secret_env_violations(deployment(spec)) == []


# Every pod template kind


@pytest.mark.parametrize(
    "resource_type, props",
    [
        ("kubernetes:core/v1:Pod", {"spec": pod(container(image="x:1"))}),
        (
            "kubernetes:apps/v1:DaemonSet",
            {"spec": {"template": {"spec": pod(container(image="x:1"))}}},
        ),
        (
            "kubernetes:apps/v1:StatefulSet",
            {"spec": {"template": {"spec": pod(container(image="x:1"))}}},
        ),
        ("kubernetes:batch/v1:Job", {"spec": {"template": {"spec": pod(container(image="x:1"))}}}),
        ("kubernetes:core/v1:PodTemplate", {"template": {"spec": pod(container(image="x:1"))}}),
        (
            "kubernetes:extensions/v1beta1:Deployment",
            {"spec": {"template": {"spec": pod(container(image="x:1"))}}},
        ),
        (
            "kubernetes:batch/v1:CronJob",
            {
                "spec": {
                    "jobTemplate": {"spec": {"template": {"spec": pod(container(image="x:1"))}}}
                }
            },
        ),
    ],
)
def test_every_pod_template_kind_is_checked(resource_type, props):
    assert len(rules.image_violations(Resource(resource_type, "w", props))) == 1
