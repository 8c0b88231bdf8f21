#!/usr/bin/env bash
# `make demo`: ships the `local` stack on this machine with the real engine and providers.
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(tools/toolchain.sh env .venv/bin/python)"
eval "$(tools/services/up.sh)"
tools/base-images/build.sh >&2
tools/base-images/vendor.sh >&2

cache=${GOSHIP_CACHE:-$HOME/.cache/goship}
mkdir -p "${cache}/state"
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://${cache}/state}
# The local stack's public passphrase: it guards only the throwaway local registry password.
export PULUMI_CONFIG_PASSPHRASE=goship-local
pulumi stack select --create local --non-interactive

# LIMITATION: the local Kubernetes control plane is not built yet, so the demo ships the
# image half of the stack only (build, push, digest); the workload waits for the cluster.
pulumi up --yes --skip-preview --non-interactive --stack local \
  --target 'urn:pulumi:local::goship::goship:index:ContainerImage::app' \
  --target 'urn:pulumi:local::goship::goship:index:ContainerImage$docker-build:index:Image::app-image'

echo
echo "The image index in the local registry:"
docker buildx imagetools inspect "$(pulumi stack output image_reference --stack local)"
