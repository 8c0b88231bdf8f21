"""Fixtures for tests that drive the real Pulumi engine through the Automation API."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from support import ROOT

# What a copy of the project needs to run; the copy keeps tests from rewriting stack files.
PROJECT_FILES = ("Pulumi.yaml", "__main__.py", "components", "app")
# The image half of the local stack: what can be updated before the cluster exists.
IMAGE_URNS = [
    "urn:pulumi:local::goship::goship:index:ContainerImage::app",
    "urn:pulumi:local::goship::goship:index:ContainerImage$docker-build:index:Image::app-image",
]
PASSPHRASES = {"local": "goship-local", "dev": "goship-example", "prod": "goship-example"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "/tests/engine/" in str(item.fspath):
            item.add_marker(pytest.mark.engine)


def exports(script: str) -> dict[str, str]:
    """Run a shell script that exports variables; apply and return what it changed."""
    listing = subprocess.run(
        ["bash", "-c", f"{script} && env -0"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    env = dict(item.split("=", 1) for item in listing.split("\0") if "=" in item)
    changed = {k: v for k, v in env.items() if os.environ.get(k) != v}
    # The Automation API finds `pulumi` and the docker CLI on this process's PATH.
    os.environ.update(changed)
    return changed


@pytest.fixture(scope="session")
def toolchain_env() -> dict[str, str]:
    """The environment `tools/toolchain.sh env` sets up: pulumi on PATH, plugins installed."""
    return exports(f'eval "$({ROOT}/tools/toolchain.sh env {ROOT}/.venv/bin/python)"')


@dataclass
class Run:
    """What the engine printed during one operation."""

    lines: list[str] = field(default_factory=list)
    events: list[auto.EngineEvent] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def planned_types(self) -> list[str]:
        """Types of the resources the engine stepped through, providers excluded."""
        return sorted(
            e.resource_pre_event.metadata.type
            for e in self.events
            if e.resource_pre_event is not None
            and not e.resource_pre_event.metadata.type.startswith("pulumi:providers:")
            and e.resource_pre_event.metadata.type != "pulumi:pulumi:Stack"
        )

    def kwargs(self) -> dict[str, Any]:
        return {"on_output": self.lines.append, "on_event": self.events.append, "color": "never"}


class Project:
    """A copy of goship in a temporary folder with its own file:// backend."""

    def __init__(self, root: Path, toolchain_env: dict[str, str]):
        self.dir = root / "project"
        self.dir.mkdir()
        for name in PROJECT_FILES:
            source = ROOT / name
            if source.is_dir():
                # Hard links: app/vendor is large, and tests that edit a file replace it whole.
                shutil.copytree(
                    source,
                    self.dir / name,
                    copy_function=os.link,
                    ignore=shutil.ignore_patterns("__pycache__"),
                )
            else:
                shutil.copy2(source, self.dir / name)
        (self.dir / ".venv").symlink_to(ROOT / ".venv")
        self.backend = root / "state"
        self.backend.mkdir()
        self.env = {**toolchain_env, "PULUMI_BACKEND_URL": f"file://{self.backend}"}

    @staticmethod
    def run() -> Run:
        """A fresh record for one engine operation's output and events."""
        return Run()

    def stack(
        self, name: str, config: dict[str, str] | None = None, secrets: dict[str, str] | None = None
    ) -> auto.Stack:
        """Create stack `name` from its committed stack file, with config overrides."""
        shutil.copy2(ROOT / f"Pulumi.{name}.yaml", self.dir / f"Pulumi.{name}.yaml")
        workspace = auto.LocalWorkspace(
            work_dir=str(self.dir),
            env_vars={**self.env, "PULUMI_CONFIG_PASSPHRASE": PASSPHRASES[name]},
        )
        stack = auto.Stack.create(name, workspace)
        for key, value in (config or {}).items():
            stack.set_config(f"goship:{key}", auto.ConfigValue(value))
        for key, value in (secrets or {}).items():
            stack.set_config(f"goship:{key}", auto.ConfigValue(value, secret=True))
        return stack


@pytest.fixture
def project(tmp_path, toolchain_env) -> Project:
    """A fresh project copy with an empty backend."""
    return Project(tmp_path, toolchain_env)


@pytest.fixture
def github_api():
    """A GitHub REST API stand-in holding the dev and prod stacks' repository."""
    from github_api import GitHubStandIn

    with GitHubStandIn(
        owner="goship-dev", token="example-github-token", repos=["goship-app"]
    ) as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def services_env() -> dict[str, str]:
    """The local registry and BuildKit builder, started if needed, with the builder image."""
    return exports(
        f'eval "$({ROOT}/tools/services/up.sh)" && {ROOT}/tools/base-images/build.sh >&2 '
        f"&& {ROOT}/tools/base-images/vendor.sh >&2"
    )


@pytest.fixture(scope="module")
def shipped_image(tmp_path_factory, toolchain_env, services_env) -> str:
    """The local stack's image, built and pushed once per module: its digest reference."""
    project = Project(tmp_path_factory.mktemp("shipped"), toolchain_env)
    stack = project.stack("local")
    result = stack.up(target=IMAGE_URNS, color="never")
    return result.outputs["image_reference"].value


@pytest.fixture(scope="session")
def cluster_env(services_env) -> dict[str, str]:
    """The local control plane with ns-local prepared like a Sealos namespace."""
    return exports(f'eval "$({ROOT}/tools/cluster/up.sh)"')
