"""The real Pulumi engine runs the program: previews, validation and secrets."""

from __future__ import annotations

import json

import pytest
from pulumi import automation as auto

from components.cost import daily_cost
from support import expected_types, settings_for

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


def test_preview_prints_the_daily_cost_of_the_model(project, github_api):
    stack = project.stack("dev", config={**NO_SERVICES, "githubApiUrl": github_api.base_url})
    run = project.run()

    stack.preview(**run.kwargs())

    settings = settings_for("dev")
    assert daily_cost(settings.footprint(), settings.prices).summary() in run.text


def test_secret_values_never_appear_in_plain_text(project):
    secrets = {
        "registryPassword": "registry-password-7f3a9c",
        "backupS3SecretAccessKey": "s3-secret-key-5d1e8b",
    }
    s3 = {
        "backupS3Bucket": "goship-backups",
        "backupS3Endpoint": "https://s3.example.com",
        "backupS3AccessKeyId": "AKIAEXAMPLE",
    }
    stack = project.stack("local", config={**NO_SERVICES, **s3}, secrets=secrets)
    run = project.run()

    stack.preview(**run.kwargs())

    exported = json.dumps(stack.export_stack().deployment)
    config_file = (project.dir / "Pulumi.local.yaml").read_text()
    for value in secrets.values():
        assert value not in run.text
        assert value not in exported
        assert value not in config_file
