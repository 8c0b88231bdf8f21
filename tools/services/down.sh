#!/usr/bin/env bash
# Stops what up.sh started, newest first: buildkitd, the registry, dockerd (which stops
# its containers and its containerd). Stops only the pids that up.sh recorded.
#
#   tools/services/down.sh           # stop; keep images, registry data and build cache
#   tools/services/down.sh --purge   # stop, then delete GOSHIP_STATE (not the tool cache)
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

case ${1:-} in
    "" | --purge) ;;
    *) die "usage: $0 [--purge]" ;;
esac
take_lock

buildkitd_stop
registry_stop
dockerd_stop
rm -f "$BUILDKIT_SOCK"

if [[ ${1:-} == --purge ]]; then
    # A stopped dockerd still leaves two mounts behind (its data root, bind-mounted onto
    # itself, and exec/netns/default); unmount everything under the state dir, deepest
    # first, or rm fails with "Device or resource busy".
    awk -v dir="$GOSHIP_STATE/" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo |
        sort -r | while read -r mount; do umount "$mount" || umount -l "$mount"; done
    log "deleting $GOSHIP_STATE"
    rm -rf "$GOSHIP_STATE"
fi
log "stopped"
