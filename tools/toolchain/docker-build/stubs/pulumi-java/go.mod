// Stand-in for github.com/pulumi/pulumi-java, whose versions the Go module proxy does not
// serve. pulumi-docker-build only uses java.PackageInfo to fill the "java" language section of
// its schema, so a type with the same JSON shape is all it needs.
module github.com/pulumi/pulumi-java

go 1.24
