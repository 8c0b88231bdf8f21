#!/usr/bin/env bash
# Stops or starts only the registry, e.g. for a test of what a push does while it is
# down. Same config, data and credentials as up.sh.
#
#   tools/services/registry.sh stop|start|status
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
take_lock

case ${1:-} in
    start) registry_start ;;
    stop) registry_stop ;;
    status)
        if registry_healthy; then
            log "registry up on $REGISTRY_ADDR"
        else
            log "registry down"
            exit 1
        fi
        ;;
    *) die "usage: $0 stop|start|status" ;;
esac
