#!/usr/bin/env bash
# Provide `pulumi-builds-sdkgen` (engine/sdkgen/main.go): Pulumi's SDK generators, as a command and
# as a generate-only language host. `pulumi package gen-sdk --language nodejs|go` asks the language
# host of that language to generate the SDK; the project's own Node.js and Go hosts
# (engine/program_host.py) start this binary under the host's name and hand it that request,
# because the Go module proxy refuses Pulumi's Node.js and Go hosts, e.g.
#   reading https://proxy.golang.org/github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3/@v/0ac56e876614.info:
#   403 Forbidden server response: This module version is not available.
# (same for github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3). The generators themselves are in
# pkg/v3, which the proxy serves: the stand-in links them at the CLI's version.
#
# Built into the per-user cache keyed by the CLI version and a hash of its sources (go.sum pins
# every module); a second run finds the binary and costs nothing. Prints the directory holding
# `pulumi-builds-sdkgen` on the last line of stdout; progress goes to stderr.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-3.259.0}"
SOURCE="${SDKGEN_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/sdkgen" && pwd)}"
CACHE_ROOT="${PULUMI_BUILDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-builds}"
digest="$(cat "$SOURCE/main.go" "$SOURCE/go.mod" "$SOURCE/go.sum" | sha256sum | cut -c1-12)"
BIN="$CACHE_ROOT/sdkgen-v$PULUMI_VERSION-$digest/bin"
TOOL="$BIN/pulumi-builds-sdkgen"

log() { printf '[ensure-sdkgen] %s\n' "$*" >&2; }

# The directory is keyed by the sources' digest and the binary only moved there after a
# successful build, so its presence is enough.
if [ -x "$TOOL" ]; then
  log "cached pulumi-builds-sdkgen in $BIN"
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null 2>&1 || { log "no pulumi-builds-sdkgen and no Go toolchain to build it"; exit 1; }

export GOMODCACHE="$CACHE_ROOT/go/mod"
export GOCACHE="$CACHE_ROOT/go/build"
# -mod=readonly: the committed go.mod/go.sum are the pins; a build never rewrites them.
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly
mkdir -p "$BIN" "$GOMODCACHE" "$GOCACHE"
log "building pulumi-builds-sdkgen (pulumi pkg/v3 v$PULUMI_VERSION code generators; warm: ~1 min)"
start=$SECONDS
if ! (cd "$SOURCE" && go build -trimpath -ldflags "-X main.version=$PULUMI_VERSION" \
  -o "$TOOL.tmp.$$" .) >"$BIN/../build.log" 2>&1; then
  log "go build failed after $((SECONDS - start))s; go said ($BIN/../build.log):"
  grep -v '^go: downloading' "$BIN/../build.log" | tail -n 20 >&2 || true
  rm -f "$TOOL.tmp.$$"
  exit 1
fi
mv "$TOOL.tmp.$$" "$TOOL"
log "built pulumi-builds-sdkgen in $((SECONDS - start))s"
echo "$BIN"
