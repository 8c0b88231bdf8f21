"""goship's policy pack: what a stack must satisfy before `pulumi preview` or `up` may pass.

Run it with `pulumi preview --policy-pack policy`. The rules themselves are in rules.py.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Callable

import pulumi_policy.policy
from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

import rules

# LIMITATION: pulumi-policy removes the secret marks before a validation policy sees a resource
# (pulumi/pulumi-policy#241), and skips a whole policy at the first unknown value it reads. The
# pack replaces the function its servicer decodes properties with (pinned pulumi-policy 1.21.0),
# so that rules see secrets as rules.Secret and unknowns as rules.UNKNOWN; the engine tests fail
# if a new pulumi-policy decodes elsewhere.
if not callable(getattr(pulumi_policy.policy, "deserialize_properties", None)):
    raise RuntimeError("pulumi-policy changed how it decodes properties: see policy/__main__.py")
pulumi_policy.policy.deserialize_properties = lambda props, proxy_secrets=False: {
    key: rules.from_engine(value) for key, value in props.items()
}


def _plain(value: Any) -> Any:
    # pulumi-policy wraps the decoded dicts and lists in read-only views.
    if isinstance(value, Mapping):
        return {key: _plain(value[key]) for key in value}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(item) for item in value]
    return value


def _resource(resource: Any) -> rules.Resource:
    return rules.Resource(
        type=resource.resource_type,
        name=resource.name,
        props=_plain(resource.props),
        protect=bool(resource.opts.protect),
        urn=resource.urn,
    )


def _per_resource(
    name: str, description: str, rule: Callable[[rules.Resource], list[str]]
) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for message in rule(_resource(args)):
            report_violation(message, None)

    return ResourceValidationPolicy(name=name, description=description, validate=validate)


def _validate_single_writer(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = [_resource(resource) for resource in args.resources]
    for workload, message in rules.single_writer_violations(resources):
        report_violation(message, workload.urn)


PolicyPack(
    name="goship",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        _per_resource(
            "image-pinned-by-digest",
            "Containers run images pinned by digest (name@sha256:...), never a tag or latest.",
            rules.image_violations,
        ),
        StackValidationPolicy(
            name="single-writer-claim",
            description="A workload on a ReadWriteOnce claim runs one replica, replaced with "
            "the Recreate strategy.",
            validate=_validate_single_writer,
        ),
        _per_resource(
            "container-resources-set",
            "Every container sets CPU and memory requests and limits.",
            rules.resource_violations,
        ),
        _per_resource(
            "pods-run-as-non-root",
            "Pods run as non-root: runAsNonRoot on the pod or every container, never runAsUser 0.",
            rules.non_root_violations,
        ),
        _per_resource(
            "no-cluster-scoped-resources",
            "The stack creates nothing outside its namespace: no Namespace, no cluster-scoped "
            "object.",
            rules.cluster_scoped_violations,
        ),
        _per_resource(
            "claims-protected",
            "Every PersistentVolumeClaim is protected, so the engine never deletes its data.",
            rules.unprotected_claim_violations,
        ),
        _per_resource(
            "no-secret-env-values",
            "Secrets reach containers through a Kubernetes Secret, never as plain env values.",
            rules.secret_env_violations,
        ),
    ],
)
