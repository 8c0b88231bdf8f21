#!/usr/bin/env bash
# Writes app/vendor/ (gitignored) with `go mod vendor`, so that app/Dockerfile builds with
# -mod=vendor and GOPROXY=off: the image build then needs no network and no module cache
# inside BuildKit. Skipped while vendor/modules.txt is newer than go.mod and go.sum.
set -euo pipefail

app=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../app" && pwd)
log() { printf '[goship-vendor] %s\n' "$*" >&2; }

if [[ -f $app/vendor/modules.txt && $app/vendor/modules.txt -nt $app/go.mod &&
    $app/vendor/modules.txt -nt $app/go.sum ]]; then
    log "app/vendor is up to date"
    exit 0
fi
log "go mod vendor in $app"
# GOTOOLCHAIN=local: vendor with this machine's Go, never a downloaded one.
(cd "$app" && GOTOOLCHAIN=local go mod vendor)
