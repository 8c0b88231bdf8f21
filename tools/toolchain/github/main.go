// Command pulumi-resource-github is goship's offline build of the Pulumi GitHub provider.
//
// Why it exists: the Go module proxy we can reach serves neither tagged nor pseudo versions of
// github.com/pulumi/pulumi-github/provider, but it does serve the Terraform provider that
// pulumi-github wraps (github.com/integrations/terraform-provider-github/v6, e.g. v6.13.0,
// whose constructor is NewProvider) and the Pulumi Terraform bridge. This program bridges
// that Terraform provider with the bridge's standard token rules: every `github_<name>`
// resource/data source becomes `github:index/<camelName>:<PascalName>`, the same naming the
// published pulumi-github SDKs use, so the pulumi_github Python package talks to it unchanged
// (checked: all 88 resources of the 6.15.0 SDK exist in the v6.13.0 schema).
//
// The schema is produced by the binary itself (`-goship-gen-schema FILE`) during the build and
// embedded by a second, mostly cached, `go build` (see tools/toolchain.sh).
package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"

	"github.com/integrations/terraform-provider-github/v6/github"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
)

// version is the plugin version (the pulumi-github SDK's), stamped with -ldflags -X.
var version = "0.0.0-dev"

// upstreamVersion is the terraform-provider-github module version, stamped with -ldflags -X.
var upstreamVersion = ""

// upstreamDir is the upstream module's source directory, read for resource docs at
// schema-generation time only (stamped by the build; empty at run time is fine).
var upstreamDir = ""

//go:embed schema.json
var schema []byte

func providerInfo() tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:                       shimv2.NewProvider(github.NewProvider(version, "goship")()),
		Name:                    "github",
		Version:                 version,
		DisplayName:             "GitHub",
		Publisher:               "Pulumi",
		License:                 "Apache-2.0",
		Description:             "A Pulumi package for creating and managing github cloud resources.",
		Keywords:                []string{"pulumi", "github", "category/cloud"},
		GitHubOrg:               "integrations",
		TFProviderModuleVersion: "v6",
		TFProviderVersion:       upstreamVersion,
		UpstreamRepoPath:        upstreamDir,
	}
	info.MustComputeTokens(tokens.SingleModule("github_", "index", tokens.MakeStandard("github")))
	return info
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-goship-gen-schema" {
		if err := writeSchema(os.Args[2]); err != nil {
			fmt.Fprintf(os.Stderr, "generating schema: %v\n", err)
			os.Exit(1)
		}
		return
	}
	tfbridge.Main("github", version, providerInfo(), schema)
}

func writeSchema(path string) error {
	sink := diag.DefaultSink(os.Stderr, os.Stderr, diag.FormatOptions{Color: colors.Never})
	spec, err := tfgen.GenerateSchema(providerInfo(), sink)
	if err != nil {
		return err
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
