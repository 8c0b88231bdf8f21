#!/usr/bin/env bash
# `make demo`: ships the `local` stack on this machine with the real engine and providers.
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(tools/toolchain.sh env .venv/bin/python)"
eval "$(tools/services/up.sh)"
eval "$(tools/cluster/up.sh)"
tools/base-images/build.sh >&2
tools/base-images/vendor.sh >&2

cache=${GOSHIP_CACHE:-$HOME/.cache/goship}
mkdir -p "${cache}/state"
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://${cache}/state}
# The local stack's public passphrase: it guards only the throwaway local registry password.
export PULUMI_CONFIG_PASSPHRASE=goship-local
pulumi stack select --create local --non-interactive

pulumi up --yes --skip-preview --non-interactive --stack local --policy-pack policy

echo "Daily cost under the stack's price table: $(pulumi stack output daily_cost --stack local)"
echo
echo "The image index in the local registry:"
docker buildx imagetools inspect "$(pulumi stack output image_reference --stack local)"
echo
echo "The workload in ns-local (KUBECONFIG=${KUBECONFIG}):"
kubectl -n ns-local get deployment,replicaset,pod,pvc,svc,cronjob \
    -l 'app.kubernetes.io/name in (goship-app,goship-app-backup)'
echo
echo "Look at it yourself:"
echo "  export KUBECONFIG=${KUBECONFIG}"
echo "  $(pulumi stack output kubectl --stack local)"
