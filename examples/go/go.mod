module pulumibuilds.local/examples/go

go 1.25

require (
	github.com/pulumi-builds/pulumi-builds/sdk/go v0.1.0
	github.com/pulumi/pulumi/sdk/v3 v3.259.0
)

// `builds-codegen sdk --language go --out sdk` writes the SDK here (README, "Go").
replace github.com/pulumi-builds/pulumi-builds/sdk/go => ./sdk/go
