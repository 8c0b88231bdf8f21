#!/usr/bin/env bash
# Makes the Go builder base image that app/Dockerfile's build stage runs in (GO_IMAGE),
# without pulling anything, and pushes it to the local registry:
#
#   127.0.0.1:5000/goship/golang:<go version>      (linux/amd64 only)
#
# The build stage runs on $BUILDPLATFORM and cross-compiles, so amd64 is the only platform
# this machine needs; the runtime stage is FROM scratch, so there is no runtime base.
#
# Contents: the Go toolchain as the Go module proxy serves it (golang.org/toolchain, the
# same archive `GOTOOLCHAIN=goX.Y.Z` downloads, checked against the checksum database) in
# /usr/local/go, and Debian's busybox-static for sh, mkdir, touch -h -d @N and [.
#
# Needs tools/services/up.sh running. Prints only the image reference on stdout. Skips
# the build when the registry already holds an image made from the same inputs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../services/common.sh
source "$here/../services/common.sh"
exec 3>&1 1>&2

# The Go version is the one app/Dockerfile pins (ARG GO_IMAGE=golang:X.Y.Z-...), so the
# local image and the public one build with the same compiler.
dockerfile=$here/../../app/Dockerfile
GO_VERSION=${GO_VERSION:-$(sed -n 's/^ARG GO_IMAGE=golang:\([0-9.]*\).*/\1/p' "$dockerfile")}
[[ $GO_VERSION =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?$ ]] || die "no Go version in $dockerfile"
IMAGE=$REGISTRY_ADDR/goship/golang:$GO_VERSION

if ! registry_healthy || ! docker buildx inspect "$BUILDER_NAME" >/dev/null 2>&1; then
    die "the local services are not up: eval \"\$(tools/services/up.sh)\" first"
fi

# ---- inputs --------------------------------------------------------------------------
# busybox-static: a single static binary, so it runs in an image with no libc.
if [[ $(dpkg-query -W -f '${Status}' busybox-static 2>/dev/null) != *" installed" ]]; then
    log "installing busybox-static"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        busybox-static || { apt-get update -q &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            busybox-static; }
fi
busybox=/bin/busybox
busybox_version=$(dpkg-query -W -f '${Version}' busybox-static)

# GOTOOLCHAIN=local: this download must not itself trigger a toolchain switch. Run
# outside any module so no go.mod around us has a say.
toolchain=golang.org/toolchain@v0.0.1-go$GO_VERSION.linux-amd64
log "fetching $toolchain"
mod_json=$(cd / && GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "$toolchain") ||
    die "go mod download $toolchain failed: $mod_json"
json_field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p" <<<"$mod_json"; }
go_dir=$(json_field Dir)
go_sum=$(json_field Sum)
[[ -d $go_dir && -n $go_sum ]] || die "unexpected go mod download output: $mod_json"

# The inputs' identity: the toolchain's module hash, busybox's bytes and this script
# (which holds the image's Dockerfile). Same key, same image: the build is skipped.
key=$( {
    echo "$toolchain $go_sum"
    echo "busybox-static $busybox_version $(sha256sum <"$busybox")"
    sha256sum <"${BASH_SOURCE[0]}"
} | sha256sum | cut -c1-16)

# imagetools reads the config through the registry, with $DOCKER_CONFIG's credentials.
pushed_key=$(docker buildx imagetools inspect "$IMAGE" \
    --format '{{ index .Image.Config.Labels "dev.goship.inputs" }}' 2>/dev/null) || true
if [[ $pushed_key == "$key" ]]; then
    log "$IMAGE is up to date (inputs $key)"
    echo "$IMAGE" >&3
    exit 0
fi

# ---- rootfs --------------------------------------------------------------------------
# Assembled once per key under the cache, in a temp dir renamed into place when whole.
ctx=$GOSHIP_CACHE/base-images/golang-$GO_VERSION-$key
if [[ ! -d $ctx ]]; then
    log "assembling the rootfs in $ctx"
    mkdir -p "$GOSHIP_CACHE/base-images"
    tmp=$(mktemp -d "$ctx.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    root=$tmp/rootfs
    mkdir -p "$root"/{bin,etc,root,go/bin,go/src,usr/local}
    mkdir -m 1777 "$root/tmp" # go build keeps its work dir in $TMPDIR (/tmp)
    cp "$busybox" "$root/bin/busybox"
    for applet in $("$busybox" --list); do
        [[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
    done
    # root's home is where the Dockerfile's build-cache mount lives (/root/.cache).
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
        >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    cp -r "$go_dir" "$root/usr/local/go"
    # The module cache stores files read-only and without exec bits; the go command sets
    # them when it switches toolchains, so do the same for bin/ and pkg/tool/.
    chmod -R u+w "$root/usr/local/go"
    chmod 0755 "$root"/usr/local/go/bin/* "$root"/usr/local/go/pkg/tool/*/*
    "$root/usr/local/go/bin/go" version | grep -q "go$GO_VERSION " ||
        die "the toolchain in $root does not run as go$GO_VERSION"
    mv -T "$tmp" "$ctx"
    trap - EXIT
fi

# ---- image ---------------------------------------------------------------------------
# FROM scratch + COPY, built by the same builder as the app. SOURCE_DATE_EPOCH=0 and
# rewrite-timestamp make the digest a function of the inputs alone. No provenance: an
# attestation would turn the single manifest into an index for nothing.
log "building and pushing $IMAGE (inputs $key)"
docker buildx build --builder "$BUILDER_NAME" --platform linux/amd64 \
    --provenance=false --sbom=false --build-arg SOURCE_DATE_EPOCH=0 \
    --output "type=image,name=$IMAGE,push=true,rewrite-timestamp=true" \
    -f - "$ctx" <<EOF
FROM scratch
COPY rootfs/ /
ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    GOPATH=/go GOTOOLCHAIN=local
WORKDIR /go
LABEL org.opencontainers.image.title="goship Go builder" \\
      org.opencontainers.image.version="$GO_VERSION" \\
      org.opencontainers.image.description="Go $GO_VERSION, busybox $busybox_version" \\
      dev.goship.inputs="$key"
CMD ["/bin/sh"]
EOF
echo "$IMAGE" >&3
