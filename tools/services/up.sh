#!/usr/bin/env bash
# Starts the local stand-ins for the `local` stack's image half on this machine: dockerd,
# an authenticated registry on 127.0.0.1:5000 and a BuildKit daemon behind a buildx
# builder named goship. Idempotent: installs, builds and starts only what is missing.
#
#   eval "$(tools/services/up.sh)"
#
# stdout carries only `export` lines for the caller; every log line goes to stderr.
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Keep stdout for the exports: everything run from here on writes to stderr.
exec 3>&1 1>&2
# Unix socket paths are limited to 107 bytes; the longest one here is containerd's,
# $GOSHIP_STATE/docker/exec/containerd/containerd.sock.ttrpc.
((${#GOSHIP_STATE} <= 60)) || die "GOSHIP_STATE is too long for socket paths (over 60)"
take_lock

# ---- packages ------------------------------------------------------------------------
# Debian's packages, each only if its program is missing. docker.io brings containerd
# and runc; apache2-utils brings htpasswd, which writes the bcrypt entries the registry
# needs.
install_packages() {
    local -A want=([dockerd]=docker.io [docker-registry]=docker-registry [runc]=runc
        [htpasswd]=apache2-utils [curl]=curl)
    local missing=() prog
    for prog in "${!want[@]}"; do
        command -v "$prog" >/dev/null || missing+=("${want[$prog]}")
    done
    ((${#missing[@]})) || return 0
    log "installing ${missing[*]}"
    # With no policy-rc.d, installing docker.io would also start a system dockerd (default
    # flags, /var/run/docker.sock); deny service starts during the install, then allow.
    local policy=/usr/sbin/policy-rc.d own_policy=
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
    fi
    local apt=(apt-get install -y -q --no-install-recommends "${missing[@]}")
    # An old package list fails the install; refresh it once and retry.
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" ||
        { apt-get update -q && DEBIAN_FRONTEND=noninteractive "${apt[@]}"; }
    [[ -z $own_policy ]] || rm -f "$policy"
}

# ---- Go-built tools ------------------------------------------------------------------
# build_tool NAME VERSION BINARY: build into a temp dir beside the final one, then rename
# it, so an interrupted build never leaves a half-written tool that later runs trust.
build_tool() {
    local name=$1 version=$2 final=$GOSHIP_CACHE/tools/$1-$2
    [[ -x $final/${3##*/} ]] && return 0
    command -v go >/dev/null || die "go is needed to build $name"
    mkdir -p "$GOSHIP_CACHE/tools"
    # Leftovers of an interrupted build (we hold the lock, so none is in progress).
    rm -rf "$GOSHIP_CACHE/tools/.$name-$version."*
    local tmp
    tmp=$(mktemp -d "$GOSHIP_CACHE/tools/.$name-$version.XXXXXX")
    log "building $name $version (a few minutes on 2 cores)"
    # GOTOOLCHAIN=local: never download another Go. -trimpath and -s -w: smaller binaries
    # that do not depend on where the module cache is.
    case $name in
        buildkitd)
            (cd "$SERVICES_DIR/buildkitd" && GOTOOLCHAIN=local \
                GOFLAGS="-mod=readonly -buildvcs=false" \
                go build -trimpath -o "$tmp/buildkitd" -ldflags "-s -w \
                -X github.com/moby/buildkit/version.Version=$version" \
                github.com/moby/buildkit/cmd/buildkitd) ;;
        buildx)
            # buildx's go.mod has no replace or exclude, so go install can take it whole.
            GOBIN=$tmp GOTOOLCHAIN=local go install -trimpath -ldflags "-s -w \
                -X github.com/docker/buildx/version.Version=$version" \
                "github.com/docker/buildx/cmd/buildx@$version"
            mv "$tmp/buildx" "$tmp/docker-buildx" ;;
    esac || { rm -rf "$tmp"; die "building $name failed"; }
    # Another run may have finished first; its copy is as good as ours.
    mv -T "$tmp" "$final" 2>/dev/null || rm -rf "$tmp"
}

# ---- the buildx builder and registry login -------------------------------------------
setup_docker_config() {
    mkdir -p "$DOCKER_CONFIG/cli-plugins"
    ln -sfn "$BUILDX_BIN" "$DOCKER_CONFIG/cli-plugins/docker-buildx"
    # The remote driver only points buildx at buildkitd's socket; re-create the builder
    # when it is missing or points elsewhere (GOSHIP_STATE moved).
    local endpoint
    endpoint=$(docker buildx inspect "$BUILDER_NAME" 2>/dev/null |
        awk '$1 == "Endpoint:" {print $2; exit}') || true
    if [[ $endpoint != "unix://$BUILDKIT_SOCK" ]]; then
        [[ -z $endpoint ]] || docker buildx rm "$BUILDER_NAME" >/dev/null 2>&1 || true
        log "creating buildx builder $BUILDER_NAME -> unix://$BUILDKIT_SOCK"
        docker buildx create --name "$BUILDER_NAME" --driver remote --use \
            "unix://$BUILDKIT_SOCK" >/dev/null
    fi
    # Stores the credentials in $DOCKER_CONFIG/config.json, where buildx (and the Pulumi
    # provider's embedded buildx) find them; it also proves the password works.
    printf '%s' "$REGISTRY_PASSWORD" |
        docker login -u "$REGISTRY_USER" --password-stdin "$REGISTRY_ADDR" >/dev/null 2>&1 ||
        die "docker login $REGISTRY_ADDR failed; see $LOG_DIR/registry.log"
}

install_packages
build_tool buildkitd "$BUILDKIT_VERSION" "$BUILDKITD_BIN"
build_tool buildx "$BUILDX_VERSION" "$BUILDX_BIN"
dockerd_start
registry_start
buildkitd_start
setup_docker_config
if ! wait_until 30 docker buildx inspect --bootstrap "$BUILDER_NAME"; then
    # A buildkitd that holds its socket but does not answer: restart it once.
    log "buildkitd does not answer; restarting it"
    buildkitd_stop
    buildkitd_start
    wait_until 60 docker buildx inspect --bootstrap "$BUILDER_NAME" ||
        die "builder $BUILDER_NAME does not answer; see $LOG_DIR/buildkitd.log"
fi
log "ready: dockerd, registry $REGISTRY_ADDR, builder $BUILDER_NAME (logs: $LOG_DIR)"

printf 'export %s=%q\n' >&3 \
    DOCKER_HOST "$DOCKER_HOST" \
    DOCKER_CONFIG "$DOCKER_CONFIG" \
    BUILDX_BUILDER "$BUILDER_NAME" \
    GOSHIP_REGISTRY "$REGISTRY_ADDR"
