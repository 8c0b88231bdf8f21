// Package codegen is a minimal stand-in: see ../go.mod for why.
package codegen

// CSharpPackageInfo mirrors the JSON shape of the schema's "csharp" language section.
type CSharpPackageInfo struct {
	PackageReferences    map[string]string `json:"packageReferences,omitempty"`
	RespectSchemaVersion bool              `json:"respectSchemaVersion,omitempty"`
}
