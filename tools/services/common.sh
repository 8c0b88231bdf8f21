# shellcheck shell=bash disable=SC2034 # (variables used by the scripts that source this)
# Sourced by up.sh, down.sh and registry.sh: the one place that names paths, versions,
# credentials and how each service is started, probed and stopped.
#
# Everything listens on 127.0.0.1 or on a unix socket under GOSHIP_STATE; nothing here
# opens a port on another address.

GOSHIP_CACHE=${GOSHIP_CACHE:-$HOME/.cache/goship}
GOSHIP_STATE=${GOSHIP_STATE:-/tmp/goship-services}
SERVICES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The local stack's throwaway credentials (Pulumi.local.yaml); they guard nothing else.
REGISTRY_ADDR=127.0.0.1:5000
REGISTRY_USER=goship
REGISTRY_PASSWORD=goship-local
BUILDER_NAME=goship

# buildx: the release that pulumi-docker-build v0.0.22 embeds, so the CLI and the Pulumi
# provider drive the builder the same way.
BUILDX_VERSION=v0.35.0
# buildkitd: the version pinned in buildkitd/go.mod (one source of truth).
BUILDKIT_VERSION=$(awk '$1 == "require" && $2 == "github.com/moby/buildkit" {print $3}' \
    "$SERVICES_DIR/buildkitd/go.mod")

RUN_DIR=$GOSHIP_STATE/run
LOG_DIR=$GOSHIP_STATE/logs
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/daemon.sh"
DOCKER_SOCK=$GOSHIP_STATE/docker.sock
BUILDKIT_SOCK=$GOSHIP_STATE/buildkitd.sock
BUILDKITD_BIN=$GOSHIP_CACHE/tools/buildkitd-$BUILDKIT_VERSION/buildkitd
BUILDX_BIN=$GOSHIP_CACHE/tools/buildx-$BUILDX_VERSION/docker-buildx

# Every docker/buildx call below talks to our daemon and reads our config dir, never the
# user's ~/.docker; up.sh prints the same two variables for the caller.
export DOCKER_HOST=unix://$DOCKER_SOCK
export DOCKER_CONFIG=$GOSHIP_STATE/docker-config
# runc, dockerd and docker-registry live in sbin, which a non-login PATH may lack.
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

log() { printf '[goship-services] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# take_lock: one up.sh, down.sh or registry.sh at a time per GOSHIP_STATE (held until the
# script exits; spawn closes the descriptor, so daemons do not inherit the lock).
take_lock() {
    mkdir -p "$GOSHIP_STATE"
    exec 9>"$GOSHIP_STATE/.lock"
    flock 9
}

# ---- dockerd -------------------------------------------------------------------------
dockerd_healthy() { curl -sf --max-time 2 --unix-socket "$DOCKER_SOCK" http://d/_ping; }

dockerd_start() {
    if dockerd_healthy >/dev/null 2>&1; then log "dockerd already up"; return; fi
    stop dockerd dockerd # a live but unresponsive daemon would hold the pidfile
    # A killed dockerd leaves its pidfile, and its containerd's, behind. dockerd refuses
    # to start while the first names a process that exists, and waits for the containerd
    # the second names; both count zombies as running, so drop files of dead processes.
    local file
    for file in "$GOSHIP_STATE/docker/dockerd.pid" \
        "$GOSHIP_STATE/docker/exec/containerd/containerd.pid"; do
        if [[ -s $file ]] && ! alive "$(<"$file")"; then rm -f "$file"; fi
    done
    log "starting dockerd"
    # --iptables=false --bridge=none: Docker touches no netfilter rules and makes no
    # docker0 bridge (a loopback-only stack needs neither); containers use --network host.
    # --storage-driver=vfs works on any filesystem. Own data/exec roots and socket, so a
    # system Docker is never touched; dockerd starts its own containerd under exec/.
    # dockerd writes its own pidfile (it refuses one that names a live process, so it
    # cannot share run/dockerd.pid, which spawn writes).
    # An empty --config-file: a system /etc/docker/daemon.json must not add to (or clash
    # with) these flags.
    mkdir -p "$GOSHIP_STATE/docker"
    echo '{}' >"$GOSHIP_STATE/docker/daemon.json"
    spawn dockerd dockerd --config-file "$GOSHIP_STATE/docker/daemon.json" \
        --iptables=false --bridge=none --storage-driver=vfs \
        --host "unix://$DOCKER_SOCK" --data-root "$GOSHIP_STATE/docker/data" \
        --exec-root "$GOSHIP_STATE/docker/exec" --pidfile "$GOSHIP_STATE/docker/dockerd.pid"
    wait_until 60 dockerd_healthy ||
        die "dockerd did not answer in 60 s; see $LOG_DIR/dockerd.log"
}

dockerd_stop() { stop dockerd dockerd; }

# ---- registry ------------------------------------------------------------------------
# Up means: it answers /v2/ and asks for credentials (401), i.e. auth is on.
registry_healthy() {
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$REGISTRY_ADDR/v2/") \
        == 401 ]]
}

registry_start() {
    if registry_healthy; then log "registry already up on $REGISTRY_ADDR"; return; fi
    stop registry docker-registry
    local dir=$GOSHIP_STATE/registry
    mkdir -p "$dir/data"
    # distribution's htpasswd backend accepts bcrypt entries only (htpasswd -B).
    if ! htpasswd -vb "$dir/htpasswd" "$REGISTRY_USER" "$REGISTRY_PASSWORD" >/dev/null 2>&1
    then
        htpasswd -cbB "$dir/htpasswd" "$REGISTRY_USER" "$REGISTRY_PASSWORD" 2>/dev/null
    fi
    cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: goship-local
    path: $dir/htpasswd
EOF
    log "starting registry on $REGISTRY_ADDR"
    spawn registry docker-registry serve "$dir/config.yml"
    wait_until 30 registry_healthy ||
        die "registry did not answer in 30 s; see $LOG_DIR/registry.log"
}

registry_stop() { stop registry docker-registry; }

# ---- buildkitd -----------------------------------------------------------------------
buildkitd_healthy() {
    pid_of buildkitd buildkitd >/dev/null && [[ -S $BUILDKIT_SOCK ]] &&
        docker buildx inspect "$BUILDER_NAME" 2>/dev/null | grep -q '^Status: *running'
}

buildkitd_start() {
    if pid_of buildkitd buildkitd >/dev/null && [[ -S $BUILDKIT_SOCK ]]; then
        log "buildkitd already up"
        return
    fi
    stop buildkitd buildkitd
    local dir=$GOSHIP_STATE/buildkit runc
    runc=$(command -v runc) || die "runc not found"
    mkdir -p "$dir"
    # OCI worker with Debian's runc (no containerd needed). Snapshotter auto: overlayfs
    # where the kernel and filesystem allow it, else native (plain copies).
    # networkMode host: there is no CNI here, so RUN steps share the host's network.
    # GC bounds are explicit: the defaults scale with the disk and, on a disk with little
    # free space, would prune the Go build cache after every build.
    # The local registry is plain HTTP on loopback, hence http = true.
    cat >"$dir/buildkitd.toml" <<EOF
root = "$dir/root"

[grpc]
  address = ["unix://$BUILDKIT_SOCK"]

[worker.oci]
  enabled = true
  binary = "$runc"
  snapshotter = "auto"
  networkMode = "host"
  gc = true
  reservedSpace = "2GB"
  maxUsedSpace = "20GB"
  minFreeSpace = "5GB"

[worker.containerd]
  enabled = false

[registry."$REGISTRY_ADDR"]
  http = true
EOF
    rm -f "$BUILDKIT_SOCK"
    log "starting buildkitd $BUILDKIT_VERSION"
    spawn buildkitd "$BUILDKITD_BIN" --config "$dir/buildkitd.toml"
    wait_until 60 test -S "$BUILDKIT_SOCK" ||
        die "buildkitd made no socket in 60 s; see $LOG_DIR/buildkitd.log"
}

buildkitd_stop() { stop buildkitd buildkitd; }
