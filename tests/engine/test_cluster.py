"""The whole local stack on the local control plane: admission, rollout, data that stays."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from pulumi import automation as auto

from support import change_app_source

APP = "app.kubernetes.io/name=goship-app"


def kubectl(*args: str, admin: bool = False) -> str:
    env = dict(os.environ)
    if admin:
        env["KUBECONFIG"] = os.environ["GOSHIP_ADMIN_KUBECONFIG"]
    return subprocess.run(
        ["kubectl", "-n", "ns-local", *args], env=env, check=True, capture_output=True, text=True
    ).stdout


def up(project, stack: auto.Stack) -> auto.UpResult:
    run = project.run()
    project.last_run = run
    return stack.up(**run.kwargs())


@pytest.fixture
def local_stack(project, cluster_env) -> auto.Stack:
    return project.stack("local")


def test_every_resource_is_admitted_and_the_rollout_completes(project, local_stack):
    result = up(project, local_stack)

    deployment = json.loads(kubectl("get", "deployment", "goship-app", "-o", "json"))
    assert deployment["status"]["readyReplicas"] == 1
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == (
        result.outputs["image_reference"].value
    )
    assert (
        json.loads(kubectl("get", "pvc", "goship-app-db", "-o", "json"))["status"]["phase"]
        == "Bound"
    )


def test_second_up_reports_no_changes(project, local_stack):
    up(project, local_stack)

    result = up(project, local_stack)

    assert set(result.summary.resource_changes) == {"same"}, project.last_run.text


def test_code_change_rolls_out_a_new_replicaset_without_two_pods_at_once(project, local_stack):
    up(project, local_stack)
    before = set(kubectl("get", "replicaset", "-l", APP, "-o", "name").split())
    most_pods, done = 0, threading.Event()

    def watch_pods():
        nonlocal most_pods
        while not done.is_set():
            pods = kubectl("get", "pods", "-l", APP, "-o", "name").split()
            most_pods = max(most_pods, len(pods))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch_pods)
    watcher.start()
    try:
        change_app_source(project.dir, str(uuid.uuid4()))
        up(project, local_stack)
    finally:
        done.set()
        watcher.join()

    after = set(kubectl("get", "replicaset", "-l", APP, "-o", "name").split())
    assert after - before, "no new ReplicaSet"
    assert most_pods == 1


def test_claim_and_its_data_outlive_destroy_and_are_reused(project, local_stack):
    up(project, local_stack)
    claim = json.loads(kubectl("get", "pvc", "goship-app-db", "-o", "json"))
    volume = json.loads(kubectl("get", "pv", claim["spec"]["volumeName"], "-o", "json", admin=True))
    marker = Path(volume["spec"]["hostPath"]["path"]) / f"marker-{uuid.uuid4().hex}"
    marker.write_text("written before destroy")

    local_stack.destroy(color="never", exclude_protected=True)
    kept = json.loads(kubectl("get", "pvc", "goship-app-db", "-o", "json"))
    up(project, local_stack)
    reused = json.loads(kubectl("get", "pvc", "goship-app-db", "-o", "json"))

    assert kept["metadata"]["uid"] == claim["metadata"]["uid"]
    assert reused["metadata"]["uid"] == claim["metadata"]["uid"]
    assert marker.read_text() == "written before destroy"


def test_plain_destroy_stops_at_the_protected_claims_and_deletes_nothing(project, local_stack):
    up(project, local_stack)
    claim = json.loads(kubectl("get", "pvc", "goship-app-db", "-o", "json"))
    run = project.run()

    with pytest.raises(auto.errors.CommandError):
        local_stack.destroy(**run.kwargs())

    assert "protected" in run.text
    assert json.loads(kubectl("get", "pvc", "goship-app-db", "-o", "json"))["metadata"]["uid"] == (
        claim["metadata"]["uid"]
    )


def test_backup_job_is_admitted_under_quota_beside_the_app_pod(project, local_stack):
    up(project, local_stack)
    job = f"backup-now-{uuid.uuid4().hex[:8]}"

    kubectl("create", "job", job, "--from=cronjob/goship-app-backup")
    try:
        pod = wait_for_pod(f"job-name={job}")
        app_pod = json.loads(kubectl("get", "pods", "-l", APP, "-o", "json"))["items"][0]
    finally:
        kubectl("delete", "job", job, "--wait=false")

    # A pod exists only if quota admission let it in; KWOK then runs it to completion.
    assert pod["spec"]["nodeName"] == app_pod["spec"]["nodeName"]
    assert pod["spec"]["containers"][0]["args"][:3] == ["backup", "-dir", "/backup"]
    assert pod["spec"]["containers"][0]["resources"]["limits"] == {"cpu": "100m", "memory": "64Mi"}


def wait_for_pod(selector: str, timeout: float = 60) -> dict:
    """The first pod matching `selector` once it has been scheduled and started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pods = json.loads(kubectl("get", "pods", "-l", selector, "-o", "json"))["items"]
        if pods and pods[0]["status"].get("phase") in ("Running", "Succeeded"):
            return pods[0]
        time.sleep(0.5)
    raise AssertionError(f"no started pod for {selector}: {kubectl('get', 'pods', '-o', 'wide')}")


@pytest.mark.parametrize(
    "config, sentence",
    [
        ({"cpuLimit": "1500m"}, "goship:cpuLimit is '1500m', but the namespace quota"),
        ({"replicas": "2"}, "goship:replicas is '2', but allowed are 0 or 1"),
    ],
)
def test_settings_that_break_the_namespace_are_refused_before_the_api_server(
    project, cluster_env, config, sentence
):
    stack = project.stack("local", config=config)
    run = project.run()

    with pytest.raises(auto.errors.CommandError):
        stack.up(**run.kwargs())

    assert sentence in run.text
    assert run.planned_types() == []
