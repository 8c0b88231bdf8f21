// Stand-in for github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3 (the version that
// pulumi-docker-build pins is not served by the Go module proxy). Only CSharpPackageInfo is
// used, to fill the "csharp" language section of the provider schema.
module github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3

go 1.24
