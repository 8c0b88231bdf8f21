"""Shared test support: stack config as the engine passes it, and recording mocks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pulumi
import yaml

from components import settings as stack_settings

ROOT = Path(__file__).resolve().parent.parent

DIGEST = "sha256:" + "ab" * 32
RELEASE_DIGEST = "sha256:" + "cd" * 32


def secret(value: Any) -> dict:
    """How a secret input reaches the mocks: wrapped with Pulumi's secret signature."""
    return {
        pulumi.runtime.rpc._special_sig_key: pulumi.runtime.rpc._special_secret_sig,
        "value": value,
    }


def project_defaults() -> dict[str, str]:
    """The defaults of Pulumi.yaml's config schema, as the engine passes them (strings)."""
    schema = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    return {
        key: _engine_string(spec["default"]) for key, spec in schema.items() if "default" in spec
    }


def _engine_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def stack_config(stack: str, **overrides: Any) -> tuple[dict[str, str], set[str]]:
    """Raw config of a stack file merged over the defaults; secure values become placeholders.

    Keyword overrides replace values (None removes a key); keys ending in `_secret` are
    set as secrets, e.g. `appSecrets_secret='{"A": "b"}'`.
    """
    raw = project_defaults()
    secrets: set[str] = set()
    stack_file = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    for full_key, value in stack_file["config"].items():
        key = full_key.split(":", 1)[1]
        if isinstance(value, dict) and "secure" in value:
            raw[key] = f"test-{key}"
            secrets.add(key)
        else:
            raw[key] = _engine_string(value)

    for key, value in overrides.items():
        if key.endswith("_secret"):
            key = key[: -len("_secret")]
            secrets.add(key)
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = _engine_string(value)
    return raw, secrets


def settings_for(stack: str, **overrides: Any) -> stack_settings.Settings:
    """Validated Settings of a stack with overrides."""
    raw, secrets = stack_config(stack, **overrides)
    return stack_settings.parse(raw, secrets)


@dataclass
class Registered:
    """One resource registration the mocks saw."""

    typ: str
    name: str
    inputs: dict
    provider: str | None

    @property
    def label(self) -> str:
        return f"{self.typ}::{self.name}"


class RecordingMocks(pulumi.runtime.Mocks):
    """Records every registration and answers like the providers would, with fixed values."""

    def __init__(self) -> None:
        self.registered: list[Registered] = []
        self.calls: list[pulumi.runtime.MockCallArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.registered.append(Registered(args.typ, args.name, dict(args.inputs), args.provider))
        outputs = dict(args.inputs)
        if args.typ == "docker-build:index:Image":
            outputs["digest"] = DIGEST
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        self.calls.append(args)
        if args.token == "docker:index/getRegistryImage:getRegistryImage":
            return {"name": args.args["name"], "sha256Digest": RELEASE_DIGEST}
        return {}

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.registered if r.typ == typ]

    def one(self, typ: str) -> Registered:
        found = self.of_type(typ)
        assert len(found) == 1, f"expected one {typ}, registered: {[r.label for r in found]}"
        return found[0]


def run(program: Callable[[], Any]) -> None:
    """Run a Pulumi program under the current mocks and wait for every registration."""
    pulumi.runtime.test(program)()


def expected_types(stack: str, **overrides: Any) -> list[str]:
    """The resource types a stack declares, providers excluded: what both the mocks and the
    real engine must see."""
    settings = settings_for(stack, **overrides)
    types = [
        "goship:index:ContainerImage",
        "docker-build:index:Image",
        "goship:index:WebApp",
        "kubernetes:core/v1:PersistentVolumeClaim",
        "kubernetes:apps/v1:Deployment",
        "kubernetes:core/v1:Service",
    ]
    if settings.web_app.ingress_host:
        types.append("kubernetes:networking.k8s.io/v1:Ingress")
    if settings.web_app.secret_env:
        types.append("kubernetes:core/v1:Secret")
    if settings.backup:
        types += [
            "goship:index:BackupSchedule",
            "kubernetes:core/v1:PersistentVolumeClaim",
            "kubernetes:batch/v1:CronJob",
        ]
        if settings.backup.s3:
            types.append("kubernetes:core/v1:Secret")
    if settings.github:
        types += [
            "goship:index:GitHubPipeline",
            "github:index/actionsSecret:ActionsSecret",
            "github:index/actionsVariable:ActionsVariable",
            "github:index/actionsVariable:ActionsVariable",
            "github:index/repositoryFile:RepositoryFile",
        ]
    return sorted(types)


_PIPELINE = "goship:index:GitHubPipeline"
# The GitHub part of a stack, as URN suffixes: what can be updated without builder or cluster.
GITHUB_RESOURCES = (
    f"{_PIPELINE}::release",
    f"{_PIPELINE}$pulumi:providers:github::release-github",
    f"{_PIPELINE}$github:index/actionsSecret:ActionsSecret::release-registry-token",
    f"{_PIPELINE}$github:index/actionsVariable:ActionsVariable::release-registry-user",
    f"{_PIPELINE}$github:index/actionsVariable:ActionsVariable::release-image-name",
    f"{_PIPELINE}$github:index/repositoryFile:RepositoryFile::release-workflow",
)


def change_app_source(project_dir: Path, note: str) -> None:
    """Change the app's embedded page in a project copy, as a code change would."""
    page = project_dir / "app" / "static" / "index.html"
    replace_file(page, page.read_text() + f"\n<!-- {note} -->\n")


def replace_file(path: Path, text: str) -> None:
    """Write `text` to a new file at `path`: project copies hard-link the checkout's files,
    and writing through the link would change the checkout."""
    path.unlink()
    path.write_text(text)
