"""Backups and restores of the pushed amd64 image, run with `docker run` the way the backup
CronJob and the restore procedure run it: the database volume on /app/db, backups on /backup."""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from test_container import docker, free_port, http, run_app, wait_healthy

APP_UID = 65532  # the image's USER, which must be able to write the backup folder
# What every run holds locked in the backup folder, so that two runs never prune each other.
LOCK = ".goship-backup.lock"
BUCKET = "goship-backups"


def run_image(image: str, *args: str, volumes: dict[str, str], env: dict[str, str] | None = None):
    """Run one command of the image to completion, as a Job's pod would."""
    options = [f"-v={source}:{target}" for source, target in volumes.items()]
    options += [f"-e={key}={value}" for key, value in (env or {}).items()]
    # Host network: this dockerd has no bridge, and the S3 stand-in listens on 127.0.0.1.
    return subprocess.run(
        ["docker", "run", "--rm", "--network", "host", "--platform", "linux/amd64"]
        + options
        + [image, *args],
        capture_output=True,
        text=True,
        timeout=180,
    )


def backup_folder(path: Path) -> Path:
    """An empty folder the app's user owns, as a fresh backup claim would be."""
    path.mkdir()
    os.chown(path, APP_UID, APP_UID)
    return path


def database_rows(path: Path) -> tuple[str, list[tuple[int, str]]]:
    """The integrity check result and the (id, text) rows of a database file, read-only."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
        rows = db.execute("SELECT id, text FROM records ORDER BY id").fetchall()
    db.close()
    return check, rows


def volume_files(image: str, volume: str) -> list[str]:
    """The names in a volume's top folder, read through a container that never starts."""
    created = docker(
        "create", "--platform", "linux/amd64", "-v", f"{volume}:/app/db", image
    ).stdout.strip()
    try:
        copied = subprocess.run(
            ["docker", "cp", f"{created}:/app/db", "-"], capture_output=True, check=True
        )
    finally:
        docker("rm", created, check=False)
    with tarfile.open(fileobj=io.BytesIO(copied.stdout)) as archive:
        return sorted(Path(name).name for name in archive.getnames() if "/" in name)


class Volumes:
    """Named volumes for one module, removed at its end."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def new(self) -> str:
        # Docker fills a new named volume from the image's /app/db, owned by the app's
        # user, on its first mount: like a fresh claim the app can write.
        name = f"goship-db-{uuid.uuid4().hex[:8]}"
        self.names.append(name)
        return name


@pytest.fixture(scope="module")
def volumes():
    made = Volumes()
    yield made
    for name in made.names:
        docker("volume", "rm", "-f", name, check=False)


@dataclass
class App:
    """A running app container."""

    name: str
    port: int


@pytest.fixture(scope="module")
def start_app(shipped_image):
    """Starts the app on a volume. Every container it started is removed at the end."""
    names: list[str] = []

    def start(volume: str) -> App:
        name, port = f"goship-{uuid.uuid4().hex[:8]}", free_port()
        names.append(name)
        run_app(shipped_image, name, port, volume)
        wait_healthy(port)
        return App(name, port)

    yield start
    for name in names:
        docker("rm", "-f", name, check=False)


class Writer(threading.Thread):
    """POSTs numbered records to the app until stopped, keeping each acknowledged one.

    Bounded in count and time; a short pause between requests keeps the total under the
    1000 records that one GET can return.
    """

    def __init__(self, port: int, limit: int = 900, seconds: float = 120) -> None:
        super().__init__(daemon=True)
        self.port, self.limit, self.seconds = port, limit, seconds
        # Appended to by this thread only; list() of it is a consistent copy.
        self.acknowledged: list[tuple[int, str]] = []
        self.error: BaseException | None = None
        self.stopped = threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + self.seconds
        try:
            for i in range(self.limit):
                if self.stopped.is_set() or time.monotonic() > deadline:
                    return
                status, record = http(self.port, "/api/records", {"text": f"record {i}"})
                assert status == 201, record
                self.acknowledged.append((record["id"], record["text"]))
                time.sleep(0.02)
        except BaseException as error:  # reported by the test, not lost in the thread
            self.error = error

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 30
        while len(self.acknowledged) < count:
            assert self.error is None, self.error
            assert time.monotonic() < deadline, f"only {len(self.acknowledged)} records written"
            time.sleep(0.05)


@dataclass
class LiveBackup:
    """A backup taken while a writer kept POSTing to the running app."""

    folder: Path
    name: str
    result: subprocess.CompletedProcess
    acknowledged_before: list[tuple[int, str]]
    acknowledged_during: int  # records acknowledged while `backup` ran
    rows: list[tuple[int, str]] = field(default_factory=list)
    check: str = ""


@pytest.fixture(scope="module")
def live_backup(shipped_image, volumes, start_app, tmp_path_factory) -> LiveBackup:
    volume = volumes.new()
    app = start_app(volume)
    folder = backup_folder(tmp_path_factory.mktemp("live") / "backup")
    writer = Writer(app.port)
    writer.start()
    writer.wait_for(50)

    before = list(writer.acknowledged)
    result = run_image(
        shipped_image,
        "backup",
        "-dir",
        "/backup",
        "-keep",
        "3",
        volumes={volume: "/app/db", str(folder): "/backup"},
    )
    during = len(writer.acknowledged) - len(before)
    writer.stopped.set()
    writer.join(timeout=30)

    assert writer.error is None, writer.error
    assert result.returncode == 0, result.stderr
    name = Path(result.stdout.strip()).name
    backup = LiveBackup(folder, name, result, before, during)
    backup.check, backup.rows = database_rows(folder / name)
    return backup


def test_backup_prints_the_timestamped_path_it_wrote(live_backup):
    assert re.fullmatch(r"goship-\d{8}T\d{6}Z\.db", live_backup.name)
    assert live_backup.result.stdout == f"/backup/{live_backup.name}\n"
    assert sorted(p.name for p in live_backup.folder.iterdir()) == [LOCK, live_backup.name]


def test_backup_during_writes_holds_every_record_acknowledged_before_it(live_backup):
    # The writer kept writing while `backup` ran, so the copy was taken under load.
    assert live_backup.acknowledged_during > 0

    assert live_backup.check == "ok"
    missing = set(live_backup.acknowledged_before) - set(live_backup.rows)
    assert missing == set()
    # One writer commits ids in order, so a consistent copy holds exactly ids 1..n.
    assert [row[0] for row in live_backup.rows] == list(range(1, len(live_backup.rows) + 1))


def test_restored_backup_serves_its_records_on_a_fresh_volume(
    shipped_image, volumes, start_app, live_backup
):
    fresh = volumes.new()

    # The README's procedure: the folder stands for its newest (here its only) copy.
    result = run_image(
        shipped_image,
        "restore",
        "-from",
        "/backup",
        volumes={fresh: "/app/db", str(live_backup.folder): "/backup:ro"},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"restored /backup/{live_backup.name} to /app/db/goship.db\n"
    app = start_app(fresh)
    _, served = http(app.port, "/api/records?limit=1000")
    served_rows = sorted((r["id"], r["text"]) for r in served)
    assert served_rows == live_backup.rows
    assert set(live_backup.acknowledged_before) <= set(served_rows)


@pytest.fixture(scope="module")
def seeded_volume(volumes, start_app) -> str:
    """A volume whose database holds one record, with no app running on it."""
    volume = volumes.new()
    app = start_app(volume)
    http(app.port, "/api/records", {"text": "seed"})
    docker("stop", app.name)
    return volume


def test_keep_2_after_three_backups_leaves_the_two_newest(shipped_image, seeded_volume, tmp_path):
    folder = backup_folder(tmp_path / "backup")
    (folder / "notes.txt").write_text("not a backup\n")
    written = []

    for _ in range(3):
        result = run_image(
            shipped_image,
            "backup",
            "-dir",
            "/backup",
            "-keep",
            "2",
            volumes={seeded_volume: "/app/db", str(folder): "/backup"},
        )
        assert result.returncode == 0, result.stderr
        written.append(Path(result.stdout.strip()).name)
        time.sleep(1.1)  # the names have one-second resolution

    assert sorted(p.name for p in folder.iterdir()) == sorted([LOCK, "notes.txt", *written[1:]])
    assert result.stderr == f"removed old backup /backup/{written[0]}\n"


def test_backup_into_a_folder_the_app_cannot_write_says_so(shipped_image, seeded_volume, tmp_path):
    folder = tmp_path / "root-owned"
    folder.mkdir(mode=0o755)

    result = run_image(
        shipped_image,
        "backup",
        "-dir",
        "/backup",
        volumes={seeded_volume: "/app/db", str(folder): "/backup"},
    )

    assert result.returncode == 1
    assert "backup directory /backup is not writable by uid 65532" in result.stderr
    assert list(folder.iterdir()) == []


@dataclass
class S3StandIn:
    """moto's S3 server on 127.0.0.1 with one bucket and one user allowed to write it."""

    endpoint: str
    access_key: str
    secret_key: str

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def env(self, prefix: str, secret_key: str | None = None) -> dict[str, str]:
        return {
            "BACKUP_S3_BUCKET": BUCKET,
            "BACKUP_S3_PREFIX": prefix,
            "BACKUP_S3_ENDPOINT": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": secret_key or self.secret_key,
        }


@pytest.fixture(scope="module")
def s3(tmp_path_factory) -> S3StandIn:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()
                break
            except OSError:
                assert server.poll() is None, "moto server exited"
                assert time.monotonic() < deadline, "moto server did not answer"
                time.sleep(0.3)

        # Until authentication is switched on, any key may set up the user and the bucket.
        setup = {
            "endpoint_url": endpoint,
            "region_name": "us-east-1",
            "aws_access_key_id": "setup",
            "aws_secret_access_key": "setup",
        }
        iam = boto3.client("iam", **setup)
        iam.create_user(UserName="goship-backup")
        key = iam.create_access_key(UserName="goship-backup")["AccessKey"]
        policy = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
        iam.put_user_policy(
            UserName="goship-backup",
            PolicyName="backups",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [policy]}),
        )
        boto3.client("s3", **setup).create_bucket(Bucket=BUCKET)
        # From here on moto checks every request's signature, as S3 does.
        urllib.request.urlopen(
            urllib.request.Request(
                f"{endpoint}/moto-api/reset-auth",
                data=b"0",
                headers={"Content-Type": "text/plain"},
                method="POST",
            ),
            timeout=10,
        ).close()
        yield S3StandIn(endpoint, key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_backup_uploads_the_same_bytes_to_the_bucket(shipped_image, seeded_volume, s3, tmp_path):
    folder = backup_folder(tmp_path / "backup")
    # A prefix per test: two tests in one second would otherwise name the same object.
    prefix = f"goship/{uuid.uuid4().hex[:8]}/"

    result = run_image(
        shipped_image,
        "backup",
        "-dir",
        "/backup",
        "-keep",
        "1",
        volumes={seeded_volume: "/app/db", str(folder): "/backup"},
        env=s3.env(prefix),
    )

    assert result.returncode == 0, result.stderr
    local, url = result.stdout.splitlines()
    name = Path(local).name
    assert url == f"s3://{BUCKET}/{prefix}{name}"
    uploaded = s3.client().get_object(Bucket=BUCKET, Key=f"{prefix}{name}")["Body"].read()
    assert uploaded == (folder / name).read_bytes()


def test_wrong_secret_key_fails_the_backup_with_the_s3_error(
    shipped_image, seeded_volume, s3, tmp_path
):
    folder = backup_folder(tmp_path / "backup")
    prefix = f"goship/{uuid.uuid4().hex[:8]}/"

    result = run_image(
        shipped_image,
        "backup",
        "-dir",
        "/backup",
        "-keep",
        "1",
        volumes={seeded_volume: "/app/db", str(folder): "/backup"},
        env=s3.env(prefix, secret_key="not-the-secret-key"),
    )

    assert result.returncode == 1
    name = Path(result.stdout.strip()).name
    assert result.stderr.startswith(f"error: the backup /backup/{name} is kept, but upload to ")
    assert "SignatureDoesNotMatch (HTTP 403)" in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == [LOCK, name]
    assert s3.client().list_objects_v2(Bucket=BUCKET, Prefix=prefix)["KeyCount"] == 0


def test_restore_from_the_uploaded_object_serves_its_records_on_a_fresh_volume(
    shipped_image, volumes, start_app, seeded_volume, s3, tmp_path
):
    folder = backup_folder(tmp_path / "backup")
    prefix = f"goship/{uuid.uuid4().hex[:8]}/"
    backup = run_image(
        shipped_image,
        "backup",
        "-dir",
        "/backup",
        "-keep",
        "1",
        volumes={seeded_volume: "/app/db", str(folder): "/backup"},
        env=s3.env(prefix),
    )
    assert backup.returncode == 0, backup.stderr
    local, url = backup.stdout.splitlines()
    _, rows = database_rows(folder / Path(local).name)
    # The volume is lost and only the bucket holds the copy; the URL names the object.
    env = s3.env(prefix)
    del env["BACKUP_S3_BUCKET"], env["BACKUP_S3_PREFIX"]
    fresh = volumes.new()

    result = run_image(shipped_image, "restore", "-from", url, volumes={fresh: "/app/db"}, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"restored {url} to /app/db/goship.db\n"
    # No partial download is left beside the database.
    assert volume_files(shipped_image, fresh) == ["goship.db"]
    app = start_app(fresh)
    _, served = http(app.port, "/api/records?limit=1000")
    assert sorted((r["id"], r["text"]) for r in served) == rows == [(1, "seed")]
