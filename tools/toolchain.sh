#!/usr/bin/env bash
# Offline Pulumi toolchain for goship.
#
# No package registry we can reach ships the Pulumi CLI or its provider plugins, but the Go
# module proxy serves (most of) their sources. This script builds from those sources exactly
# the versions that the installed Python SDKs ask for, caches the binaries outside the repo
# (keyed by version) and installs the plugins into a private PULUMI_HOME.
#
# Usage:
#   eval "$(tools/toolchain.sh env [PYTHON])"
#
# `env` builds whatever is missing from the cache, then prints only `export` lines on stdout;
# all progress goes to stderr. PYTHON (default .venv/bin/python, looked up in the current
# directory, then the repo root) is the interpreter whose site-packages hold the Pulumi SDKs:
# the CLI version is the `pulumi` package's version, and each provider package's
# pulumi-plugin.json names the plugin version to build, so bumping a pin in requirements.txt
# bumps the matching binary.
#
# Cache: ${GOSHIP_CACHE:-$HOME/.cache/goship}/toolchain/<component>-v<version>/..., written to
# a temp dir first and renamed into place, so an interrupted build never leaves a half entry.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TPL=$REPO/tools/toolchain
CACHE=${GOSHIP_CACHE:-$HOME/.cache/goship}
TC=$CACHE/toolchain
HOME_DIR=$CACHE/pulumi-home

# Bridge release used for the GitHub provider (the newest one the proxy serves that builds).
GITHUB_BRIDGE=v3.120.0

log() { printf 'toolchain: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
    echo "usage: $0 env [PYTHON]" >&2
    exit 2
}

# --- version tables ------------------------------------------------------------------------
# Untagged provider modules are only served at particular pseudo-versions, so map each plugin
# version we support to the module version that builds it. Add a row when bumping an SDK pin.

# pulumi-kubernetes' provider/v4 module has no tags; this is the v4.25.0 release commit.
kubernetes_module_version() {
    case $1 in
        4.25.0) echo v4.0.0-20260115033456-f47bc2d6f199 ;;
        *) return 1 ;;
    esac
}

# LIMITATION: the proxy serves neither pulumi-github's provider nor the upstream Python
# language host, so both are goship's own (the bridge below, tools/toolchain/pyhost).
# pulumi-github's own provider module is not served at all; we bridge the Terraform provider
# it wraps (integrations/terraform-provider-github/v6; of the recent releases the proxy serves
# v6.11.1 and v6.13.0). v6.13.0 has every resource the pulumi-github 6.15.0 SDK declares.
github_upstream_version() {
    case $1 in
        6.13.* | 6.14.* | 6.15.*) echo v6.13.0 ;;
        *) return 1 ;;
    esac
}

# --- helpers -------------------------------------------------------------------------------

# Every go command: static binaries, no workspace files, no surprise toolchain downloads.
export CGO_ENABLED=0 GOWORK=off
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}

TMPDIRS=()
cleanup() { ((${#TMPDIRS[@]})) && rm -rf "${TMPDIRS[@]}"; return 0; }
trap cleanup EXIT

# new_tmp NAME: set $tmp to a scratch dir inside the cache (same filesystem, so the final mv
# is atomic); removed on exit whatever happens.
new_tmp() {
    tmp=$(mktemp -d "$TC/.tmp-$1.XXXXXX")
    TMPDIRS+=("$tmp")
}

# publish TMP/out NAME: atomically move a finished build into the cache. If a concurrent run
# got there first, keep theirs.
publish() {
    mv -T "$1" "$TC/$2" 2>/dev/null || [[ -d $TC/$2 ]] || die "could not publish $TC/$2"
}

# relink LINK TARGET: replace a symlink atomically.
relink() {
    ln -sfn "$2" "$1.tmp.$$"
    mv -Tf "$1.tmp.$$" "$1"
}

# src_hash DIR: short content hash, so cache entries built from our own Go code are rebuilt
# when that code changes (the version alone would not notice).
src_hash() {
    (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
        sha256sum | cut -c1-12
}

# render TEMPLATE KEY=VALUE...: substitute @KEY@ placeholders.
render() {
    local tmpl=$1 kv expr=()
    shift
    for kv in "$@"; do expr+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
    sed "${expr[@]}" "$tmpl"
}

# mod_field MODULE@VERSION FIELD: download a module and print a field of `go mod download -json`.
mod_field() {
    go mod download -json "$1" | "$PY" -c \
        'import json,sys; d=json.load(sys.stdin); sys.exit(d.get("Error")) if d.get("Error") \
else print(d[sys.argv[1]])' "$2"
}

# copy_replaces MODULE@VERSION: repeat that module's version-pinning replace directives
# (those that point at another module version, not at a relative path) in the current module.
# Replace directives only apply in the main module, so a wrapper must restate them.
copy_replaces() {
    local gomod args
    gomod=$(mod_field "$1" GoMod)
    mapfile -t args < <(go mod edit -json "$gomod" | "$PY" -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    old, new = r["Old"], r["New"]
    if not new.get("Version"):
        continue  # local path replacement: meaningless outside its repository
    o = old["Path"] + ("@" + old["Version"] if old.get("Version") else "")
    print("-replace=%s=%s@%s" % (o, new["Path"], new["Version"]))')
    if ((${#args[@]})); then go mod edit "${args[@]}"; fi
}

# gobuild OUT PKG LDFLAGS: the one build invocation everything uses.
gobuild() {
    go build -trimpath -ldflags "-s -w $3" -o "$1" "$2"
}

need_go() {
    command -v go >/dev/null || die "go is required to build the Pulumi toolchain"
}

timed() {
    local name=$1 start=$SECONDS
    shift
    log "building $name"
    "$@"
    log "built $name in $((SECONDS - start))s"
}

# --- component builds ----------------------------------------------------------------------

build_cli() { # VERSION -> $TC/pulumi-vVERSION/bin/pulumi
    local v=$1 tmp src
    new_tmp cli
    src=$tmp/src
    mkdir -p "$src" "$tmp/out/bin"
    render "$TPL/cli/go.mod.tmpl" "VERSION=v$v" >"$src/go.mod"
    cp "$TPL/cli/tools.go" "$src/"
    (
        cd "$src"
        copy_replaces "github.com/pulumi/pulumi/pkg/v3@v$v"
        go mod tidy
        gobuild "$tmp/out/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
            "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$v"
    ) >&2
    publish "$tmp/out" "pulumi-v$v"
}

build_pyhost() { # VERSION NAME -> $TC/NAME/{pulumi-language-python,-exec}
    local v=$1 name=$2 tmp src sdkdir
    new_tmp pyhost
    src=$tmp/src
    mkdir -p "$src" "$tmp/out"
    render "$TPL/pyhost/go.mod.tmpl" "VERSION=v$v" >"$src/go.mod"
    cp "$TPL/pyhost/main.go" "$src/"
    (
        cd "$src"
        go mod tidy
        gobuild "$tmp/out/pulumi-language-python" . "-X main.version=$v"
        # The exec script is the Python half of the host; it ships in the sdk module.
        sdkdir=$(mod_field "github.com/pulumi/pulumi/sdk/v3@v$v" Dir)
        install -m 755 "$sdkdir/python/cmd/pulumi-language-python-exec" "$tmp/out/"
    ) >&2
    publish "$tmp/out" "$name"
}

build_docker_build() { # VERSION -> $TC/docker-build-vVERSION/pulumi-resource-docker-build
    local v=$1 tmp src
    new_tmp docker-build
    src=$tmp/src
    mkdir -p "$src" "$tmp/out"
    render "$TPL/docker-build/go.mod.tmpl" "MODVERSION=v$v" \
        "STUBS=$TPL/docker-build/stubs" >"$src/go.mod"
    cp "$TPL/docker-build/tools.go" "$src/"
    (
        cd "$src"
        copy_replaces "github.com/pulumi/pulumi-docker-build@v$v"
        go mod tidy
        gobuild "$tmp/out/pulumi-resource-docker-build" \
            github.com/pulumi/pulumi-docker-build/provider/cmd/pulumi-resource-docker-build \
            "-X github.com/pulumi/pulumi-docker-build/provider.Version=$v"
    ) >&2
    publish "$tmp/out" "docker-build-v$v"
}

build_kubernetes() { # VERSION -> $TC/kubernetes-vVERSION/pulumi-resource-kubernetes
    local v=$1 modv tmp src moddir
    modv=$(kubernetes_module_version "$v") ||
        die "no served provider module known for kubernetes $v: add it to kubernetes_module_version"
    new_tmp kubernetes
    src=$tmp/src
    mkdir -p "$src" "$tmp/out"
    render "$TPL/kubernetes/go.mod.tmpl" "MODVERSION=$modv" "VERSION=$v" >"$src/go.mod"
    cp "$TPL/kubernetes/main.go" "$src/"
    (
        cd "$src"
        moddir=$(mod_field "github.com/pulumi/pulumi-kubernetes/provider/v4@$modv" Dir)
        # Upstream's `go generate` step: stamp the version into the committed schema and
        # compact both embedded JSON files.
        "$PY" - "$moddir/cmd/pulumi-resource-kubernetes" "$v" <<'EOF'
import json, sys
src, version = sys.argv[1], sys.argv[2]
with open(src + "/schema.json") as f:
    schema = json.load(f)
schema["version"] = version
with open("schema-embed.json", "w") as f:
    json.dump(schema, f, separators=(",", ":"))
with open(src + "/terraform-mapping.json") as f:
    mapping = json.load(f)
with open("terraform-mapping-embed.json", "w") as f:
    json.dump(mapping, f, separators=(",", ":"))
EOF
        copy_replaces "github.com/pulumi/pulumi-kubernetes/provider/v4@$modv"
        go mod tidy
        gobuild "$tmp/out/pulumi-resource-kubernetes" . \
            "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$v"
    ) >&2
    publish "$tmp/out" "kubernetes-v$v"
}

build_github() { # VERSION NAME -> $TC/NAME/pulumi-resource-github
    local v=$1 name=$2 up tmp src updir flags
    up=$(github_upstream_version "$v") ||
        die "no served upstream known for github $v: add it to github_upstream_version"
    new_tmp github
    src=$tmp/src
    mkdir -p "$src" "$tmp/out"
    render "$TPL/github/go.mod.tmpl" "UPSTREAM=$up" "BRIDGE=$GITHUB_BRIDGE" >"$src/go.mod"
    cp "$TPL/github/main.go" "$src/"
    echo '{}' >"$src/schema.json" # placeholder for the first (schema-generating) build
    (
        cd "$src"
        copy_replaces "github.com/pulumi/pulumi-terraform-bridge/v3@$GITHUB_BRIDGE"
        go mod tidy
        updir=$(mod_field "github.com/integrations/terraform-provider-github/v6@$up" Dir)
        flags="-X main.version=$v -X main.upstreamVersion=${up#v}"
        # Two builds: the first generates the schema, the second embeds it (mostly cached).
        gobuild "$tmp/gen" . "$flags -X main.upstreamDir=$updir"
        # The generator is chatty about upstream doc quirks; only show it when it fails.
        if ! "$tmp/gen" -goship-gen-schema "$src/schema.json" >"$tmp/gen.log" 2>&1; then
            tail -n 40 "$tmp/gen.log"
            die "generating the github provider schema failed"
        fi
        gobuild "$tmp/out/pulumi-resource-github" . "$flags"
    ) >&2
    publish "$tmp/out" "$name"
}

# --- plugin bookkeeping --------------------------------------------------------------------

# plugin_versions PULUMI: "name version" for each installed resource plugin.
plugin_versions() {
    "$1" plugin ls --json 2>/dev/null | "$PY" -c '
import json, sys
for p in json.load(sys.stdin) or []:
    if p.get("kind") == "resource":
        print(p["name"], p["version"])'
}

# --- main ----------------------------------------------------------------------------------

[[ ${1:-} == env ]] || usage
PY=${2:-.venv/bin/python}
if [[ $PY != /* && ! -e $PY && -e $REPO/$PY ]]; then PY=$REPO/$PY; fi
# Absolute (builds run in other directories), but not symlink-resolved: a venv's python is a
# symlink whose location is what selects the venv.
[[ $PY == /* || ! -e $PY ]] || PY=$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")
[[ -x $PY ]] ||
    die "no Python at '$PY' (python3 -m venv .venv && .venv/bin/pip install -r requirements.txt)"

# What the SDKs want: "cli VERSION" then "plugin NAME VERSION" lines.
mapfile -t WANT < <("$PY" - <<'EOF'
import importlib.metadata as md, json
print("cli", md.version("pulumi"))
seen = set()
for d in md.distributions():
    for f in d.files or []:
        if f.name != "pulumi-plugin.json":
            continue
        try:
            with open(d.locate_file(f)) as fh:
                p = json.load(fh)
        except (OSError, ValueError):
            continue
        if p.get("resource") and (p["name"], p["version"]) not in seen:
            seen.add((p["name"], p["version"]))
            print("plugin", p["name"], p["version"])
EOF
)
[[ ${WANT[0]:-} == cli\ * ]] || die "could not read the pulumi SDK version with $PY"
PULUMI_VERSION=${WANT[0]#cli }

# Plugins we know how to build; others (pulumi-docker: its provider cannot be built from what
# the proxy serves, and goship only uses that SDK in unit-test mocks) are skipped with a note.
declare -A PLUGINS=()
for line in "${WANT[@]:1}"; do
    read -r _ name version <<<"$line"
    case $name in
        kubernetes | docker-build | github) PLUGINS[$name]=$version ;;
        *) log "note: no offline build for plugin '$name' $version; skipping it" ;;
    esac
done

print_flags() {
    echo "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
    echo "export PULUMI_SKIP_UPDATE_CHECK=true"
}

# A pulumi of the right version already on PATH (not ours) with every plugin: use it as is.
if existing=$(command -v pulumi) && [[ $existing != "$TC"/* ]] &&
    [[ $(pulumi version 2>/dev/null) == "v$PULUMI_VERSION" ]]; then
    have=$(plugin_versions pulumi || true)
    ok=1
    for name in "${!PLUGINS[@]}"; do
        grep -qxF "$name ${PLUGINS[$name]}" <<<"$have" || ok=0
    done
    if ((ok)); then
        log "using $existing (v$PULUMI_VERSION) and its installed plugins"
        print_flags
        exit 0
    fi
fi

mkdir -p "$TC" "$HOME_DIR"
# Scratch dirs of builds that were killed long ago.
find "$TC" -maxdepth 1 -name '.tmp-*' -mmin +240 -exec rm -rf {} + 2>/dev/null || true

BIN=$TC/pulumi-v$PULUMI_VERSION/bin
if [[ ! -x $BIN/pulumi ]]; then
    need_go
    timed "pulumi CLI v$PULUMI_VERSION" build_cli "$PULUMI_VERSION"
fi

# Our language host: keyed by version and source hash; linked into the CLI's bin dir so that
# one PATH entry holds pulumi, pulumi-language-python and pulumi-language-python-exec.
PYHOST=pyhost-v$PULUMI_VERSION-$(src_hash "$TPL/pyhost")
if [[ ! -x $TC/$PYHOST/pulumi-language-python ]]; then
    need_go
    timed "python language host v$PULUMI_VERSION" build_pyhost "$PULUMI_VERSION" "$PYHOST"
fi
for f in pulumi-language-python pulumi-language-python-exec; do
    [[ $(readlink "$BIN/$f" 2>/dev/null) == "../../$PYHOST/$f" ]] ||
        relink "$BIN/$f" "../../$PYHOST/$f"
done

declare -A BINARY=()
for name in "${!PLUGINS[@]}"; do
    v=${PLUGINS[$name]}
    case $name in
        github) entry=github-v$v-$(src_hash "$TPL/github") ;;
        *) entry=$name-v$v ;;
    esac
    BINARY[$name]=$TC/$entry/pulumi-resource-$name
    if [[ ! -x ${BINARY[$name]} ]]; then
        need_go
        case $name in
            kubernetes) timed "kubernetes provider v$v" build_kubernetes "$v" ;;
            docker-build) timed "docker-build provider v$v" build_docker_build "$v" ;;
            github) timed "github provider v$v" build_github "$v" "$entry" ;;
        esac
    fi
done

# Install the plugins into our PULUMI_HOME unless that exact binary is already there.
export PULUMI_HOME=$HOME_DIR PULUMI_SKIP_UPDATE_CHECK=true
have=$(plugin_versions "$BIN/pulumi" || true)
for name in "${!PLUGINS[@]}"; do
    v=${PLUGINS[$name]}
    installed=$HOME_DIR/plugins/resource-$name-v$v/pulumi-resource-$name
    if grep -qxF "$name $v" <<<"$have" && cmp -s "$installed" "${BINARY[$name]}"; then
        continue
    fi
    log "installing plugin $name $v into $HOME_DIR"
    "$BIN/pulumi" plugin install resource "$name" "$v" --file "${BINARY[$name]}" \
        --reinstall >&2
done

path=$BIN
IFS=: read -ra parts <<<"$PATH"
for p in "${parts[@]}"; do [[ $p == "$BIN" ]] || path+=":$p"; done
printf 'export PATH=%q\n' "$path"
printf 'export PULUMI_HOME=%q\n' "$HOME_DIR"
print_flags
