# shellcheck shell=bash disable=SC2034 # (variables used by the scripts that source this)
# Sourced by up.sh, down.sh and prove.sh: the one place that names versions, paths, ports
# and the process helpers of the local Kubernetes control plane.
#
# Every server listens on 127.0.0.1 only. The IP ranges below are handed out as fake pod,
# node and Service addresses: there is no kube-proxy or CNI, nothing routes them, and no
# script sends traffic to them. They come from the ranges reserved for documentation and
# benchmarking (RFC 5737, RFC 2544), so they can never name a real host.

GOSHIP_CACHE=${GOSHIP_CACHE:-$HOME/.cache/goship}
GOSHIP_STATE=${GOSHIP_STATE:-/tmp/goship-services}
CLUSTER_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLUSTER_DIR=$GOSHIP_STATE/cluster
PKI=$CLUSTER_DIR/pki
RUN_DIR=$CLUSTER_DIR/run
LOG_DIR=$CLUSTER_DIR/logs
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/daemon.sh"
USER_KUBECONFIG=$CLUSTER_DIR/kubeconfig
ADMIN_KUBECONFIG=$CLUSTER_DIR/admin.kubeconfig

# Versions: each is the requirement in its build module's go.mod, the one source of truth
# (a `require M V` line or an `M V` line inside a require block).
mod_version() {
    local v
    v=$(awk -v m="$2" '$1 == "require" && $2 == m {print $3; exit}
        $1 == m && $2 ~ /^v[0-9]/ {print $2; exit}' "$CLUSTER_SRC/$1/go.mod")
    [[ -n $v ]] || { echo "no version of $2 in $CLUSTER_SRC/$1/go.mod" >&2; return 1; }
    echo "$v"
}
KUBE_VERSION=$(mod_version kube k8s.io/kubernetes)
ETCD_VERSION=$(mod_version etcd go.etcd.io/etcd/server/v3)
KWOK_VERSION=$(mod_version kwok sigs.k8s.io/kwok)
KUBE_BIN=$GOSHIP_CACHE/tools/kube-$KUBE_VERSION
ETCD_BIN=$GOSHIP_CACHE/tools/etcd-$ETCD_VERSION
KWOK_BIN=$GOSHIP_CACHE/tools/kwok-$KWOK_VERSION

# Ports, all on 127.0.0.1. The API server's may be moved if 6443 is taken.
APISERVER_PORT=${GOSHIP_APISERVER_PORT:-6443}
APISERVER_URL=https://127.0.0.1:$APISERVER_PORT
ETCD_CLIENT_PORT=2379
ETCD_PEER_PORT=2380
KCM_PORT=10257
SCHEDULER_PORT=10259
KWOK_PORT=10247
SERVICE_CIDR=198.18.0.0/16 # Service ClusterIPs (RFC 2544 benchmarking range)
SERVICE_FIRST_IP=198.18.0.1 # the `kubernetes` Service, named in the serving cert
POD_CIDR=198.19.0.0/16      # pod IPs that KWOK writes into pod status
NODE_IP_PREFIX=192.0.2      # fake node addresses (RFC 5737 TEST-NET-1)

# The Sealos-like tenant: one namespace, one user who may act only inside it.
NAMESPACE=ns-local
KUBE_CONTEXT=goship-local # what Pulumi.local.yaml's goship:kubeContext names
KUBE_USER=goship
# Fake nodes: name=arch. The app image is multi-arch, so either node may run it.
NODES=(goship-node-amd64=amd64 goship-node-arm64=arm64)

log() { printf '[goship-cluster] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# take_lock: one up.sh/down.sh at a time per state dir; held until the script exits.
take_lock() {
    mkdir -p "$CLUSTER_DIR"
    exec 8>"$CLUSTER_DIR/.lock"
    flock 8
}

# https_ok URL [CURL ARGS...]: the URL answers 200 "ok" over TLS checked against our CA.
https_ok() {
    local url=$1
    shift
    [[ $(curl -sf --max-time 2 --cacert "$PKI/ca.crt" "$@" "$url" 2>/dev/null) == ok ]]
}

# kubectl as the cluster admin (up.sh's own setup; never handed to the app).
kadmin() { kubectl --kubeconfig "$ADMIN_KUBECONFIG" "$@"; }
# kubectl as the namespace's restricted user, i.e. what Pulumi gets.
kuser() { kubectl --kubeconfig "$USER_KUBECONFIG" "$@"; }
