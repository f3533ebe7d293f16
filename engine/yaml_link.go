// Added to pulumi-yaml v1.25.0's language host by engine/ensure-pulumi-yaml.sh (package server).
//
// `pulumi package add` generates the package's SDK with the program's host and then asks that host
// to Link it into the program. A YAML program refers to resources by their type tokens and needs
// nothing linked, so the answer is empty; what matters is answering at all (v1.25.0 does not
// implement Link, and the CLI then fails after the SDK was written). pulumi-yaml v1.26.2 behaves
// the same way; the Go module proxy here serves v1.25.0 only.
package server

import (
	"context"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func (host *yamlLanguageHost) Link(
	context.Context, *pulumirpc.LinkRequest,
) (*pulumirpc.LinkResponse, error) {
	return &pulumirpc.LinkResponse{}, nil
}
