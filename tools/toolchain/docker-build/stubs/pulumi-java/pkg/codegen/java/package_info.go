// Package java is a minimal stand-in: see ../../../go.mod for why.
package java

// PackageInfo mirrors the JSON shape of the schema's "java" language section.
type PackageInfo struct {
	BuildFiles                      string            `json:"buildFiles"`
	Dependencies                    map[string]string `json:"dependencies,omitempty"`
	GradleNexusPublishPluginVersion string            `json:"gradleNexusPublishPluginVersion"`
}
