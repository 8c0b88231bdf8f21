"""The release workflow: golden text, and its tag script run for real in bash."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from components import workflow
from support import ROOT, settings_for

GOLDEN = ROOT / "tests" / "golden" / "release.yml"


def render(**overrides) -> str:
    settings = settings_for("dev", **overrides)
    return workflow.render_release_workflow(
        settings.image.registry, settings.image.platforms, settings.github.workflow_context
    )


def image_tags(image_name: str, ref_name: str, tmp_path) -> list[str]:
    """Run the workflow's tag script as the runner would and return the tags it emits."""
    output = tmp_path / "github_output"
    output.write_text("")
    subprocess.run(
        ["bash", "-c", workflow.TAGS_SCRIPT],
        check=True,
        env={"IMAGE_NAME": image_name, "REF_NAME": ref_name, "GITHUB_OUTPUT": str(output)},
    )
    (line,) = output.read_text().splitlines()
    assert line.startswith("tags=")
    return line[len("tags=") :].split(",")


def test_workflow_matches_the_golden_file():
    assert render() == GOLDEN.read_text()


def test_workflow_runs_on_version_tags_only():
    triggers = yaml.safe_load(render())[True]  # YAML 1.1 reads the key `on` as True.

    assert triggers == {"push": {"tags": ["v*.*.*"]}}


def test_workflow_grants_only_read_access_to_contents():
    document = yaml.safe_load(render())

    assert document["permissions"] == {}
    assert document["jobs"]["image"]["permissions"] == {"contents": "read"}


def test_every_action_is_pinned_to_a_commit():
    uses = re.findall(r"uses: (\S+)", render())

    assert len(uses) == 4
    assert all(re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", use) for use in uses), uses


def test_workflow_builds_the_configured_platforms():
    steps = yaml.safe_load(render(platforms=["linux/arm64"]))["jobs"]["image"]["steps"]

    assert steps[-1]["with"]["platforms"] == "linux/arm64"


def test_registry_user_comes_from_the_variable_not_the_github_owner():
    text = render()

    assert "username: ${{ vars.DOCKERHUB_USERNAME }}" in text
    assert "repository_owner" not in text and "github.actor" not in text


def test_release_tag_pushes_version_minor_and_latest(tmp_path):
    assert image_tags("docker.io/alice/app", "v1.2.3", tmp_path) == [
        "docker.io/alice/app:1.2.3",
        "docker.io/alice/app:1.2",
        "docker.io/alice/app:latest",
    ]


def test_prerelease_tag_pushes_only_its_version(tmp_path):
    assert image_tags("docker.io/alice/app", "v1.3.0-rc.1", tmp_path) == [
        "docker.io/alice/app:1.3.0-rc.1"
    ]


def test_tag_script_lower_cases_the_image_name(tmp_path):
    assert image_tags("docker.io/Alice/App", "v1.0.0-rc.1", tmp_path) == [
        "docker.io/alice/app:1.0.0-rc.1"
    ]


@pytest.mark.parametrize("ref_name", ["v1.2", "1.2.3", "v1.2.3+build.5", "release"])
def test_tag_script_refuses_a_tag_that_is_not_a_version(ref_name, tmp_path):
    with pytest.raises(subprocess.CalledProcessError):
        image_tags("docker.io/alice/app", ref_name, tmp_path)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_workflow_pushes_the_same_name_and_tag_as_pulumi(stack, tmp_path):
    image = settings_for(stack).image

    tags = image_tags(image.name, f"v{image.tag}", tmp_path)

    assert tags[0] == image.tagged
