//go:build tools

// Package tools only exists so that `go mod tidy` records the CLI's dependencies.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
