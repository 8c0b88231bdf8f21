"""Image build cost and size, measured side by side in one run on the local builder.

Prints, one figure a line:
  two_platform_vs_amd64_build: wall time of a cold two-platform build divided by that of a
      cold amd64-only build (the builder's cache is pruned before each);
  image_size_minus_binary_mb: compressed size of the amd64 image (layers and config) minus
      the size of the Go binary in it, in MB.
Assumes `tools/services/up.sh` and `tools/base-images/build.sh` have run (make bench does).
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = "127.0.0.1:5000"
REPOSITORY = "goship/bench"
AUTH = base64.b64encode(b"goship:goship-local").decode()
MEDIA_TYPES = "application/vnd.oci.image.index.v1+json,application/vnd.oci.image.manifest.v1+json"


def registry_get(path: str, accept: str = MEDIA_TYPES) -> bytes:
    request = urllib.request.Request(
        f"http://{REGISTRY}/v2/{REPOSITORY}/{path}",
        headers={"Authorization": f"Basic {AUTH}", "Accept": accept},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read()


def cold_build(platforms: str, tag: str) -> float:
    """Build and push with an empty builder cache, as the provider does; seconds taken."""
    subprocess.run(
        ["docker", "buildx", "prune", "--builder", "goship", "-af"], check=True, capture_output=True
    )
    started = time.perf_counter()
    subprocess.run(
        [
            "docker",
            "buildx",
            "build",
            "--builder",
            "goship",
            "--platform",
            platforms,
            "--provenance=false",
            "--build-arg",
            f"GO_IMAGE={REGISTRY}/goship/golang:1.26.8",
            "--push",
            "-t",
            f"{REGISTRY}/{REPOSITORY}:{tag}",
            str(ROOT / "app"),
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def amd64_size_and_binary(tag: str) -> tuple[int, int]:
    index = json.loads(registry_get(f"manifests/{tag}"))
    entry = next(m for m in index["manifests"] if m["platform"]["architecture"] == "amd64")
    manifest = json.loads(registry_get(f"manifests/{entry['digest']}", entry["mediaType"]))
    compressed = manifest["config"]["size"] + sum(layer["size"] for layer in manifest["layers"])
    binary = 0
    for layer in manifest["layers"]:
        blob = gzip.decompress(registry_get(f"blobs/{layer['digest']}", "*/*"))
        with tarfile.open(fileobj=io.BytesIO(blob)) as archive:
            for member in archive.getmembers():
                if member.name == "app/goship-app":
                    binary = member.size
    return compressed, binary


def main() -> None:
    amd64_only = cold_build("linux/amd64", "amd64")
    both = cold_build("linux/amd64,linux/arm64", "both")
    compressed, binary = amd64_size_and_binary("both")

    print(f"two_platform_vs_amd64_build: {both / amd64_only:.2f} (goal <= 1.5)")
    print(f"image_size_minus_binary_mb: {(compressed - binary) / 1e6:.2f} (goal <= 4)")
    print(
        f"# cold builds: amd64 {amd64_only:.1f}s, both {both:.1f}s; amd64 image "
        f"{compressed / 1e6:.2f} MB compressed, binary {binary / 1e6:.2f} MB",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
