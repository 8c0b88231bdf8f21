#!/usr/bin/env bash
# Runs actionlint, built once from the Go module proxy into goship's cache. Its PyPI package
# downloads a release binary from GitHub at install time, which these machines cannot reach.
set -euo pipefail
version=v1.7.12
bin_dir="${GOSHIP_CACHE:-$HOME/.cache/goship}/tools/actionlint-${version}"
if [[ ! -x "${bin_dir}/actionlint" ]]; then
  # On a fresh machine nothing has made the cache folder yet.
  mkdir -p "$(dirname "${bin_dir}")"
  staging=$(mktemp -d "${bin_dir}.XXXXXX")
  GOBIN="${staging}" CGO_ENABLED=0 go install -trimpath \
    "github.com/rhysd/actionlint/cmd/actionlint@${version}" >&2
  rm -rf "${bin_dir}" && mv "${staging}" "${bin_dir}"
fi
exec "${bin_dir}/actionlint" "$@"
