"""The amd64 image the local stack pushed, run with `docker run` as a user would."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import tarfile
import time
import urllib.request
import uuid

import pytest

from support import ROOT

CHAIN = ROOT / "tests" / "data" / "www.google.com.chain.pem"
CHAIN_VALID_AT = "2023-02-28T20:24:52Z"  # inside the chain's validity; see tests/data/README


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http(port: int, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, json.loads(response.read())


def run_app(image: str, name: str, port: int, volume: str, *options: str) -> None:
    """Start the app detached as `name`, serving on `port` with `volume` on /app/db."""
    # This sandbox's dockerd has no bridge network: the container shares the host's, on a
    # port of its own.
    docker(
        *("run", "-d", "--name", name, "--network", "host", "--platform", "linux/amd64"),
        *("-e", f"PORT={port}", "-v", f"{volume}:/app/db", *options, image),
    )


def wait_healthy(port: int) -> int:
    deadline = time.monotonic() + 30
    while True:
        try:
            return http(port, "/healthz")[0]
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture
def app(shipped_image):
    """The amd64 image running with a named volume on /app/db and TZ=Asia/Shanghai."""
    name, volume, port = (
        f"goship-{uuid.uuid4().hex[:8]}",
        f"goship-db-{uuid.uuid4().hex[:8]}",
        free_port(),
    )
    run_app(shipped_image, name, port, volume, "-e", "TZ=Asia/Shanghai")
    try:
        yield {"name": name, "port": port}
    finally:
        docker("rm", "-f", name, check=False)
        docker("volume", "rm", "-f", volume, check=False)


def test_health_endpoint_answers_200(app):
    assert wait_healthy(app["port"]) == 200


def test_records_survive_a_container_restart(app):
    wait_healthy(app["port"])
    http(app["port"], "/api/records", {"text": "kept across restarts"})

    docker("restart", app["name"])
    wait_healthy(app["port"])

    _, records = http(app["port"], "/api/records")
    texts = [r["text"] for r in (records["records"] if isinstance(records, dict) else records)]
    assert "kept across restarts" in texts


def test_process_runs_as_the_non_root_user(app):
    wait_healthy(app["port"])
    pid = docker("inspect", "-f", "{{.State.Pid}}", app["name"]).stdout.strip()

    status = open(f"/proc/{pid}/status").read()
    uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
    assert uid_line.split()[1:] == ["65532"] * 4


def test_app_reports_shanghai_time(app):
    wait_healthy(app["port"])

    _, now = http(app["port"], "/api/time")

    assert now["offset_seconds"] == 8 * 3600
    assert now["time"].endswith("+08:00")


def test_compiled_in_roots_verify_a_public_chain_without_any_ca_file(shipped_image):
    result = docker(
        "run",
        "--rm",
        "--network",
        "none",
        "--platform",
        "linux/amd64",
        "-v",
        f"{CHAIN}:/chain.pem:ro",
        shipped_image,
        "verify-chain",
        "-chain",
        "/chain.pem",
        "-at",
        CHAIN_VALID_AT,
        "-host",
        "www.google.com",
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "ok"


def test_the_image_holds_no_ca_file_to_fall_back_on(shipped_image):
    created = docker("create", "--platform", "linux/amd64", shipped_image).stdout.strip()
    try:
        exported = subprocess.run(["docker", "export", created], capture_output=True, check=True)
    finally:
        docker("rm", created, check=False)

    with tarfile.open(fileobj=io.BytesIO(exported.stdout)) as archive:
        names = archive.getnames()
    assert "app/goship-app" in names
    assert [n for n in names if "ssl" in n or "cert" in n or n.endswith(".pem")] == []
