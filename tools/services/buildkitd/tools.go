//go:build tools

// Package tools pins buildkitd's dependencies. BuildKit's own go.mod has exclude
// directives, so `go install github.com/moby/buildkit/cmd/buildkitd@VERSION` refuses it;
// up.sh builds the command from this module instead, with go.sum checked in.
package tools

import _ "github.com/moby/buildkit/cmd/buildkitd"
