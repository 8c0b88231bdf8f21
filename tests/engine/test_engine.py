"""The real Pulumi engine runs the program: previews, validation and secrets."""

from __future__ import annotations

import json

import pytest
from pulumi import automation as auto

from support import expected_types

# Until the local registry, builder and cluster run, previews must not need them.
NO_SERVICES = {"buildOnPreview": "false"}


@pytest.mark.parametrize("stack", ["dev", "prod", "local"])
def test_preview_lists_the_resources_the_unit_tests_expect(project, github_api, stack):
    config = dict(NO_SERVICES)
    if stack != "local":
        config["githubApiUrl"] = github_api.base_url
    run = project.run()

    project.stack(stack, config=config).preview(**run.kwargs())

    assert run.planned_types() == expected_types(stack), run.text
    assert github_api.unknown == []


def test_bad_value_fails_with_the_unit_test_sentence_and_registers_nothing(project):
    stack = project.stack("local", config={**NO_SERVICES, "imageRepository": "Goship/App"})
    run = project.run()

    with pytest.raises(auto.errors.CommandError):
        stack.preview(**run.kwargs())

    assert "goship:imageRepository is 'Goship/App', but allowed is `<namespace>/<name>`" in (
        run.text
    )
    assert "Traceback" not in run.text
    assert run.planned_types() == []


def test_secret_values_never_appear_in_plain_text(project):
    password = "registry-password-7f3a9c"
    stack = project.stack("local", config=NO_SERVICES, secrets={"registryPassword": password})
    run = project.run()

    stack.preview(**run.kwargs())

    exported = json.dumps(stack.export_stack().deployment)
    config_file = (project.dir / "Pulumi.local.yaml").read_text()
    assert password not in run.text
    assert password not in exported
    assert password not in config_file
