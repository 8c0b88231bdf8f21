//go:build tools

// Package tools only exists so that `go mod tidy` records the provider's dependencies.
package tools

import _ "github.com/pulumi/pulumi-docker-build/provider/cmd/pulumi-resource-docker-build"
