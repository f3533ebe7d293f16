// Command pulumi-builds-sdkgen runs Pulumi's own SDK code generators (pkg/v3/codegen, the code
// the language hosts' GeneratePackage calls) on a package schema. It exists because
// `pulumi package gen-sdk` delegates generation to the language host of each language
// (`pulumi-language-nodejs`, `-go`, `-python`, `-dotnet`), and the Go module proxy refuses those
// modules here (403, see engine/ensure-sdkgen.sh); the generators themselves are in pkg/v3, which
// it serves, and are linked in at the CLI's version. Two ways to run it:
//
//   - as a command: `pulumi-builds-sdkgen SCHEMA.json python|nodejs|go OUTDIR` binds the schema
//     with gen-sdk's strict validation and writes the SDK (the schema's own tests use this);
//   - as a language host, when the executable is named `pulumi-language-nodejs` or
//     `pulumi-language-go` (`make engine` links it so next to `pulumi`): it serves GeneratePackage
//     the way Pulumi's hosts do, so `pulumi package gen-sdk --language nodejs|go` works. Every
//     other call (running a program, installing dependencies) answers Unimplemented, saying so.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	pbempty "google.golang.org/protobuf/types/known/emptypb"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	nodejsgen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	pythongen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is set with -ldflags to the pulumi release whose generators are linked in.
var version = "dev"

const hostPrefix = "pulumi-language-"

func main() {
	if name := filepath.Base(os.Args[0]); strings.HasPrefix(name, hostPrefix) {
		serveHost(strings.TrimPrefix(name, hostPrefix))
		return
	}
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: pulumi-builds-sdkgen SCHEMA.json python|nodejs|go OUTDIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
}

// run is the command: strict binding (no loader, warnings printed), then the generator.
func run(path, language, out string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	pkg, diags, err := schema.BindSpec(spec, schema.NewNullLoader(), schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return diags
	}
	for _, d := range diags {
		fmt.Fprintln(os.Stderr, "warning:", d.Error())
	}
	files, err := generate(language, "pulumi-builds", pkg, nil, nil, false, nil)
	if err != nil {
		return err
	}
	if err := write(out, files, 0o755, 0o644); err != nil {
		return err
	}
	fmt.Printf("%d files\n", len(files))
	return nil
}

func generate(
	language, tool string, pkg *schema.Package, extraFiles map[string][]byte,
	localDependencies map[string]string, local bool, loader schema.ReferenceLoader,
) (map[string][]byte, error) {
	switch language {
	case "python":
		return pythongen.GeneratePackage(tool, pkg, extraFiles, loader)
	case "nodejs":
		return nodejsgen.GeneratePackage(tool, pkg, extraFiles, localDependencies, local, loader)
	case "go":
		return gogen.GeneratePackage(tool, pkg, localDependencies)
	}
	return nil, fmt.Errorf("language %q: python, nodejs or go", language)
}

func write(out string, files map[string][]byte, dirMode, fileMode os.FileMode) error {
	for name, content := range files {
		target := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(target), dirMode); err != nil {
			return err
		}
		if err := os.WriteFile(target, content, fileMode); err != nil {
			return err
		}
	}
	return nil
}

type sdkgenHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	language string
}

func (h *sdkgenHost) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// The engine calls these for programs; say plainly why this host cannot serve them.
func (h *sdkgenHost) unsupported(what string) error {
	return status.Errorf(codes.Unimplemented,
		"pulumi-language-%s here is pulumi-builds' SDK generator only (pulumi package gen-sdk); "+
			"%s needs Pulumi's own %s language host, which the Go module proxy does not serve",
		h.language, what, h.language)
}

func (h *sdkgenHost) Run(context.Context, *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	return nil, h.unsupported("running a program")
}

func (h *sdkgenHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return nil, h.unsupported("running a program")
}

// GeneratePackage does what Pulumi's hosts do: bind the schema through the engine's loader
// (dangling references allowed, as they do), generate, write the files under req.Directory.
func (h *sdkgenHost) GeneratePackage(
	_ context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	loader, err := schema.NewLoaderClient(req.LoaderTarget)
	if err != nil {
		return nil, err
	}
	defer loader.Close()

	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.Schema), &spec); err != nil {
		return nil, err
	}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	rpcDiagnostics := plugin.HclDiagnosticsToRPCDiagnostics(diags)
	if diags.HasErrors() {
		return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiagnostics}, nil
	}
	files, err := generate(h.language, hostPrefix+h.language, pkg, req.ExtraFiles,
		req.LocalDependencies, req.Local, loader)
	if err != nil {
		return nil, err
	}
	if err := write(req.Directory, files, 0o700, 0o600); err != nil {
		return nil, err
	}
	return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiagnostics}, nil
}

// serveHost is a language host's main: the engine reads the port from the first line of stdout.
func serveHost(language string) {
	if language != "nodejs" && language != "go" {
		cmdutil.Exit(fmt.Errorf("%s%s: this host generates SDKs for nodejs and go only", hostPrefix, language))
	}
	flag.String("root", "", "ignored: the engine passes it to every language host")
	flag.String("tracing", "", "ignored: the engine passes it to every language host")
	flag.Parse()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, &sdkgenHost{language: language})
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start the language host RPC server: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}
