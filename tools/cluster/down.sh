#!/usr/bin/env bash
# Stops the local control plane that up.sh started, newest component first, so none of
# them spends its last seconds retrying a component already gone. Only the pids that
# up.sh recorded are signalled.
#
#   tools/cluster/down.sh           # stop; etcd data, certificates and volumes stay
#   tools/cluster/down.sh --purge   # stop and delete $GOSHIP_STATE/cluster (all of it,
#                                   # the volumes' data too); the built tools stay cached
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

purge=
case ${1:-} in
    "") ;;
    --purge) purge=1 ;;
    *) echo "usage: $0 [--purge]" >&2; exit 2 ;;
esac

[[ -d $CLUSTER_DIR ]] || { log "nothing to stop"; exit 0; }
take_lock
for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    stop "$name"
done
rm -f "$RUN_DIR/prepared.sha256" # the next up.sh re-applies the namespace
if [[ -n $purge ]]; then
    log "deleting $CLUSTER_DIR"
    rm -rf "$CLUSTER_DIR"
fi
log "stopped"
