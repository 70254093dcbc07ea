// Wrapper module that builds the reference openMCP operator (github.com/openmcp-project/openmcp-operator,
// cmd/openmcp-operator) from the Go module proxy, for bench/reference/build-reference-operator.ts.
// Upstream's go.mod replaces its api and lib submodules with local directories, which Go ignores in a
// dependency, so they are required here at the versions published with the same release.
// go.sum is written by the first successful build (GOFLAGS=-mod=mod); see ../README.md.
module openmcp-ts/bench/reference

go 1.27.1

tool github.com/openmcp-project/openmcp-operator/cmd/openmcp-operator

require (
	github.com/openmcp-project/openmcp-operator v1.4.0
	github.com/openmcp-project/openmcp-operator/api v1.4.0
	github.com/openmcp-project/openmcp-operator/lib v1.4.0
)
