#!/usr/bin/env bash
# Builds engine/sdkgen (Pulumi's own SDK code generators for python, nodejs and go, from the
# pkg/v3 module the CLI is built from) next to the cached pulumi binary, and prints its path.
#
# Why: `pulumi package gen-sdk` hands generation to the language host of each language
# (`pulumi-language-nodejs`, `-go`, `-python`, `-dotnet`), and the Go module proxy refuses those
# modules here (403), so the CLI alone cannot generate SDKs. The generators themselves are in
# pkg/v3 (already in the module cache after the CLI build): sdkgen binds the schema with the
# same validation as gen-sdk and runs them. Warm: a few seconds; rebuilt when main.go changes.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-3.259.0}"
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE_ROOT="${PULUMI_BUILDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-builds}"
BIN="$CACHE_ROOT/pulumi-v$PULUMI_VERSION/bin"
TARGET="$BIN/pulumi-builds-sdkgen"
STAMP="$TARGET.source-sha256"
export GOMODCACHE="$CACHE_ROOT/go/mod" GOCACHE="$CACHE_ROOT/go/build"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

sum="$(sha256sum "$HERE/sdkgen/main.go" | cut -d' ' -f1)"
if [ -x "$TARGET" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$sum" ]; then
  echo "$TARGET"
  exit 0
fi
mkdir -p "$BIN"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$HERE/sdkgen/main.go" "$work/main.go"
cat >"$work/go.mod" <<GOMOD
module pulumibuilds.local/sdkgen

go 1.24

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
GOMOD
(cd "$work" && go build -trimpath -o "$TARGET.tmp" . >&2)
mv "$TARGET.tmp" "$TARGET"
echo "$sum" >"$STAMP"
echo "$TARGET"
