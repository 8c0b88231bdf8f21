"""goship's deployment rules, as pure functions over the properties the engine shows a policy.

Properties are plain dicts and lists with Kubernetes' own field names (`initContainers`,
`runAsNonRoot`), as `from_engine` makes them from what the engine sends: a value the program
marked secret arrives wrapped in `Secret`, and a value that only `pulumi up` will know (an image
digest before the image is built) arrives as `UNKNOWN`. A rule skips what is unknown, because
the engine runs every policy again at `pulumi up`, when the value is known.

Each rule returns its violations as sentences that name the resource and say how to fix it, and
never print a secret value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

# How the engine marks a secret and an unknown value on the wire (Pulumi's property encoding,
# sdk/go/common/resource/properties.go); `from_engine` turns them into `Secret` and `UNKNOWN`.
SIGNATURE_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)

# `name@sha256:<64 hex>`, optionally with a tag before the digest (the digest is what runs).
DIGEST_REFERENCE = re.compile(r"^[^@\s]+@sha256:[0-9a-f]{64}$")

# Env var names that say they hold a credential. Matched as whole `_`-separated words, so that
# TOKENIZER_MODEL or SECRETARY_NAME are not taken for credentials.
SECRET_ENV_NAME = re.compile(
    r"(^|_)(PASSWORD|PASSWD|PASSPHRASE|TOKEN|SECRET|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY"
    r"|CREDENTIALS?)(_|$)"
)

# Where each workload kind keeps its pod spec, by (API group, kind).
POD_SPEC_PATHS: dict[tuple[str, str], tuple[str, ...]] = {
    ("core", "Pod"): ("spec",),
    ("core", "PodTemplate"): ("template", "spec"),
    ("core", "ReplicationController"): ("spec", "template", "spec"),
    ("apps", "Deployment"): ("spec", "template", "spec"),
    ("apps", "StatefulSet"): ("spec", "template", "spec"),
    ("apps", "DaemonSet"): ("spec", "template", "spec"),
    ("apps", "ReplicaSet"): ("spec", "template", "spec"),
    ("extensions", "Deployment"): ("spec", "template", "spec"),
    ("extensions", "DaemonSet"): ("spec", "template", "spec"),
    ("extensions", "ReplicaSet"): ("spec", "template", "spec"),
    ("batch", "Job"): ("spec", "template", "spec"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template", "spec"),
}

# Workloads whose replicas would share one claim, and so must not outnumber its writers.
# (A StatefulSet's volumeClaimTemplates give each replica a claim of its own: not counted.)
REPLICATED_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet"})
SINGLE_NODE_ACCESS_MODES = frozenset({"ReadWriteOnce", "ReadWriteOncePod"})

# Kubernetes kinds that live outside any namespace, by (API group, kind). A Sealos tenant may
# create objects only inside the namespace it was given.
CLUSTER_SCOPED_KINDS = frozenset(
    {
        ("core", "Namespace"),
        ("core", "Node"),
        ("core", "PersistentVolume"),
        ("core", "ComponentStatus"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("storage.k8s.io", "VolumeAttributesClass"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "IPAddress"),
        ("networking.k8s.io", "ServiceCIDR"),
        ("node.k8s.io", "RuntimeClass"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("certificates.k8s.io", "ClusterTrustBundle"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("resource.k8s.io", "DeviceClass"),
        ("resource.k8s.io", "ResourceSlice"),
        ("internal.apiserver.k8s.io", "StorageVersion"),
        ("storagemigration.k8s.io", "StorageVersionMigration"),
        ("authentication.k8s.io", "TokenReview"),
        ("authentication.k8s.io", "SelfSubjectReview"),
        ("authorization.k8s.io", "SubjectAccessReview"),
        ("authorization.k8s.io", "SelfSubjectAccessReview"),
        ("authorization.k8s.io", "SelfSubjectRulesReview"),
    }
)


@dataclass(frozen=True)
class Secret:
    """A value the program marked secret: Pulumi encrypts it in the state and hides it in logs."""

    value: Any


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
"""A value the engine cannot know before `pulumi up` (it depends on a resource not yet made)."""


@dataclass(frozen=True)
class Resource:
    """One resource as a policy sees it."""

    type: str
    """The Pulumi type token, e.g. `kubernetes:apps/v1:Deployment`."""

    name: str
    """The Pulumi resource name."""

    props: dict
    """Its properties, as `from_engine` makes them."""

    protect: bool = False
    """Whether the program protects it from deletion (`protect=True`)."""

    urn: str = ""
    """Its URN: stack policies report a violation against it."""

    @property
    def kind(self) -> tuple[str, str] | None:
        """(API group, kind) of a Kubernetes object, `core` for the core group; else None."""
        parts = self.type.split(":")
        if len(parts) != 3 or parts[0] != "kubernetes":
            return None
        return parts[1].split("/")[0], parts[2]

    @property
    def label(self) -> str:
        """How messages name the resource: its kind and Pulumi name."""
        kind = self.kind
        return f"{kind[1] if kind else self.type} '{self.name}'"


@dataclass(frozen=True)
class Container:
    """A container of a pod spec, and whether a secret covers it or its list."""

    label: str
    fields: dict
    in_secret: bool


def from_engine(value: Any) -> Any:
    """The rules' view of a property as the engine encodes it: secrets wrapped, unknowns marked."""
    if isinstance(value, str) and value in UNKNOWN_SENTINELS:
        return UNKNOWN
    if isinstance(value, list):
        return [from_engine(item) for item in value]
    if isinstance(value, dict):
        if value.get(SIGNATURE_KEY) == SECRET_SIGNATURE:
            return Secret(from_engine(value.get("value")))
        return {key: from_engine(item) for key, item in value.items()}
    return value


def reveal(value: Any) -> tuple[Any, bool]:
    """The value inside any `Secret` wrappers, and whether there was one."""
    secret = False
    while isinstance(value, Secret):
        value, secret = value.value, True
    return value, secret


def lookup(value: Any, *path: str) -> tuple[Any, bool]:
    """The value at `path` (None if absent, UNKNOWN if a step is unknown), and whether a secret
    covers it on the way."""
    value, secret = reveal(value)
    for key in path:
        if value is UNKNOWN:
            return UNKNOWN, secret
        if not isinstance(value, dict):
            return None, secret
        value, inner = reveal(value.get(key))
        secret = secret or inner
    return value, secret


def pod_spec(resource: Resource) -> tuple[Any, bool]:
    """The pod spec of a workload (None for other resources), and whether a secret covers it."""
    path = POD_SPEC_PATHS.get(resource.kind or ("", ""))
    if path is None:
        return None, False
    return lookup(resource.props, *path)


def containers(resource: Resource) -> Iterator[Container]:
    """The init containers and containers of a workload's pod spec, as far as they are known."""
    pod, pod_secret = pod_spec(resource)
    if not isinstance(pod, dict):
        return
    for field, word in (("initContainers", "init container"), ("containers", "container")):
        listed, list_secret = lookup(pod, field)
        if not isinstance(listed, list):
            continue
        for index, item in enumerate(listed):
            fields, item_secret = reveal(item)
            if not isinstance(fields, dict):
                continue
            name, _ = reveal(fields.get("name"))
            label = f"{word} '{name}'" if isinstance(name, str) else f"{word} #{index + 1}"
            yield Container(label, fields, pod_secret or list_secret or item_secret)


def image_violations(resource: Resource) -> list[str]:
    """Rule 1: every container runs an image pinned by digest, never a bare tag or `latest`."""
    violations = []
    for container in containers(resource):
        image, secret = lookup(container.fields, "image")
        if image is UNKNOWN:
            continue
        if not isinstance(image, str) or not image:
            violations.append(
                f"{resource.label}: {container.label} names no image; set image to "
                "<name>@sha256:<digest>."
            )
        elif not DIGEST_REFERENCE.match(image):
            shown = "(secret)" if secret or container.in_secret else f"'{image}'"
            violations.append(
                f"{resource.label}: {container.label} runs image {shown}, which is not pinned "
                "by digest; reference it as <name>@sha256:<64 hex digest> (the digest the "
                "build or `docker buildx imagetools inspect` prints), never by a tag or latest."
            )
    return violations


def resource_violations(resource: Resource) -> list[str]:
    """Rule 3: every container requests and limits both CPU and memory."""
    violations = []
    for container in containers(resource):
        missing = []
        for bound in ("requests", "limits"):
            for quantity in ("cpu", "memory"):
                value, _ = lookup(container.fields, "resources", bound, quantity)
                if value is None or value == "":
                    missing.append(f"{bound}.{quantity}")
        if missing:
            violations.append(
                f"{resource.label}: {container.label} sets no resources "
                f"{', '.join(missing)}; set resources.requests and resources.limits for both "
                "cpu and memory, so the namespace quota admits the pod and the bill is bounded."
            )
    return violations


def non_root_violations(resource: Resource) -> list[str]:
    """Rule 4: no container may run as root: runAsNonRoot on the pod or every container, and
    never runAsUser 0."""
    pod, _ = pod_spec(resource)
    if not isinstance(pod, dict):
        return []
    pod_non_root, _ = lookup(pod, "securityContext", "runAsNonRoot")
    pod_user, _ = lookup(pod, "securityContext", "runAsUser")
    violations = []
    if _is_number(pod_user) and pod_user == 0:
        violations.append(
            f"{resource.label}: the pod's securityContext sets runAsUser 0 (root); set it to the "
            "image's non-root UID."
        )
    for container in containers(resource):
        non_root, _ = lookup(container.fields, "securityContext", "runAsNonRoot")
        user, _ = lookup(container.fields, "securityContext", "runAsUser")
        if non_root is None:
            non_root = pod_non_root
        if non_root is not UNKNOWN and non_root is not True:
            violations.append(
                f"{resource.label}: {container.label} may run as root; set "
                "securityContext.runAsNonRoot: true on the pod (or on every container)."
            )
        if _is_number(user) and user == 0:
            violations.append(
                f"{resource.label}: {container.label} sets runAsUser 0 (root); set it to the "
                "image's non-root UID."
            )
    return violations


def secret_env_violations(resource: Resource) -> list[str]:
    """Rule 7: secrets reach containers from a Kubernetes Secret (valueFrom.secretKeyRef or
    envFrom), never as a plain env value."""
    fix = (
        "keep it in a Kubernetes Secret and reference it with valueFrom.secretKeyRef or envFrom "
        "(goship: goship:appSecrets)"
    )
    violations = []
    for container in containers(resource):
        env, env_secret = lookup(container.fields, "env")
        if not isinstance(env, list):
            continue
        covered = []
        for item in env:
            entry, entry_secret = reveal(item)
            if not isinstance(entry, dict) or "value" not in entry:
                continue
            value, value_secret = reveal(entry["value"])
            name, _ = reveal(entry.get("name"))
            if value is None:
                continue
            if value_secret:
                violations.append(
                    f"{resource.label}: {container.label} sets env {name} to a Pulumi secret as "
                    f"a plain value, which anyone who can read the pod spec sees; {fix}."
                )
            elif isinstance(name, str) and SECRET_ENV_NAME.search(_env_word(name)):
                violations.append(
                    f"{resource.label}: {container.label} sets env {name}, which names a "
                    f"credential, to a plain value; {fix}."
                )
            elif container.in_secret or env_secret or entry_secret:
                covered.append(str(name))
        # LIMITATION: the Kubernetes provider marks a whole list secret (here the containers or
        # env list) when any value in it is, so which plain env value carries the secret cannot
        # be told apart: all of them are reported.
        if covered:
            violations.append(
                f"{resource.label}: {container.label} sets env {', '.join(covered)} as plain "
                "values inside a part of the pod spec that holds a Pulumi secret, so one of them "
                f"may carry it; {fix}, or keep the secret out of the pod spec."
            )
    return violations


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _env_word(name: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", name.upper())


def cluster_scoped_violations(resource: Resource) -> list[str]:
    """Rule 5: nothing outside the namespace: no Namespace or other cluster-scoped object."""
    kind = resource.kind
    if kind is None:
        return []
    group, name = kind
    # NamespacePatch and NamespaceList change or create the same cluster-scoped objects.
    for suffix in ("Patch", "List"):
        if name.endswith(suffix) and (group, name[: -len(suffix)]) in CLUSTER_SCOPED_KINDS:
            name = name[: -len(suffix)]
    if (group, name) not in CLUSTER_SCOPED_KINDS:
        return []
    if name == "Namespace":
        return [
            f"{resource.label} creates a namespace; deploy into the namespace the host gave "
            "you (goship:namespace) and remove this resource."
        ]
    return [
        f"{resource.label} is a cluster-scoped {name}, which a namespace's user may not "
        "create; remove it, or ask the cluster's operator to provide it."
    ]


def unprotected_claim_violations(resource: Resource) -> list[str]:
    """Rule 6: every PersistentVolumeClaim is protected, so no engine operation deletes data."""
    if resource.kind != ("core", "PersistentVolumeClaim") or resource.protect:
        return []
    return [
        f"{resource.label} is not protected, so `pulumi destroy` or a replacement would delete "
        "it and its data; set protect=True (with retain_on_delete=True) in its resource options."
    ]


def single_writer_violations(resources: list[Resource]) -> list[tuple[Resource, str]]:
    """Rule 2: a Deployment, StatefulSet or ReplicaSet that mounts a ReadWriteOnce(Pod) claim
    runs at most one replica and, for a Deployment, the Recreate strategy."""
    claims = [r for r in resources if r.kind == ("core", "PersistentVolumeClaim")]
    violations = []
    for workload in resources:
        kind = workload.kind
        if kind is None or kind[1] not in REPLICATED_KINDS or kind not in POD_SPEC_PATHS:
            continue
        for claim_name in _mounted_claims(workload):
            access = _single_node_access(claim_name, _namespace(workload), claims)
            if access is None:
                continue
            violations += [
                (workload, message) for message in _replica_problems(workload, claim_name, access)
            ]
    return violations


def _mounted_claims(workload: Resource) -> list[str]:
    pod, _ = pod_spec(workload)
    volumes, _ = lookup(pod, "volumes")
    if not isinstance(volumes, list):
        return []
    names = []
    for volume in volumes:
        claim_name, _ = lookup(volume, "persistentVolumeClaim", "claimName")
        if isinstance(claim_name, str) and claim_name:
            names.append(claim_name)
    return names


def _namespace(resource: Resource) -> Any:
    namespace, _ = lookup(resource.props, "metadata", "namespace")
    return namespace


def _single_node_access(claim_name: str, namespace: Any, claims: list[Resource]) -> str | None:
    """How a claim mounts, if only on one node: its access mode words; None if shared or not
    known yet."""
    for claim in claims:
        name, _ = lookup(claim.props, "metadata", "name")
        claim_namespace = _namespace(claim)
        if name != claim_name:
            continue
        # An unset namespace is the provider's default: compare only namespaces both name.
        if isinstance(namespace, str) and isinstance(claim_namespace, str):
            if namespace != claim_namespace:
                continue
        modes, _ = lookup(claim.props, "spec", "accessModes")
        if not isinstance(modes, list):
            return None
        single = [m for m in (reveal(m)[0] for m in modes) if m in SINGLE_NODE_ACCESS_MODES]
        return "/".join(single) if single else None
    return "ReadWriteOnce, assumed: the claim is not declared in this stack"


def _replica_problems(workload: Resource, claim_name: str, access: str) -> list[str]:
    problems = []
    replicas, _ = lookup(workload.props, "spec", "replicas")
    # An unset replicas field means one. The engine sends every number as a float.
    if _is_number(replicas) and replicas > 1:
        problems.append(
            f"{workload.label} runs {replicas:g} replicas on claim '{claim_name}' ({access}), "
            "which one node and one SQLite writer can use at a time; set replicas to 0 or 1."
        )
    if workload.kind and workload.kind[1] == "Deployment":
        strategy, _ = lookup(workload.props, "spec", "strategy", "type")
        # An unset strategy is RollingUpdate, which starts the new pod before the old one stops.
        if strategy is not UNKNOWN and strategy != "Recreate":
            problems.append(
                f"{workload.label} mounts claim '{claim_name}' ({access}) with the "
                f"{strategy or 'RollingUpdate'} strategy, which starts the new pod while the old "
                "one still holds the claim; set spec.strategy.type: Recreate."
            )
    return problems
