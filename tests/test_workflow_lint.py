"""Workflows pass actionlint and zizmor, and goship's own workflows follow the stack files."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from components import workflow
from support import ROOT, settings_for

OWN_WORKFLOWS = ROOT / ".github" / "workflows"


@pytest.fixture
def linted_repo(tmp_path) -> Path:
    """A git repository holding the rendered app workflow and goship's own workflows."""
    workflows = tmp_path / ".github" / "workflows"
    shutil.copytree(OWN_WORKFLOWS, workflows)
    image = settings_for("dev").image
    rendered = workflow.render_release_workflow(image.registry, image.platforms, ".")
    (workflows / "app-release.yml").write_text(rendered)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return tmp_path


def lint(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True)


def test_workflows_pass_actionlint(linted_repo):
    result = lint([str(ROOT / "tools" / "actionlint.sh"), "-no-color", "-oneline"], linted_repo)

    assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_pass_zizmor_with_no_findings(linted_repo):
    zizmor = ROOT / ".venv" / "bin" / "zizmor"
    result = lint([str(zizmor), "--offline", "--no-progress", ".github/workflows"], linted_repo)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_preview_workflow_lists_exactly_the_stack_files():
    steps = yaml.safe_load((OWN_WORKFLOWS / "preview.yml").read_text())["jobs"]["stacks"]["steps"]
    script = next(step["run"] for step in steps if step.get("id") == "list")
    output = ROOT / ".pytest-github-output"
    try:
        subprocess.run(
            ["bash", "-c", script],
            cwd=ROOT,
            check=True,
            env={"GITHUB_OUTPUT": str(output), "PATH": "/usr/bin:/bin"},
        )
        listed = output.read_text().strip()
    finally:
        output.unlink(missing_ok=True)

    stacks = sorted(
        path.name[len("Pulumi.") : -len(".yaml")] for path in ROOT.glob("Pulumi.*.yaml")
    )
    assert listed == "stacks=[" + ",".join(f'"{s}"' for s in stacks) + "]"


def test_deploy_workflow_deploys_only_stacks_that_have_stack_files():
    text = (OWN_WORKFLOWS / "deploy.yml").read_text()
    stack_name = re.search(r"stack-name: \$\{\{ (.*) \}\}", text).group(1)

    # The expression reads `event == 'release' && 'prod' || 'dev'`: the stacks follow && and ||.
    deployed = set(re.findall(r"(?:&&|\|\|) '(\w+)'", stack_name))
    assert deployed == {"dev", "prod"}
    assert all((ROOT / f"Pulumi.{stack}.yaml").is_file() for stack in deployed)


def test_workflows_pin_the_pulumi_cli_that_requirements_pin():
    pinned = re.search(r"^pulumi==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M)
    for name in ("preview.yml", "deploy.yml"):
        versions = re.findall(r"pulumi-version: (\S+)", (OWN_WORKFLOWS / name).read_text())
        assert versions == [pinned.group(1)], name
