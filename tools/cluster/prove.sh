#!/usr/bin/env bash
# Proves that the cluster up.sh started behaves like a Sealos tenant namespace, acting as
# the restricted user (the kubeconfig Pulumi gets) wherever a tenant would:
#   - the user can work in ns-local and nowhere else, and cannot create namespaces;
#   - a Deployment (1 replica, Recreate) with a ReadWriteOnce claim and a Service rolls out:
#     the claim binds to a pre-made volume, the pod lands on a KWOK node and turns Ready;
#   - quota admission refuses pods (and claims) beyond the namespace's budget;
#   - Pod Security (restricted) refuses a privileged pod;
#   - a deleted claim leaves its volume and data behind (reclaim policy Retain).
# Prints each command and its output; ends with `N passed, M failed`; exits non-zero on a
# failure. Cleans up after itself (and returns the volumes it used to the pool).
#
#   tools/cluster/up.sh >/dev/null && tools/cluster/prove.sh
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[[ -s $USER_KUBECONFIG ]] || die "no $USER_KUBECONFIG: run tools/cluster/up.sh first"
export KUBECONFIG=$USER_KUBECONFIG
passed=0 failed=0

# show COMMAND...: print the command as typed, run it, print its output and status.
show() {
    printf '\n$ %s\n' "$*"
    local rc=0
    out=$("$@" 2>&1) || rc=$?
    [[ -z $out ]] || printf '%s\n' "$out"
    [[ $rc == 0 ]] || printf '(exit %s)\n' "$rc"
    return "$rc"
}
ok() { passed=$((passed + 1)); printf 'PASS: %s\n' "$1"; }
bad() { failed=$((failed + 1)); printf 'FAIL: %s\n' "$1"; }
# expect_ok WHAT COMMAND...; expect_refused WHAT PATTERN COMMAND...: the command
# succeeds; the command fails and its output matches PATTERN (grep -E).
expect_ok() { local what=$1; shift; if show "$@"; then ok "$what"; else bad "$what"; fi; }
expect_refused() {
    local what=$1 pattern=$2
    shift 2
    if show "$@"; then bad "$what (it was allowed)"
    elif grep -qE "$pattern" <<<"$out"; then ok "$what"
    else bad "$what (refused for another reason)"; fi
}
# can_i ANSWER VERB RESOURCE [FLAGS]: `kubectl auth can-i` answers ANSWER (yes/no).
can_i() {
    local want=$1
    shift
    # stdout only: kubectl warns on stderr that cluster-scoped resources have no namespace.
    printf '\n$ kubectl auth can-i %s\n' "$*"
    out=$(kubectl auth can-i "$@" 2>/dev/null) || true
    printf '%s\n' "$out"
    if [[ $out == "$want" ]]; then ok "can-i $* = $want"; else bad "can-i $* = $out"; fi
}

# A pod spec that meets the restricted standard; $1 = CPU limit.
pod_spec() {
    cat <<EOF
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: app
        image: 127.0.0.1:5000/goship/goship-app:proof
        ports: [{name: http, containerPort: 8080}]
        resources:
          requests: {cpu: 20m, memory: 32Mi}
          limits: {cpu: $1, memory: 64Mi}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
EOF
}

deployment() { # NAME CPU-LIMIT [CLAIM]
    cat <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1, namespace: $NAMESPACE, labels: {app: $1}}
spec:
  replicas: 1
  strategy: {type: Recreate}
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec:
$(pod_spec "$2")
EOF
    [[ -z ${3:-} ]] || cat <<EOF
        volumeMounts: [{name: db, mountPath: /app/db}]
      volumes: [{name: db, persistentVolumeClaim: {claimName: $3}}]
EOF
}

pod() { # NAME CPU-LIMIT: the same pod, bare
    printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: %s}\nspec:\n' \
        "$1" "$NAMESPACE"
    pod_spec "$2" | sed 's/^    //'
}

claim() { # NAME
    cat <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $1, namespace: $NAMESPACE, labels: {goship-proof: "true"}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
EOF
}

cleanup() {
    kuser -n "$NAMESPACE" delete deployment proof-app proof-greedy --ignore-not-found \
        --wait >/dev/null 2>&1 || true
    kuser -n "$NAMESPACE" delete pod proof-greedy-pod proof-privileged --ignore-not-found \
        >/dev/null 2>&1 || true
    kuser -n "$NAMESPACE" delete service proof-app --ignore-not-found >/dev/null 2>&1 || true
    kuser -n "$NAMESPACE" delete pvc -l goship-proof=true --ignore-not-found --wait \
        --timeout 60s >/dev/null 2>&1 || true
    # Retain left the volumes these claims had as Released; return them to the pool,
    # emptied (only volumes whose claim was one of ours: the app's data is never touched).
    local pv claim
    while read -r pv claim; do
        [[ $claim == "$NAMESPACE/proof-"* ]] || continue
        kadmin patch pv "$pv" --type json -p '[{"op": "remove", "path": "/spec/claimRef"}]' \
            >/dev/null 2>&1 || true
        rm -rf "${CLUSTER_DIR:?}/volumes/${pv#goship-local-}/"*
    done < <(kadmin get pv -o jsonpath='{range .items[*]}{.metadata.name} '\
'{.spec.claimRef.namespace}/{.spec.claimRef.name}{"\n"}{end}')
}
trap cleanup EXIT
cleanup

echo "== who may do what (as user $KUBE_USER, context $KUBE_CONTEXT)"
show kubectl config current-context || true
can_i yes create deployments.apps -n "$NAMESPACE"
can_i yes create persistentvolumeclaims -n "$NAMESPACE"
can_i no create namespaces
can_i no create persistentvolumes
can_i no create storageclasses.storage.k8s.io
can_i no create clusterrolebindings.rbac.authorization.k8s.io
can_i no update resourcequotas -n "$NAMESPACE"
can_i no create deployments.apps -n default
expect_refused "create namespace x is forbidden" 'Forbidden|forbidden' \
    kubectl create namespace x

echo
echo "== a Deployment with a claim and a Service rolls out"
manifest=$(claim proof-app-db; echo ---; deployment proof-app 100m proof-app-db; cat <<EOF
---
apiVersion: v1
kind: Service
metadata: {name: proof-app, namespace: $NAMESPACE}
spec:
  type: ClusterIP
  selector: {app: proof-app}
  ports: [{name: http, port: 80, targetPort: http}]
EOF
)
expect_ok "apply Deployment + PVC + Service" kubectl -n "$NAMESPACE" apply -f - <<<"$manifest"
expect_ok "claim binds" kubectl -n "$NAMESPACE" wait --for jsonpath='{.status.phase}'=Bound \
    pvc/proof-app-db --timeout 60s
expect_ok "rollout completes" kubectl -n "$NAMESPACE" rollout status deployment/proof-app \
    --timeout 120s
expect_ok "pod is Ready" kubectl -n "$NAMESPACE" wait --for condition=Ready pod \
    -l app=proof-app --timeout 60s
show kubectl -n "$NAMESPACE" get pvc,pod,svc -o wide || true
node=$(kubectl -n "$NAMESPACE" get pod -l app=proof-app -o 'jsonpath={.items[0].spec.nodeName}')
if kadmin get node "$node" -o 'jsonpath={.metadata.annotations}' | grep -q kwok.x-k8s.io/node
then ok "pod runs on KWOK node $node"; else bad "pod is on '$node', not a KWOK node"; fi
show kubectl -n "$NAMESPACE" get resourcequota "quota-$NAMESPACE" || true

echo
echo "== admission refuses what is over quota"
# limits.cpu: the proof pod holds 100m of 1; another 1000m cannot fit.
expect_refused "pod over limits.cpu quota refused" 'exceeded quota' \
    kubectl -n "$NAMESPACE" apply -f - <<<"$(pod proof-greedy-pod 1)"
# A Deployment is not itself counted against limits.cpu: it is stored, and quota
# admission then refuses each pod its ReplicaSet tries to create.
expect_ok "over-quota Deployment is stored" kubectl -n "$NAMESPACE" apply -f - \
    <<<"$(deployment proof-greedy 1)"
if wait_until 30 eval "kubectl -n $NAMESPACE get events --field-selector reason=FailedCreate \
    -o jsonpath='{.items[*].message}' | grep -q 'exceeded quota'"; then
    ok "its pods are refused by quota admission"
else bad "no FailedCreate/exceeded quota event"; fi
show kubectl -n "$NAMESPACE" get events --field-selector reason=FailedCreate \
    -o 'jsonpath={.items[-1:].involvedObject.name}: {.items[-1:].message}' || true
expect_refused "over-quota Deployment never becomes available" 'timed out|exceeded' \
    kubectl -n "$NAMESPACE" rollout status deployment/proof-greedy --timeout 10s
show kubectl -n "$NAMESPACE" delete deployment proof-greedy || true
# persistentvolumeclaims: fill what is left of the count (others may use the cluster
# too, e.g. the app's own claim), then one more must be refused.
count() {
    kubectl -n "$NAMESPACE" get resourcequota "quota-$NAMESPACE" \
        -o "jsonpath={.status.$1.persistentvolumeclaims}"
}
for ((i = 1; i <= $(count hard) - $(count used); i++)); do
    expect_ok "claim $i within the count allowed" kubectl -n "$NAMESPACE" apply -f - \
        <<<"$(claim "proof-extra-$i")"
done
expect_refused "claim over the claim-count quota refused" 'exceeded quota' \
    kubectl -n "$NAMESPACE" apply -f - <<<"$(claim proof-extra-over)"

echo
echo "== Pod Security (restricted) refuses a privileged pod"
expect_refused "privileged pod refused" 'violates PodSecurity "restricted' \
    kubectl -n "$NAMESPACE" apply -f - <<EOF
apiVersion: v1
kind: Pod
metadata: {name: proof-privileged, namespace: $NAMESPACE}
spec:
  containers:
  - name: app
    image: 127.0.0.1:5000/goship/goship-app:proof
    resources: {limits: {cpu: 100m, memory: 64Mi}}
    securityContext: {privileged: true}
EOF

echo
echo "== a deleted claim leaves its volume and data (Retain)"
pv=$(kubectl -n "$NAMESPACE" get pvc proof-app-db -o 'jsonpath={.spec.volumeName}')
dir=$CLUSTER_DIR/volumes/${pv#goship-local-}
echo "proof data" >"$dir/marker" # stands in for the app's SQLite file
show kubectl -n "$NAMESPACE" delete deployment proof-app --wait || true
expect_ok "claim deleted" kubectl -n "$NAMESPACE" delete pvc proof-app-db --wait \
    --timeout 60s
if wait_until 30 eval "[[ \$(kadmin get pv $pv -o 'jsonpath={.status.phase}') == Released ]]" &&
    [[ -s $dir/marker ]]; then
    ok "volume $pv is Released, its data kept"
else bad "volume $pv or its data is gone"; fi
show kubectl --kubeconfig "$ADMIN_KUBECONFIG" get pv "$pv" || true

printf '\n%s passed, %s failed\n' "$passed" "$failed"
((failed == 0))
