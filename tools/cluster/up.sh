#!/usr/bin/env bash
# Starts the local Kubernetes control plane that the `local` stack deploys to: etcd,
# kube-apiserver, kube-controller-manager, kube-scheduler and KWOK (fake nodes that run no
# containers but report pods Running and Ready), all on 127.0.0.1. Then it prepares the
# namespace ns-local the way Sealos prepares a tenant's: quota, limit range, restricted
# Pod Security, a default StorageClass with pre-made volumes, and a user who may act only
# inside the namespace. Idempotent: builds, starts and applies only what is missing.
# LIMITATION: KWOK nodes run no container, so probes and the backup job's copy are not
# exercised here; the image is run with `docker run` by the tests instead.
#
#   eval "$(tools/cluster/up.sh)"
#
# stdout carries only `export` lines (KUBECONFIG: the restricted user, context
# goship-local; GOSHIP_ADMIN_KUBECONFIG: cluster admin). Every log line goes to stderr.
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Keep stdout for the exports: everything run from here on writes to stderr.
exec 3>&1 1>&2
take_lock
for prog in go openssl curl kubectl flock; do
    command -v "$prog" >/dev/null || die "$prog is needed"
done

# ---- Go-built tools ---------------------------------------------------------------------
# Every go command: static binaries, no workspace file, never another Go, go.sum as is.
export CGO_ENABLED=0 GOWORK=off GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false"

# check_staging: the kube module must replace every staging module of its Kubernetes
# release with the published v0.<minor>.<patch>; a missing line would make Go look for
# k8s.io/<module>@v0.0.0, which does not exist. Compared with k8s.io/kubernetes' go.mod.
check_staging() {
    local upstream ours want=v0.${KUBE_VERSION#v1.}
    upstream=$(cd "$CLUSTER_SRC/kube" &&
        go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | jq -r .GoMod)
    upstream=$(awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}' "$upstream" | sort)
    ours=$(awk -v v="$want" '$2 == "=>" && $3 == $1 && $4 == v {print $1}' \
        "$CLUSTER_SRC/kube/go.mod" | sort)
    [[ $upstream == "$ours" ]] || die "kube/go.mod must replace exactly these at $want:" \
        "$(comm -3 <(echo "$upstream") <(echo "$ours") | tr -d '\t' | tr '\n' ' ')"
}

# build NAME VERSION: build one tool into a temp dir beside its cache entry, then rename
# the dir into place, so an interrupted build never leaves a half tool that later runs
# trust. Builds run one at a time (we hold the lock) and under nice: they share 2 cores.
build() {
    local name=$1 version=$2 final=$GOSHIP_CACHE/tools/$1-$2 tmp started
    [[ -x $final/$name ]] && return 0
    mkdir -p "$GOSHIP_CACHE/tools"
    rm -rf "$GOSHIP_CACHE/tools/.$name-$version."* # leftovers of an interrupted build
    tmp=$(mktemp -d "$GOSHIP_CACHE/tools/.$name-$version.XXXXXX")
    log "building $name $version (minutes on 2 cores; once per version)"
    started=$SECONDS
    # The steps run as a background job that we wait for: bash ignores set -e in anything
    # whose status is tested (`cmd || die`), but not in an asynchronous one.
    "build_$name" "$tmp" &
    wait $! || { rm -rf "$tmp"; die "building $name $version failed"; }
    echo "$((SECONDS - started))" >"$tmp/build-seconds"
    log "built $name $version in $((SECONDS - started)) s"
    mv -T "$tmp" "$final" 2>/dev/null || rm -rf "$tmp" # a concurrent run won: keep theirs
}

# build_NAME DIR: the build steps of each tool, writing into DIR.
# -trimpath and -s -w: smaller binaries that do not depend on the module cache's path.
build_kube() {
    check_staging
    # Kubernetes reports the version that its release build stamps in; without it the
    # server says v0.0.0-master, which clients (Pulumi too) take at face value.
    local minor=${KUBE_VERSION#v1.} stamp="" pkg cmd
    minor=${minor%%.*}
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        stamp+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1"
        stamp+=" -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
        stamp+=" -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    done
    cd "$CLUSTER_SRC/kube"
    nice -n 10 go build -trimpath -ldflags "-s -w$stamp" -o "$1/kube" .
    for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
        ln -s kube "$1/$cmd" # the multi-call binary dispatches on argv[0]
    done
}

build_etcd() {
    cd "$CLUSTER_SRC/etcd"
    nice -n 10 go build -trimpath -ldflags "-s -w" -o "$1/etcd" .
}

build_kwok() {
    cd "$CLUSTER_SRC/kwok"
    nice -n 10 go build -trimpath -ldflags "-s -w" -o "$1/kwok" sigs.k8s.io/kwok/cmd/kwok
    # stages.yaml: KWOK's default stages, taken from this very version (see
    # kwok/stages/main.go); the kwok controller alone starts with none.
    nice -n 10 go run ./stages >"$1/stages.yaml"
}

# ---- certificates -----------------------------------------------------------------------
# One CA signs everything; ECDSA P-256 keys (fast to make, accepted by every component).
# Leaf certificates are remade when missing or within 30 days of expiry.
DAY=86400

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ensure_ca() {
    [[ -s $PKI/ca.crt && -s $PKI/ca.key ]] &&
        openssl x509 -checkend $((30 * DAY)) -noout -in "$PKI/ca.crt" >/dev/null && return 0
    # A new CA (first run, or the old one expires soon) invalidates everything it signed
    # and every token: remake all keys and certificates; components restart on them.
    log "making the cluster CA and all certificates"
    rm -f "$PKI"/*.crt "$PKI"/*.key
    new_key "$PKI/ca.key"
    openssl req -x509 -new -key "$PKI/ca.key" -sha256 -days 3650 -subj "/CN=goship-local-ca" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$PKI/ca.crt"
}

# leaf NAME SUBJECT USAGE [SANS]: a certificate signed by the CA; USAGE is serverAuth,
# clientAuth or both (comma-separated).
leaf() {
    local name=$1 subject=$2 usage=$3 sans=${4:-}
    [[ -s $PKI/$name.crt && -s $PKI/$name.key ]] &&
        openssl x509 -checkend $((30 * DAY)) -noout -in "$PKI/$name.crt" >/dev/null &&
        return 0
    new_key "$PKI/$name.key"
    {
        echo "basicConstraints=critical,CA:FALSE"
        echo "keyUsage=critical,digitalSignature"
        echo "extendedKeyUsage=$usage"
        [[ -z $sans ]] || echo "subjectAltName=$sans"
    } >"$PKI/$name.ext"
    openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr"
    openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -sha256 \
        -days 365 -set_serial "0x$(openssl rand -hex 16)" -extfile "$PKI/$name.ext" \
        -out "$PKI/$name.crt" 2>/dev/null
    rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

make_pki() {
    mkdir -p "$PKI"
    chmod 700 "$PKI"
    ensure_ca
    # One serving certificate for every server here (all on 127.0.0.1); the kubernetes.*
    # names and the first Service IP are what in-cluster clients would dial.
    leaf serving "/CN=goship-local" serverAuth "IP:127.0.0.1,DNS:localhost,DNS:kubernetes,\
DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,\
IP:$SERVICE_FIRST_IP"
    leaf etcd-client "/CN=kube-apiserver-etcd-client" clientAuth
    # Client identities. system:masters is the built-in superuser group: the admin, and
    # KWOK, which stands in for the kubelet of every fake node (the Node authorizer would
    # give a real kubelet only its own node and pods). The controller manager and the
    # scheduler get the users that the default RBAC policy already grants their rights.
    leaf admin "/O=system:masters/CN=goship-admin" clientAuth
    leaf kwok "/O=system:masters/CN=goship-kwok" clientAuth
    leaf controller-manager "/CN=system:kube-controller-manager" clientAuth
    leaf scheduler "/CN=system:kube-scheduler" clientAuth
    # The tenant: no group at all, so it has exactly what the RoleBinding in ns-local gives.
    leaf user "/CN=$KUBE_USER" clientAuth
    # Service-account tokens: the API server signs with sa.key and checks with sa.pub; the
    # controller manager signs legacy token secrets with the same key.
    if [[ ! -s $PKI/sa.key ]]; then
        new_key "$PKI/sa.key"
        openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"
    fi
    chmod 600 "$PKI"/*.key
}

# kubeconfig FILE CONTEXT CERT [NAMESPACE]: a self-contained kubeconfig (everything
# embedded) for the client certificate CERT, written atomically.
kubeconfig() {
    local file=$1 context=$2 cert=$3 namespace=${4:-default}
    mkdir -p "$(dirname "$file")"
    cat >"$file.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: goship-local
  cluster:
    server: $APISERVER_URL
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: $context
  user:
    client-certificate-data: $(base64 -w0 "$PKI/$cert.crt")
    client-key-data: $(base64 -w0 "$PKI/$cert.key")
contexts:
- name: $context
  context:
    cluster: goship-local
    user: $context
    namespace: $namespace
current-context: $context
EOF
    chmod 600 "$file.tmp"
    mv -f "$file.tmp" "$file"
}

make_kubeconfigs() {
    kubeconfig "$USER_KUBECONFIG" "$KUBE_CONTEXT" user "$NAMESPACE"
    kubeconfig "$ADMIN_KUBECONFIG" "$KUBE_CONTEXT-admin" admin
    kubeconfig "$CLUSTER_DIR/controller-manager.kubeconfig" controller-manager \
        controller-manager kube-system
    kubeconfig "$CLUSTER_DIR/scheduler.kubeconfig" scheduler scheduler kube-system
    kubeconfig "$CLUSTER_DIR/kwok.kubeconfig" kwok kwok kube-system
}

# ---- the components ---------------------------------------------------------------------
STARTED=0 # set when anything was (re)started: the namespace is then re-applied

client_tls=(--cert "$PKI/admin.crt" --key "$PKI/admin.key")
etcd_healthy() {
    https_ok "https://127.0.0.1:$ETCD_CLIENT_PORT/readyz" \
        --cert "$PKI/etcd-client.crt" --key "$PKI/etcd-client.key"
}
apiserver_healthy() { https_ok "$APISERVER_URL/readyz" "${client_tls[@]}"; }
kcm_healthy() { https_ok "https://127.0.0.1:$KCM_PORT/healthz"; }
scheduler_healthy() { https_ok "https://127.0.0.1:$SCHEDULER_PORT/healthz"; }
kwok_healthy() { [[ $(curl -sf --max-time 2 "http://127.0.0.1:$KWOK_PORT/healthz") == ok ]]; }

# ensure NAME HEALTHY TIMEOUT COMMAND...: unless the function HEALTHY succeeds, start NAME
# with COMMAND and wait up to TIMEOUT seconds for HEALTHY.
ensure() {
    local name=$1 healthy=$2 timeout=$3
    shift 3
    if "$healthy"; then log "$name already up"; return; fi
    stop "$name" # a live but unhealthy process would hold the port
    log "starting $name"
    spawn "$name" "$@"
    STARTED=1
    wait_until "$timeout" "$healthy" ||
        die "$name is not healthy after $timeout s; see $LOG_DIR/$name.log"
}

start_etcd() {
    # Single member; clients need a certificate from our CA. The peer URL is never dialled
    # (no other member) but must be set; it stays on loopback too.
    ensure etcd etcd_healthy 60 "$ETCD_BIN/etcd" --name goship --data-dir "$CLUSTER_DIR/etcd" \
        --listen-client-urls "https://127.0.0.1:$ETCD_CLIENT_PORT" \
        --advertise-client-urls "https://127.0.0.1:$ETCD_CLIENT_PORT" \
        --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-cluster "goship=http://127.0.0.1:$ETCD_PEER_PORT" \
        --cert-file "$PKI/serving.crt" --key-file "$PKI/serving.key" \
        --client-cert-auth --trusted-ca-file "$PKI/ca.crt" --log-level warn
}

start_apiserver() {
    # Admission: ResourceQuota, LimitRanger and PodSecurity are what a Sealos tenant runs
    # into; NodeRestriction pairs with the Node authorizer. (Most are on by default; named
    # here so the list does not depend on the version's defaults.)
    # --allow-privileged: so that Pod Security, not this global switch, refuses privileged
    # pods in ns-local, as on Sealos.
    # --endpoint-reconciler-type=none: the `kubernetes` Service would get 127.0.0.1 as its
    # endpoint, which the API refuses (loopback); nothing in the cluster dials it anyway.
    local admission=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultStorageClass
    admission+=,ResourceQuota,PodSecurity,NodeRestriction
    ensure kube-apiserver apiserver_healthy 120 "$KUBE_BIN/kube-apiserver" \
        --bind-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
        --advertise-address 127.0.0.1 --endpoint-reconciler-type none \
        --etcd-servers "https://127.0.0.1:$ETCD_CLIENT_PORT" --etcd-cafile "$PKI/ca.crt" \
        --etcd-certfile "$PKI/etcd-client.crt" --etcd-keyfile "$PKI/etcd-client.key" \
        --tls-cert-file "$PKI/serving.crt" --tls-private-key-file "$PKI/serving.key" \
        --client-ca-file "$PKI/ca.crt" --anonymous-auth=false \
        --service-account-issuer https://kubernetes.default.svc.cluster.local \
        --service-account-key-file "$PKI/sa.pub" \
        --service-account-signing-key-file "$PKI/sa.key" \
        --service-cluster-ip-range "$SERVICE_CIDR" \
        --authorization-mode Node,RBAC --allow-privileged \
        --enable-admission-plugins "$admission" \
        --profiling=false
}

start_controller_manager() {
    # Default controller set: Deployments -> ReplicaSets -> Pods, the PV binder, quota
    # usage, service accounts, node lifecycle, garbage collection. Each controller uses
    # its own service account's token (as kubeadm sets it up): the controller manager's
    # own user may only mint those, not act. One instance, so no leader election.
    local kc=$CLUSTER_DIR/controller-manager.kubeconfig
    ensure kube-controller-manager kcm_healthy 90 "$KUBE_BIN/kube-controller-manager" \
        --kubeconfig "$kc" --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
        --bind-address 127.0.0.1 --secure-port "$KCM_PORT" \
        --tls-cert-file "$PKI/serving.crt" --tls-private-key-file "$PKI/serving.key" \
        --controllers '*' --use-service-account-credentials \
        --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
        --cluster-name goship-local --leader-elect=false --profiling=false
}

start_scheduler() {
    local kc=$CLUSTER_DIR/scheduler.kubeconfig
    ensure kube-scheduler scheduler_healthy 60 "$KUBE_BIN/kube-scheduler" \
        --kubeconfig "$kc" --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
        --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" \
        --tls-cert-file "$PKI/serving.crt" --tls-private-key-file "$PKI/serving.key" \
        --leader-elect=false --profiling=false
}

start_kwok() {
    # KWOK acts as the kubelet of the nodes annotated kwok.x-k8s.io/node=fake: it keeps
    # their leases fresh and moves their pods to Running/Ready (no container is run and no
    # probe executed). Its own server (logs/exec stand-ins, health) stays on loopback.
    if ! kwok_healthy; then
        stop kwok
        # Each kwok process holds the node leases under a new identity and leaves nodes
        # whose lease another holder renewed recently alone: a restarted kwok would ignore
        # its own nodes for up to 40 s. The old process is gone, so drop its leases.
        local entry names=()
        for entry in "${NODES[@]}"; do names+=("${entry%%=*}"); done
        kadmin -n kube-node-lease delete lease "${names[@]}" --ignore-not-found >/dev/null
    fi
    ensure kwok kwok_healthy 60 "$KWOK_BIN/kwok" --kubeconfig "$CLUSTER_DIR/kwok.kubeconfig" \
        --config "$KWOK_BIN/stages.yaml" \
        --manage-all-nodes=false \
        --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
        --server-address "127.0.0.1:$KWOK_PORT" --node-lease-duration-seconds 40 \
        --cidr "$POD_CIDR" --node-ip "$NODE_IP_PREFIX.1"
}

# ---- fake nodes -------------------------------------------------------------------------
nodes_manifest() {
    local entry name arch
    for entry in "${NODES[@]}"; do
        name=${entry%%=*} arch=${entry#*=}
        cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/arch: $arch
    kubernetes.io/os: linux
    kubernetes.io/hostname: $name
    type: kwok
EOF
    done
}

# Status can only be written after creation. A node the size of a small cloud VM (KWOK's
# default is 1000 CPUs), its own fake address and the right architecture in nodeInfo.
node_status() {
    local entry name arch i=0
    for entry in "${NODES[@]}"; do
        name=${entry%%=*} arch=${entry#*=} i=$((i + 1))
        kadmin patch node "$name" --subresource status --type merge -p "{\"status\": {
            \"capacity\": {\"cpu\": \"4\", \"memory\": \"8Gi\", \"pods\": \"110\"},
            \"allocatable\": {\"cpu\": \"4\", \"memory\": \"8Gi\", \"pods\": \"110\"},
            \"addresses\": [{\"type\": \"InternalIP\", \"address\": \"$NODE_IP_PREFIX.1$i\"},
                            {\"type\": \"Hostname\", \"address\": \"$name\"}],
            \"nodeInfo\": {\"architecture\": \"$arch\", \"operatingSystem\": \"linux\"}}}" \
            >/dev/null
    done
}

# ---- the tenant namespace ---------------------------------------------------------------
# Pre-made volumes (a provisioner would need a real node): name size access-mode. Four
# 1Gi volumes for the usual claim, one of them ReadWriteOncePod (the API allows that mode
# only alone on a volume), and a bigger one.
VOLUMES=("pv-1 1Gi ReadWriteOnce" "pv-2 1Gi ReadWriteOnce" "pv-3 1Gi ReadWriteOnce"
    "pv-4 1Gi ReadWriteOncePod" "pv-5 10Gi ReadWriteOnce")

namespace_manifest() {
    cat <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $NAMESPACE
  labels:
    # As on Sealos: pods must meet the restricted Pod Security standard.
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/warn: restricted
    pod-security.kubernetes.io/audit: restricted
---
# The tenant's budget (goship:namespaceCpuQuota/namespaceMemoryQuota in Pulumi.local.yaml
# mirror limits.cpu and limits.memory). Every pod must then state limits; the LimitRange
# below fills them in for containers that do not.
apiVersion: v1
kind: ResourceQuota
metadata:
  name: quota-$NAMESPACE
  namespace: $NAMESPACE
spec:
  hard:
    limits.cpu: "1"
    limits.memory: 1Gi
    requests.storage: 10Gi
    persistentvolumeclaims: "2"
    pods: "10"
    services.nodeports: "0"
    services.loadbalancers: "0"
---
apiVersion: v1
kind: LimitRange
metadata:
  name: limits-$NAMESPACE
  namespace: $NAMESPACE
spec:
  limits:
  - type: Container
    default: {cpu: 100m, memory: 128Mi}
    defaultRequest: {cpu: 20m, memory: 32Mi}
    max: {cpu: "1", memory: 1Gi}
---
# Default class. No provisioner: claims bind at once (Immediate) to the pre-made volumes
# below, whose reclaim policy Retain keeps the data when a claim is deleted.
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain
EOF
    local v name size mode
    for v in "${VOLUMES[@]}"; do
        read -r name size mode <<<"$v"
        cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: goship-local-$name
spec:
  storageClassName: local
  capacity: {storage: $size}
  accessModes: [$mode]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: $CLUSTER_DIR/volumes/$name, type: DirectoryOrCreate}
EOF
    done
    cat <<EOF
---
# What the tenant may do: run workloads and manage their config, storage claims and
# networking inside $NAMESPACE; read (not change) its quota and limits. Nothing
# cluster-scoped: a Role cannot grant that, and no ClusterRoleBinding names the user.
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: tenant
  namespace: $NAMESPACE
rules:
- apiGroups: [""]
  resources: [pods, pods/log, pods/exec, pods/attach, pods/portforward, pods/eviction,
    services, endpoints, persistentvolumeclaims, configmaps, secrets, serviceaccounts]
  verbs: ["*"]
- apiGroups: [""]
  resources: [events, resourcequotas, limitranges, pods/status]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [deployments, deployments/scale, replicasets, statefulsets, daemonsets,
    controllerrevisions]
  verbs: ["*"]
- apiGroups: [batch]
  resources: [jobs, cronjobs]
  verbs: ["*"]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: ["*"]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: ["*"]
- apiGroups: [networking.k8s.io]
  resources: [ingresses, networkpolicies]
  verbs: ["*"]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: ["*"]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [get, list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: tenant-$KUBE_USER
  namespace: $NAMESPACE
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: tenant
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: $KUBE_USER
EOF
}

quota_counted() {
    [[ -n $(kadmin -n "$NAMESPACE" get resourcequota "quota-$NAMESPACE" \
        -o 'jsonpath={.status.hard.pods}') ]]
}

prepare() {
    local manifest sum marker=$RUN_DIR/prepared.sha256
    manifest=$(namespace_manifest; nodes_manifest)
    sum=$(sha256sum <<<"$manifest" | cut -d' ' -f1)
    # Skip the apply (the slow part of a warm run) when nothing was restarted and this
    # exact manifest was applied before.
    if ((STARTED == 0)) && [[ -s $marker && $(<"$marker") == "$sum" ]]; then return; fi
    log "preparing namespace $NAMESPACE, storage and nodes"
    local v name
    for v in "${VOLUMES[@]}"; do
        read -r name _ <<<"$v"
        mkdir -p "$CLUSTER_DIR/volumes/$name"
    done
    kadmin apply -f - <<<"$manifest" >/dev/null
    node_status
    kadmin wait --for condition=Ready node --all --timeout 60s >/dev/null ||
        die "the fake nodes did not become Ready; see $LOG_DIR/kwok.log"
    # Pods are refused until the service-account controller made `default` and quota
    # admission refuses everything until the quota controller has counted the namespace.
    wait_until 60 kadmin -n "$NAMESPACE" get serviceaccount default ||
        die "no default service account in $NAMESPACE; see $LOG_DIR/kube-controller-manager.log"
    wait_until 60 quota_counted ||
        die "quota in $NAMESPACE not counted; see $LOG_DIR/kube-controller-manager.log"
    echo "$sum" >"$marker"
}

# ---- main -------------------------------------------------------------------------------
build kube "$KUBE_VERSION"
build etcd "$ETCD_VERSION"
build kwok "$KWOK_VERSION"
make_pki
make_kubeconfigs
start_etcd
start_apiserver
start_controller_manager
start_scheduler
start_kwok
prepare
log "cluster $KUBE_VERSION up at $APISERVER_URL; context $KUBE_CONTEXT -> $NAMESPACE"

printf 'export KUBECONFIG=%q\n' "$USER_KUBECONFIG" >&3
printf 'export GOSHIP_ADMIN_KUBECONFIG=%q\n' "$ADMIN_KUBECONFIG" >&3
