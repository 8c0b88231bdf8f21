"""Engine overhead of goship, measured side by side in one run.

Prints, one figure a line:
  preview_vs_empty_program: wall time of `pulumi preview` of the dev stack divided by that of
      an empty Python program that loads the same provider plugins;
  noop_up_vs_preview: wall time of a no-op `pulumi up` divided by that of a preview of the
      same stack and targets.
Each figure is the ratio of the medians of ROUNDS alternating runs.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from github_api import GitHubStandIn  # noqa: E402
from support import GITHUB_RESOURCES as TARGETS  # noqa: E402

ROUNDS = 5
GOAL = 1.3
# Loads the providers goship's dev stack loads, with the same settings, and declares nothing.
EMPTY_PROGRAM = """\
import pulumi, pulumi_docker_build, pulumi_github as github, pulumi_kubernetes as k8s
config = pulumi.Config("goship")
github.Provider("github", owner="goship-dev", token=config.require_secret("githubToken"),
                base_url=config.require("githubApiUrl"))
k8s.Provider("cluster", kubeconfig=config.require_secret("kubeconfig"),
             namespace=config.require("namespace"))
pulumi_docker_build.Provider("docker-build")
"""


def toolchain_env() -> dict[str, str]:
    script = f'eval "$({ROOT}/tools/toolchain.sh env {ROOT}/.venv/bin/python)" && env -0'
    listing = subprocess.run(
        ["bash", "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return dict(item.split("=", 1) for item in listing.split("\0") if "=" in item)


def project_copy(workdir: Path, main: str | None) -> Path:
    project = workdir / ("empty" if main else "goship")
    project.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py", "components", "app"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("vendor"))
        else:
            shutil.copy2(source, project / name)
    if main:
        (project / "__main__.py").write_text(main)
    (project / ".venv").symlink_to(ROOT / ".venv")
    return project


def pulumi(project: Path, env: dict[str, str], *args: str) -> float:
    """Run one pulumi command in `project` and return its wall time in seconds."""
    # Both copies are project `goship`: each keeps its state in a backend of its own.
    env = {**env, "PULUMI_BACKEND_URL": f"file://{project}.state"}
    started = time.perf_counter()
    subprocess.run(
        ["pulumi", *args, "--stack", "dev", "--non-interactive"],
        cwd=project,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    base_env = {**os.environ, **toolchain_env(), "PULUMI_CONFIG_PASSPHRASE": "goship-example"}
    with (
        tempfile.TemporaryDirectory() as tmp,
        GitHubStandIn(
            owner="goship-dev", token="example-github-token", repos=["goship-app"]
        ) as github_api,
    ):
        workdir = Path(tmp)
        env = base_env
        projects = {
            "goship": project_copy(workdir, None),
            "empty": project_copy(workdir, EMPTY_PROGRAM),
        }
        for project in projects.values():
            Path(f"{project}.state").mkdir()
            pulumi(project, env, "stack", "init")
            for key, value in (("githubApiUrl", github_api.base_url), ("buildOnPreview", "false")):
                pulumi(project, env, "config", "set", f"goship:{key}", value)

        targets = [
            arg for suffix in TARGETS for arg in ("--target", f"urn:pulumi:dev::goship::{suffix}")
        ]
        pulumi(projects["goship"], env, "up", "--yes", "--skip-preview", *targets)

        timings: dict[str, list[float]] = {"preview": [], "empty": [], "up": [], "tpreview": []}
        for _ in range(ROUNDS):
            timings["preview"].append(pulumi(projects["goship"], env, "preview"))
            timings["empty"].append(pulumi(projects["empty"], env, "preview"))
            timings["up"].append(
                pulumi(
                    projects["goship"],
                    env,
                    "up",
                    "--yes",
                    "--skip-preview",
                    "--expect-no-changes",
                    *targets,
                )
            )
            timings["tpreview"].append(pulumi(projects["goship"], env, "preview", *targets))

    median = {name: statistics.median(values) for name, values in timings.items()}
    for name, ratio in (
        ("preview_vs_empty_program", median["preview"] / median["empty"]),
        ("noop_up_vs_preview", median["up"] / median["tpreview"]),
    ):
        print(f"{name}: {ratio:.2f} (goal <= {GOAL})")
    print(
        f"# medians over {ROUNDS} rounds: preview {median['preview']:.2f}s, empty program "
        f"{median['empty']:.2f}s, no-op up {median['up']:.2f}s, targeted preview "
        f"{median['tpreview']:.2f}s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
