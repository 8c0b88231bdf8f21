"""The image half of the local stack through the real docker-build provider and registry."""

from __future__ import annotations

import base64
import gzip
import io
import json
import shutil
import subprocess
import tarfile
import urllib.request

import pytest
from pulumi import automation as auto

from conftest import IMAGE_URNS
from support import ROOT, change_app_source

REGISTRY = "http://127.0.0.1:5000"
REPOSITORY = "goship/goship-app"
CREDENTIALS = base64.b64encode(b"goship:goship-local").decode()
INDEX_TYPES = "application/vnd.oci.image.index.v1+json,application/vnd.oci.image.manifest.v1+json"
# ELF e_machine values: what the kernel checks before it runs a binary.
ELF_MACHINES = {"amd64": 0x3E, "arm64": 0xB7}


def registry_get(path: str, accept: str = INDEX_TYPES) -> tuple[bytes, dict]:
    request = urllib.request.Request(
        f"{REGISTRY}/v2/{REPOSITORY}/{path}",
        headers={"Authorization": f"Basic {CREDENTIALS}", "Accept": accept},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read(), dict(response.headers)


def up_image(project, stack: auto.Stack) -> auto.UpResult:
    run = project.run()
    project.last_run = run
    return stack.up(target=IMAGE_URNS, **run.kwargs())


@pytest.fixture
def local_stack(project, services_env) -> auto.Stack:
    return project.stack("local")


def test_registry_holds_an_index_of_exactly_amd64_and_arm64_at_the_exported_digest(
    project, local_stack
):
    result = up_image(project, local_stack)

    body, headers = registry_get("manifests/0.1.0")
    index = json.loads(body)
    platforms = sorted(
        f"{m['platform']['os']}/{m['platform']['architecture']}" for m in index["manifests"]
    )
    assert platforms == ["linux/amd64", "linux/arm64"]
    assert result.outputs["image_digest"].value == headers["Docker-Content-Digest"]
    assert result.outputs["image_reference"].value == (
        f"127.0.0.1:5000/{REPOSITORY}@{headers['Docker-Content-Digest']}"
    )


def test_each_platform_binary_is_built_for_that_architecture(project, local_stack):
    up_image(project, local_stack)

    index = json.loads(registry_get("manifests/0.1.0")[0])
    machines = {}
    for entry in index["manifests"]:
        manifest = json.loads(registry_get(f"manifests/{entry['digest']}", entry["mediaType"])[0])
        for layer in manifest["layers"]:
            blob = gzip.decompress(registry_get(f"blobs/{layer['digest']}", "*/*")[0])
            with tarfile.open(fileobj=io.BytesIO(blob)) as archive:
                if "app/goship-app" in archive.getnames():
                    header = archive.extractfile("app/goship-app").read(20)
                    machines[entry["platform"]["architecture"]] = int.from_bytes(
                        header[18:20], "little"
                    )
    assert machines == ELF_MACHINES


def test_second_up_reports_no_changes(project, local_stack):
    up_image(project, local_stack)

    result = up_image(project, local_stack)

    assert set(result.summary.resource_changes) == {"same"}, project.last_run.text


def test_code_change_gives_a_new_digest_that_the_reference_follows(project, local_stack):
    before = up_image(project, local_stack).outputs["image_digest"].value
    change_app_source(project.dir, "changed by a test")

    after = up_image(project, local_stack).outputs

    assert after["image_digest"].value != before
    assert after["image_reference"].value.endswith(after["image_digest"].value)


def test_wrong_registry_credentials_fail_the_update_clearly(project, services_env):
    stack = project.stack("local", secrets={"registryPassword": "not-the-password"})

    with pytest.raises(auto.errors.CommandError):
        up_image(project, stack)

    assert "401 Unauthorized" in project.last_run.text


def test_mode_changes_and_ignored_files_rebuild_nothing(project, local_stack):
    # A real copy, not hard links: changing modes must not touch the checkout.
    shutil.rmtree(project.dir / "app")
    shutil.copytree(ROOT / "app", project.dir / "app")
    up_image(project, local_stack)

    subprocess.run(["chmod", "-R", "g+w", str(project.dir / "app")], check=True)
    (project.dir / "app" / "db").mkdir(exist_ok=True)
    (project.dir / "app" / "db" / "goship.db").write_bytes(b"local data")
    (project.dir / "app" / ".env").write_text("SECRET=x\n")
    (project.dir / "app" / "NOTES.md").write_text("scratch\n")
    result = up_image(project, local_stack)

    assert set(result.summary.resource_changes) == {"same"}, project.last_run.text


def test_stopped_registry_fails_the_update_and_keeps_the_reference(project, local_stack):
    before = up_image(project, local_stack).outputs["image_reference"].value
    change_app_source(project.dir, "changed while the registry is down")

    subprocess.run([str(ROOT / "tools" / "services" / "registry.sh"), "stop"], check=True)
    try:
        with pytest.raises(auto.errors.CommandError):
            up_image(project, local_stack)
    finally:
        subprocess.run([str(ROOT / "tools" / "services" / "registry.sh"), "start"], check=True)

    assert "connection refused" in project.last_run.text
    assert local_stack.outputs()["image_reference"].value == before


def test_same_sources_from_an_empty_cache_give_the_same_index_digest(
    project, tmp_path_factory, toolchain_env, services_env
):
    from conftest import Project

    digests = []
    for repository in ("goship/repro-a", "goship/repro-b"):
        subprocess.run(
            ["docker", "buildx", "prune", "--builder", "goship", "-af"],
            check=True,
            capture_output=True,
        )
        fresh = Project(tmp_path_factory.mktemp(repository.split("/")[1]), toolchain_env)
        stack = fresh.stack("local", config={"buildCache": "false", "imageRepository": repository})
        digests.append(up_image(fresh, stack).outputs["image_digest"].value)

    assert digests[0] == digests[1]
