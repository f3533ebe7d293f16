// sdkgen runs Pulumi's own SDK code generators (pkg/v3/codegen, the code the language hosts'
// GeneratePackage calls) on a package schema, after binding it with the same validation as
// `pulumi package gen-sdk`. It exists because the language hosts that `pulumi package gen-sdk`
// delegates to are not served by the Go module proxy here (403); see engine/build-sdkgen.sh.
//
//	sdkgen SCHEMA.json LANGUAGE OUTDIR   (LANGUAGE: python | nodejs | go)
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	nodejsgen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	pythongen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: sdkgen SCHEMA.json python|nodejs|go OUTDIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
}

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
	var files map[string][]byte
	switch language {
	case "python":
		files, err = pythongen.GeneratePackage("pulumi-builds", pkg, nil, nil)
	case "nodejs":
		files, err = nodejsgen.GeneratePackage("pulumi-builds", pkg, nil, nil, false, nil)
	case "go":
		files, err = gogen.GeneratePackage("pulumi-builds", pkg, nil)
	default:
		return fmt.Errorf("language %q: python, nodejs or go", language)
	}
	if err != nil {
		return err
	}
	for name, content := range files {
		target := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, content, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("%d files\n", len(files))
	return nil
}
