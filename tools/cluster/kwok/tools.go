//go:build tools

// Package tools pins KWOK's command, which up.sh builds with
// `go build sigs.k8s.io/kwok/cmd/kwok` from this module.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
