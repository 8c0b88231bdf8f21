"""What the app really uses in a container, measured with `docker run` on this machine.

Prints, one figure a line (`<name>: <value> (goal report)`: these figures size the limits,
they have no goal of their own):
  app_idle_memory_mib / app_idle_rss_mib: after startup and a few idle seconds, the
      container cgroup's anon + file pages (memory.stat), and the process's resident set
      (VmRSS), which also counts the mapped binary: the kernel charges those pages to the
      cgroup that first read them (here dockerd, at image load), not to the container;
  app_idle_cpu_millicores: cgroup CPU time over an idle window;
  app_loaded_*: while CLIENTS threads loop over a mix of POST and GET /api/records and
      GET /healthz with no pause: peak memory (the kernel's mark, memory.max_usage_in_bytes
      or memory.peak, or the sampled maximum), its anon part (sampled), the peak resident
      set (VmHWM), average CPU, request rate and p95 latency;
  app_*_at_cpu_<m>m: the same load, paced and unpaced, under `docker run --cpus`;
  app_*_at_memory_<n>m: the unpaced load under `docker run --memory`, with and without
      GOMEMLIMIT, and whether the kernel OOM-killed the app.
Latency is seen from the Python client on the same 2 cores, so it includes the client's own
overhead. Assumes `tools/services/up.sh`, `tools/base-images/build.sh` and
`tools/base-images/vendor.sh` have run (make bench does).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from components import settings as stack_settings  # noqa: E402
from components.cost import daily_cost  # noqa: E402

IMAGE = "goship-app:bench"
GO_IMAGE = "127.0.0.1:5000/goship/golang:1.26.8"
MIB = 1 << 20
CLIENTS = 4
IDLE_SETTLE_S = 5
IDLE_WINDOW_S = 10
LOAD_S = 25
LIMIT_LOAD_S = 15
# A paced rate well above what a dev stack sees, yet far below the unpaced rate: it shows
# latency under a CPU limit when the limit is not simply saturated.
PACED_RPS = 50
CPU_LIMITS = ("0.05", "0.1")
# The dev stack's traffic: a few people clicking through a shared test environment, and a
# burst well above it.
DEV_RATES = (5, 20)
# About 4 MiB of records: a dev database after a long while of test data.
DEV_RECORDS = 20000
# 8m and 12m sit either side of the anon peak (about 9 MiB here), to find where it breaks.
MEMORY_LIMITS_MIB = (8, 12, 32, 48, 64)
# GOMEMLIMIT is tried where the heap presses on the limit (8m) and where it does not (32m),
# set below the limit to leave the non-heap part (stacks, runtime, SQLite's pages) room.
GOMEMLIMIT_AT_MIB = (8, 32)
GOMEMLIMIT_FRACTION = 0.75


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run the docker CLI against DOCKER_HOST, output captured."""
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check)


def build_image() -> str:
    """Build the amd64 image into dockerd; BuildKit's cache makes a rerun take seconds."""
    docker(
        "buildx",
        "build",
        "--builder",
        "goship",
        "--platform",
        "linux/amd64",
        "--build-arg",
        f"GO_IMAGE={GO_IMAGE}",
        "--load",
        "-t",
        IMAGE,
        str(ROOT / "app"),
    )
    return IMAGE


def free_port() -> int:
    """A port nothing listens on now; the container shares the host's network."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cgroup:
    """The container's memory and CPU accounting, on cgroup v1 or v2."""

    def __init__(self, pid: int):
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
        paths = {}
        for line in lines:
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(",") if controllers else ["unified"]:
                paths[controller] = path
        # A hybrid host (v1 controllers plus an empty v2 tree) accounts in v1 only.
        self.v1 = "memory" in paths
        base = Path("/sys/fs/cgroup")
        if self.v1:
            self.memory_dir = base / "memory" / paths["memory"].lstrip("/")
            self.cpu_dir = base / "cpuacct" / paths["cpuacct"].lstrip("/")
        else:
            self.memory_dir = self.cpu_dir = base / paths["unified"].lstrip("/")

    def _stat(self, name: str, directory: Path | None = None) -> dict[str, int]:
        text = ((directory or self.memory_dir) / name).read_text()
        return {k: int(v) for k, v in (line.split()[:2] for line in text.splitlines())}

    def memory(self) -> tuple[int, int]:
        """Anon and file pages charged to the container; both count toward its limit, but
        the kernel can reclaim file pages (SQLite's database and WAL) before it OOM-kills."""
        stat = self._stat("memory.stat")
        if self.v1:
            return stat["total_rss"], stat["total_cache"]
        return stat["anon"], stat["file"]

    def peak(self) -> int | None:
        """The kernel's own high-water mark since the container started, if it keeps one."""
        name = "memory.max_usage_in_bytes" if self.v1 else "memory.peak"
        path = self.memory_dir / name
        return int(path.read_text()) if path.exists() else None

    def cpu_seconds(self) -> float:
        """CPU time the container has used since it started, user and system."""
        if self.v1:
            return int((self.cpu_dir / "cpuacct.usage").read_text()) / 1e9
        return self._stat("cpu.stat", self.cpu_dir)["usage_usec"] / 1e6


def process_rss(pid: int) -> tuple[int, int]:
    """Resident set now and at its highest, in bytes, including the mapped binary."""
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(status["VmRSS"].split()[0]) * 1024, int(status["VmHWM"].split()[0]) * 1024


@dataclass
class App:
    """One running container of the app and where to read its accounting."""

    name: str
    port: int
    pid: int
    cgroup: Cgroup

    def running(self) -> bool:
        """Whether the container is still up (false once the kernel killed the app)."""
        return docker("inspect", "-f", "{{.State.Running}}", self.name).stdout.strip() == "true"

    def oom_killed(self) -> bool:
        """Whether docker recorded an OOM kill for the container."""
        return docker("inspect", "-f", "{{.State.OOMKilled}}", self.name).stdout.strip() == "true"


def wait_healthy(port: int) -> None:
    """Return once GET /healthz answers 200; raise after 30 s."""
    deadline = time.monotonic() + 30
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"app on port {port} not healthy after 30 s")
        time.sleep(0.2)


@contextlib.contextmanager
def running_app(image: str, *run_args: str, volume: str | None = None) -> Iterator[App]:
    """The image on a named volume (a fresh one unless given); both are removed afterwards."""
    suffix = uuid.uuid4().hex[:8]
    name, port = f"goship-bench-{suffix}", free_port()
    owned = volume is None
    volume = volume or f"goship-bench-db-{suffix}"
    try:
        # A new named volume copies /app/db's owner (65532) from the image, so the
        # non-root app can write its database. No bridge network here: share the host's.
        docker(
            "run",
            "-d",
            "--name",
            name,
            "--network",
            "host",
            "--platform",
            "linux/amd64",
            "-e",
            f"PORT={port}",
            "-v",
            f"{volume}:/app/db",
            *run_args,
            image,
        )
        wait_healthy(port)
        pid = int(docker("inspect", "-f", "{{.State.Pid}}", name).stdout)
        yield App(name, port, pid, Cgroup(pid))
    finally:
        docker("rm", "-f", name, check=False)
        if owned:
            docker("volume", "rm", "-f", volume, check=False)


@dataclass
class LoadResult:
    """What one load run saw: successful latencies, failures, CPU and memory peaks."""

    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    cpu_millicores: float = 0.0
    peak_memory: int = 0
    peak_anon: int = 0
    peak_rss: int = 0

    @property
    def rate(self) -> float:
        """Successful requests per second."""
        return len(self.latencies_ms) / self.seconds

    @property
    def p95_ms(self) -> float:
        """95th percentile latency of the successful requests, in milliseconds."""
        ordered = sorted(self.latencies_ms)
        return ordered[int(0.95 * (len(ordered) - 1))] if ordered else float("nan")


def client(port: int, seed: int, until: float, interval: float, result: LoadResult) -> None:
    """One user: 30% writes, 55% list reads (what the UI does), 15% health probes."""
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    scheduled = time.monotonic()
    while True:
        if interval:
            # Paced: latency counts from when the request was due, so a throttled app's
            # backlog shows up in it instead of silently lowering the rate.
            scheduled += rng.expovariate(1 / interval)
            time.sleep(max(0.0, scheduled - time.monotonic()))
        started = scheduled if interval else time.monotonic()
        if started >= until:
            return
        pick = rng.random()
        try:
            if pick < 0.30:
                text = "".join(rng.choices("abcdefghij klmnopqrstuvwxyz", k=rng.randint(20, 200)))
                body = json.dumps({"text": text})
                headers = {"Content-Type": "application/json"}
                connection.request("POST", "/api/records", body, headers)
            elif pick < 0.85:
                connection.request("GET", "/api/records")
            else:
                connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            if response.status >= 400:
                raise OSError(f"HTTP {response.status}")
            result.latencies_ms.append((time.monotonic() - started) * 1000)
        except (OSError, http.client.HTTPException):
            result.errors += 1
            connection.close()
            # A dead app refuses at once; do not spin the shared CPU on reconnects.
            time.sleep(0.05)


def apply_load(app: App, seconds: float, rate: float | None = None) -> LoadResult:
    """Run CLIENTS users for `seconds`, sampling the container's memory as they go."""
    result = LoadResult(seconds)
    until = time.monotonic() + seconds
    interval = CLIENTS / rate if rate else 0.0
    # One record per user, merged at the end, so no two threads update the same counter.
    shares = [LoadResult(seconds) for _ in range(CLIENTS)]
    users = [
        threading.Thread(target=client, args=(app.port, seed, until, interval, share))
        for seed, share in enumerate(shares)
    ]
    cpu_before, started = app.cgroup.cpu_seconds(), time.monotonic()
    for user in users:
        user.start()
    # Sampled as well as read from the kernel's mark: cgroup v2 before 5.19 has no peak.
    while any(user.is_alive() for user in users):
        with contextlib.suppress(OSError, KeyError, ValueError):
            anon, file = app.cgroup.memory()
            result.peak_memory = max(result.peak_memory, anon + file)
            result.peak_anon = max(result.peak_anon, anon)
            result.peak_rss = max(result.peak_rss, process_rss(app.pid)[1])
        time.sleep(0.1)
    # Paced requests that fell behind finish after `until`: count the time they took too.
    result.seconds = time.monotonic() - started
    for share in shares:
        result.latencies_ms += share.latencies_ms
        result.errors += share.errors
    with contextlib.suppress(OSError, KeyError, ValueError):
        result.cpu_millicores = (app.cgroup.cpu_seconds() - cpu_before) / result.seconds * 1000
        result.peak_memory = max(result.peak_memory, app.cgroup.peak() or 0)
    return result


def report(name: str, value: object) -> None:
    """Print one figure in the bench format; none of these has a goal yet."""
    print(f"{name}: {value} (goal report)", flush=True)


def mib(size: int) -> str:
    """Bytes as MiB with one decimal."""
    return f"{size / MIB:.1f}"


def note(text: str) -> None:
    """A detail for the reader on stderr, kept out of the figures on stdout."""
    print(f"# {text}", file=sys.stderr, flush=True)


def measure_unlimited(image: str) -> None:
    """Idle and loaded figures with no limit, as the app would use if left alone."""
    with running_app(image) as app:
        time.sleep(IDLE_SETTLE_S)
        report("app_idle_memory_mib", mib(sum(app.cgroup.memory())))
        report("app_idle_rss_mib", mib(process_rss(app.pid)[0]))
        cpu_before = app.cgroup.cpu_seconds()
        time.sleep(IDLE_WINDOW_S)
        idle_cpu = (app.cgroup.cpu_seconds() - cpu_before) / IDLE_WINDOW_S * 1000
        report("app_idle_cpu_millicores", f"{idle_cpu:.1f}")

        load = apply_load(app, LOAD_S)
        report("app_loaded_peak_memory_mib", mib(load.peak_memory))
        report("app_loaded_peak_anon_mib", mib(load.peak_anon))
        report("app_loaded_peak_rss_mib", mib(load.peak_rss))
        report("app_loaded_cpu_millicores", f"{load.cpu_millicores:.0f}")
        report("app_loaded_requests_per_second", f"{load.rate:.0f}")
        report("app_loaded_p95_ms", f"{load.p95_ms:.1f}")
        # CPU per request lets a reader scale the figure to their own traffic.
        per_request = load.cpu_millicores / load.rate if load.rate else float("nan")
        report("app_cpu_ms_per_request", f"{per_request:.3f}")
        note(f"unlimited load: {len(load.latencies_ms)} requests, {load.errors} errors")


def measure_cpu_limits(image: str) -> None:
    """Latency and rate under each candidate CPU limit, paced and unpaced."""
    for cpus in CPU_LIMITS:
        millicores = round(float(cpus) * 1000)
        for label, rate in ((f"{PACED_RPS}rps", PACED_RPS), ("unpaced", None)):
            with running_app(image, "--cpus", cpus) as app:
                load = apply_load(app, LIMIT_LOAD_S, rate)
            suffix = f"{label}_at_cpu_{millicores}m"
            report(f"app_p95_ms_{suffix}", f"{load.p95_ms:.1f}")
            report(f"app_requests_per_second_{suffix}", f"{load.rate:.0f}")
            note(f"{suffix}: {load.errors} errors, {load.cpu_millicores:.0f} millicores used")


def measure_memory_limits(image: str) -> None:
    """OOM kills, peak memory and latency under each candidate memory limit."""
    runs = [(limit, None) for limit in MEMORY_LIMITS_MIB]
    runs += [(limit, int(limit * GOMEMLIMIT_FRACTION)) for limit in GOMEMLIMIT_AT_MIB]
    for limit, go_limit in runs:
        # Swap equal to memory means none: a pod has no swap either.
        args = ["--memory", f"{limit}m", "--memory-swap", f"{limit}m"]
        if go_limit:
            args += ["-e", f"GOMEMLIMIT={go_limit}MiB"]
        suffix = f"at_memory_{limit}m" + (f"_gomemlimit_{go_limit}mib" if go_limit else "")
        with running_app(image, *args) as app:
            load = apply_load(app, LIMIT_LOAD_S)
            killed, running = app.oom_killed(), app.running()
        report(f"app_oom_killed_{suffix}", "yes" if killed else "no")
        report(f"app_peak_memory_mib_{suffix}", mib(load.peak_memory))
        report(f"app_p95_ms_{suffix}", f"{load.p95_ms:.1f}")
        report(f"app_requests_per_second_{suffix}", f"{load.rate:.0f}")
        note(
            f"{suffix}: {load.errors} errors, anon peak {mib(load.peak_anon)} MiB, "
            f"{'still running' if running else 'exited'}"
        )


def dev_settings() -> stack_settings.Settings:
    """The dev stack's settings as the engine would pass them; secrets are placeholders."""
    schema = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    raw = {key: spec["default"] for key, spec in schema.items() if "default" in spec}
    stack = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    secrets = set()
    for full_key, value in stack.items():
        key = full_key.split(":", 1)[1]
        if isinstance(value, dict):
            value = f"placeholder-{key}"
            secrets.add(key)
        raw[key] = value
    as_strings = {
        key: (
            json.dumps(value)
            if isinstance(value, list)
            else str(value).lower() if isinstance(value, bool) else str(value)
        )
        for key, value in raw.items()
    }
    return stack_settings.parse(as_strings, secrets)


def measure_dev_stack(image: str) -> None:
    """The dev stack's own limits: its cost, start-up, latency at dev traffic, and a backup
    of a database with DEV_RECORDS records taken under the same limits while the app serves."""
    settings = dev_settings()
    cost = daily_cost(settings.footprint(), settings.prices)
    print(f"dev_daily_cost_cny: {cost.total} (goal <= 0.08)", flush=True)
    app = settings.web_app
    limits = [
        "--cpus",
        str(app.cpu_limit.value),
        "--memory",
        f"{int(app.memory_limit.value)}b",
        "--memory-swap",
        f"{int(app.memory_limit.value)}b",
    ]
    volume = f"goship-bench-dev-{uuid.uuid4().hex[:8]}"
    docker("volume", "create", volume)
    try:
        with running_app(image, volume=volume) as seeding:
            seed_records(seeding.port, DEV_RECORDS)
        started = time.monotonic()
        with running_app(image, *limits, volume=volume) as dev:
            report("dev_start_to_healthy_s", f"{time.monotonic() - started:.1f}")
            for rate in DEV_RATES:
                load = apply_load(dev, LIMIT_LOAD_S, rate)
                report(f"dev_p95_ms_at_{rate}rps", f"{load.p95_ms:.1f}")
                note(f"dev {rate} req/s: {load.errors} errors, {mib(load.peak_memory)} MiB peak")
            backing_up = threading.Thread(target=apply_load, args=(dev, LIMIT_LOAD_S, 2))
            backing_up.start()
            copy = run_backup(image, limits, volume)
            backing_up.join()
            report("dev_backup_seconds", f"{copy.seconds:.1f}")
            report("dev_backup_oom_killed", "yes" if copy.oom_killed else "no")
            report("dev_backup_mib", mib(copy.size))
            report("dev_app_oom_killed", "yes" if dev.oom_killed() else "no")
    finally:
        docker("volume", "rm", "-f", volume, check=False)


def seed_records(port: int, count: int) -> None:
    """POST `count` records of about 200 characters, four clients at a time."""

    def post(share: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        body = json.dumps({"text": "x" * 200})
        for _ in range(share):
            connection.request("POST", "/api/records", body, {"Content-Type": "application/json"})
            connection.getresponse().read()

    posters = [threading.Thread(target=post, args=(count // CLIENTS,)) for _ in range(CLIENTS)]
    for poster in posters:
        poster.start()
    for poster in posters:
        poster.join()


@dataclass
class BackupRun:
    """One `goship-app backup` container run beside the app."""

    seconds: float
    oom_killed: bool
    size: int


def run_backup(image: str, limits: list[str], volume: str) -> BackupRun:
    """Run the backup subcommand with the app's limits on the live volume, as the CronJob does."""
    suffix = uuid.uuid4().hex[:8]
    name, backups = f"goship-bench-backup-{suffix}", f"goship-bench-bk-{suffix}"
    # The image has no /backup to copy an owner from; on Kubernetes fsGroup makes the claim
    # writable, here root hands the new volume to the app's user.
    docker("volume", "create", backups)
    where = Path(docker("volume", "inspect", "-f", "{{.Mountpoint}}", backups).stdout.strip())
    os.chown(where, 65532, 65532)
    started = time.monotonic()
    try:
        docker(
            *("run", "--name", name, "--network", "none", "--platform", "linux/amd64", *limits),
            *("-v", f"{volume}:/app/db", "-v", f"{backups}:/backup"),
            *(image, "backup", "-dir", "/backup", "-keep", "3"),
        )
        seconds = time.monotonic() - started
        killed = docker("inspect", "-f", "{{.State.OOMKilled}}", name).stdout.strip() == "true"
        # Root reads the volume on the host, so the image needs no shell to list it.
        size = sum(copy.stat().st_size for copy in where.glob("goship-*.db"))
        return BackupRun(seconds, killed, size)
    finally:
        docker("rm", "-f", name, check=False)
        docker("volume", "rm", "-f", backups, check=False)


def main() -> None:
    """Build the image, then measure it unlimited, under CPU limits and memory limits."""
    note(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    image = build_image()
    measure_unlimited(image)
    measure_cpu_limits(image)
    measure_memory_limits(image)
    measure_dev_stack(image)
    note(f"load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")


if __name__ == "__main__":
    main()
