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

import functools
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

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

# `name@sha256:<64 hex>` (or the OCI's other registered digest, sha512), optionally with a tag
# before the digest: the digest is what runs. Matched whole, with `fullmatch`.
DIGEST_REFERENCE = re.compile(r"[^@\s]+@(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})")

# Env var names that say they hold a credential. Matched as whole `_`-separated words (camelCase
# split into words), so that TOKENIZER_MODEL or SECRETARY_NAME are not taken for credentials.
SECRET_ENV_NAME = re.compile(
    r"(^|_)(PASSWORD|PASSWD|PASSPHRASE|TOKEN|SECRET|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY"
    r"|CREDENTIALS?)(_|$)"
)
# ...unless the name says its value is where the credential is (DB_PASSWORD_FILE=/run/...), the
# way images read a secret mounted from a Kubernetes Secret.
CREDENTIAL_LOCATION_NAME = re.compile(r"_(FILE|PATH|DIR)$")

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
REPLICATED_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})
# Workloads that run several pods at once by other means: a DaemonSet one a node, a Job (and a
# CronJob's job) `parallelism` of them.
PER_NODE_KINDS = frozenset({"DaemonSet"})
PARALLEL_PATHS: dict[str, tuple[str, ...]] = {
    "Job": ("spec", "parallelism"),
    "CronJob": ("spec", "jobTemplate", "spec", "parallelism"),
}
SHARING_KINDS = REPLICATED_KINDS | PER_NODE_KINDS | frozenset(PARALLEL_PATHS)
SINGLE_NODE_ACCESS_MODES = frozenset({"ReadWriteOnce", "ReadWriteOncePod"})
# A Helm release made by the provider itself: opaque to the rules but for the namespace it makes.
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"

# Kubernetes kinds that live outside any namespace, by (API group, kind). A Sealos tenant may
# create objects only inside the namespace it was given.
CLUSTER_SCOPED_KINDS = frozenset(
    {
        ("core", "Namespace"),
        ("core", "Node"),
        ("core", "PersistentVolume"),
        ("core", "ComponentStatus"),
        ("policy", "PodSecurityPolicy"),
        ("extensions", "PodSecurityPolicy"),
        ("auditregistration.k8s.io", "AuditSink"),
        ("networking.k8s.io", "ClusterCIDR"),
        ("resource.k8s.io", "ResourceClass"),
        ("resource.k8s.io", "DeviceTaintRule"),
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


PATCH = "Patch"
LIST = "List"


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
        """(API group, kind) of the Kubernetes object it declares or patches, `core` for the
        core group; else None. `DeploymentPatch` is a Deployment's."""
        parts = self.type.split(":")
        if len(parts) != 3 or parts[0] != "kubernetes":
            return None
        name = parts[2]
        if self.is_patch:
            name = name[: -len(PATCH)]
        return parts[1].split("/")[0], name

    @property
    def is_patch(self) -> bool:
        """Whether it patches an object that exists (`...Patch`): what it leaves unset stays."""
        return self.type.startswith("kubernetes:") and self.type.endswith(PATCH)

    @property
    def label(self) -> str:
        """How messages name the resource: its kind and Pulumi name."""
        kind = self.kind
        if kind is None:
            return f"{self.type} '{self.name}'"
        return f"{kind[1]}{PATCH if self.is_patch else ''} '{self.name}'"


@dataclass(frozen=True)
class Container:
    """A container of a pod spec, and whether a secret covers it or its list."""

    label: str
    fields: dict
    in_secret: bool
    ephemeral: bool = False
    """An ephemeral (debug) container: the API server forbids it resources of its own."""


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


def objects(resource: Resource) -> list[Resource]:
    """The objects a resource declares: each item of a `...List`, else the resource itself."""
    kind = resource.kind
    if kind is None or resource.is_patch or kind[1] == LIST or not kind[1].endswith(LIST):
        return [resource]
    items, secret = lookup(resource.props, "items")
    if not isinstance(items, list):
        return []
    item_type = resource.type[: -len(LIST)]
    return [
        Resource(
            item_type,
            f"{resource.name}[{index}]",
            # A secret list keeps its mark on each item, so no rule prints what it hides.
            Secret(item) if secret else item,
            resource.protect,
            resource.urn,
        )
        for index, item in enumerate(items)
    ]


def _each_object(rule: Callable[[Resource], list[str]]) -> Callable[[Resource], list[str]]:
    @functools.wraps(rule)
    def checked(resource: Resource) -> list[str]:
        return [message for item in objects(resource) for message in rule(item)]

    return checked


def pod_spec(resource: Resource) -> tuple[Any, bool]:
    """The pod spec of a workload (None for other resources), and whether a secret covers it."""
    path = POD_SPEC_PATHS.get(resource.kind or ("", ""))
    if path is None:
        return None, False
    return lookup(resource.props, *path)


def containers(resource: Resource) -> Iterator[Container]:
    """Every container of a workload's pod spec (init, app and ephemeral), as far as known."""
    pod, pod_secret = pod_spec(resource)
    if not isinstance(pod, dict):
        return
    for field, word in (
        ("initContainers", "init container"),
        ("containers", "container"),
        ("ephemeralContainers", "ephemeral container"),
    ):
        listed, list_secret = lookup(pod, field)
        if not isinstance(listed, list):
            continue
        for index, item in enumerate(listed):
            fields, item_secret = reveal(item)
            if not isinstance(fields, dict):
                continue
            name, _ = reveal(fields.get("name"))
            label = f"{word} '{name}'" if isinstance(name, str) else f"{word} #{index + 1}"
            secret = pod_secret or list_secret or item_secret
            yield Container(label, fields, secret, ephemeral=field == "ephemeralContainers")


@_each_object
def image_violations(resource: Resource) -> list[str]:
    """Rule 1: every container runs an image pinned by digest, never a bare tag or `latest`."""
    violations = []
    for container in containers(resource):
        image, secret = lookup(container.fields, "image")
        # A patch that names no image leaves the object's own image in place.
        if image is UNKNOWN or (image is None and resource.is_patch):
            continue
        if not isinstance(image, str) or not image:
            violations.append(
                f"{resource.label}: {container.label} names no image; set image to "
                "<name>@sha256:<digest>."
            )
        elif not DIGEST_REFERENCE.fullmatch(image):
            shown = "(secret)" if secret or container.in_secret else f"'{image}'"
            violations.append(
                f"{resource.label}: {container.label} runs image {shown}, which is not pinned "
                "by digest; reference it as <name>@sha256:<64 hex digest> (the digest the "
                "build or `docker buildx imagetools inspect` prints), never by a tag or latest."
            )
    return violations


@_each_object
def resource_violations(resource: Resource) -> list[str]:
    """Rule 3: every container requests and limits both CPU and memory."""
    # A patch sets only what it changes: the object it patches keeps its own resources.
    if resource.is_patch:
        return []
    violations = []
    for container in containers(resource):
        if container.ephemeral:
            continue
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


@_each_object
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
        # A patch that leaves runAsNonRoot unset keeps the object's own setting.
        kept = non_root is None and resource.is_patch
        if non_root is not UNKNOWN and non_root is not True and not kept:
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


@_each_object
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
            elif isinstance(name, str) and _names_a_credential(name):
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


def _names_a_credential(name: str) -> bool:
    # dbPassword and DB_PASSWORD are the same words.
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    words = re.sub(r"[^A-Z0-9]+", "_", words.upper())
    return bool(SECRET_ENV_NAME.search(words)) and not CREDENTIAL_LOCATION_NAME.search(words)


def cluster_scoped_violations(resource: Resource) -> list[str]:
    """Rule 5: nothing outside the namespace: no Namespace or other cluster-scoped object."""
    kind = resource.kind
    if kind is None:
        return []
    if resource.type == HELM_RELEASE:
        create, _ = lookup(resource.props, "createNamespace")
        if create is True:
            return [
                f"{resource.label} sets createNamespace, so Helm would create a namespace; "
                "install into the namespace the host gave you (goship:namespace) without it."
            ]
        return []
    group, name = kind
    # NamespaceList creates the same cluster-scoped objects, one an item.
    if name.endswith(LIST) and (group, name[: -len(LIST)]) in CLUSTER_SCOPED_KINDS:
        name = name[: -len(LIST)]
    if (group, name) not in CLUSTER_SCOPED_KINDS:
        return []
    if name == "Namespace" and not resource.is_patch:
        return [
            f"{resource.label} creates a namespace; deploy into the namespace the host gave "
            "you (goship:namespace) and remove this resource."
        ]
    return [
        f"{resource.label} is a cluster-scoped {name}, which a namespace's user may not "
        "create or change; remove it, or ask the cluster's operator to provide it."
    ]


@_each_object
def unprotected_claim_violations(resource: Resource) -> list[str]:
    """Rule 6: every PersistentVolumeClaim is protected, so no engine operation deletes data."""
    # Deleting a patch removes only its fields, never the claim it patched.
    if resource.kind != ("core", "PersistentVolumeClaim") or resource.is_patch or resource.protect:
        return []
    return [
        f"{resource.label} is not protected, so `pulumi destroy` or a replacement would delete "
        "it and its data; set protect=True (with retain_on_delete=True) in its resource options."
    ]


def single_writer_violations(resources: list[Resource]) -> list[tuple[Resource, str]]:
    """Rule 2: a workload that mounts a ReadWriteOnce(Pod) claim runs one pod at a time: at most
    one replica (one parallel pod for a Job, no DaemonSet) and, for a Deployment, the Recreate
    strategy."""
    declared = [item for resource in resources for item in objects(resource)]
    claims = [r for r in declared if r.kind == ("core", "PersistentVolumeClaim") and not r.is_patch]
    violations = []
    for workload in declared:
        kind = workload.kind
        if kind is None or kind not in POD_SPEC_PATHS or kind[1] not in SHARING_KINDS:
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
    named = [claim for claim in claims if lookup(claim.props, "metadata", "name")[0] == claim_name]
    # The claim in the workload's own namespace (both unset counts); failing that, any whose
    # namespace is unset on one side, which is the provider's default and may be the same.
    exact = [claim for claim in named if _namespace(claim) == namespace]
    loose = [
        claim
        for claim in named
        if not (isinstance(namespace, str) and isinstance(_namespace(claim), str))
    ]
    candidates = exact or loose
    if not candidates:
        return "ReadWriteOnce, assumed: the claim is not declared in this stack"
    # Of several that may be the one, the strictest decides, whatever their order.
    for claim in candidates:
        modes, _ = lookup(claim.props, "spec", "accessModes")
        if isinstance(modes, list):
            single = [m for m in (reveal(m)[0] for m in modes) if m in SINGLE_NODE_ACCESS_MODES]
            if single:
                return "/".join(single)
    return None


def _replica_problems(workload: Resource, claim_name: str, access: str) -> list[str]:
    kind = workload.kind[1] if workload.kind else ""
    mounts = f"claim '{claim_name}' ({access})"
    if kind in PER_NODE_KINDS:
        return [
            f"{workload.label} runs a pod on every node it selects, all on {mounts}, which one "
            "node and one SQLite writer can use at a time; run it as a Deployment of one replica."
        ]
    problems = []
    if kind in PARALLEL_PATHS:
        parallelism, _ = lookup(workload.props, *PARALLEL_PATHS[kind])
        if _is_number(parallelism) and parallelism > 1:
            problems.append(
                f"{workload.label} runs {parallelism:g} pods at once on {mounts}, which one node "
                "and one SQLite writer can use at a time; set parallelism to 1."
            )
        return problems
    replicas, _ = lookup(workload.props, "spec", "replicas")
    # An unset replicas field means one. The engine sends every number as a float.
    if _is_number(replicas) and replicas > 1:
        problems.append(
            f"{workload.label} runs {replicas:g} replicas on {mounts}, which one node and one "
            "SQLite writer can use at a time; set replicas to 0 or 1."
        )
    if kind == "Deployment":
        strategy, _ = lookup(workload.props, "spec", "strategy", "type")
        # An unset strategy is RollingUpdate, which starts the new pod before the old one stops;
        # a patch that leaves it unset keeps the Deployment's own.
        kept = strategy is None and workload.is_patch
        if strategy is not UNKNOWN and strategy != "Recreate" and not kept:
            problems.append(
                f"{workload.label} mounts {mounts} with the {strategy or 'RollingUpdate'} "
                "strategy, which starts the new pod while the old one still holds the claim; set "
                "spec.strategy.type: Recreate."
            )
    return problems
