// Wrapper module that builds the reference openMCP operator (github.com/openmcp-project/openmcp-operator,
// cmd/openmcp-operator) from the Go module proxy where the proxy serves it, for
// bench/reference/build-reference-operator.ts. On machines where it does not, the build uses the
// source archives instead (see ../README.md). Upstream's go.mod replaces its api and lib submodules
// with local directories, which Go ignores in a dependency, so they are required here at the versions
// published with the same release.
module openmcp-ts/bench/reference

go 1.26.5

tool github.com/openmcp-project/openmcp-operator/cmd/openmcp-operator

require (
	github.com/openmcp-project/openmcp-operator v1.3.0
	github.com/openmcp-project/openmcp-operator/api v1.3.0
	github.com/openmcp-project/openmcp-operator/lib v1.3.0
)
