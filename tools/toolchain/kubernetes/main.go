// Command pulumi-resource-kubernetes serves the upstream provider package with the schema and
// terraform mapping that tools/toolchain.sh generates from the provider module's committed
// schema.json (stamped with the plugin version), as upstream's `go generate` step would.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
