#!/usr/bin/env bash
# Provide Pulumi's YAML language host `pulumi-language-yaml`, built from the Go module proxy the
# same way engine/ensure-pulumi.sh builds the CLI, into the same per-user cache keyed by version.
# A second run finds the cached binary and costs nothing.
#
# It is a separate binary from the CLI: pulumi-yaml v1.25.0 is built against pulumi pkg/sdk
# v3.206.0 (what its own go.mod requires), independent of the CLI's v3.259.0; the two only talk gRPC.
#
# Prints the directory holding `pulumi-language-yaml` on the last line of stdout; progress goes to
# stderr. `python -m pulumi_builds.engine install` (make engine) then places the host next to
# `pulumi`, where the CLI looks for its bundled language hosts.
set -euo pipefail

PULUMI_YAML_VERSION="${PULUMI_YAML_VERSION:-1.25.0}"
MODULE=github.com/pulumi/pulumi-yaml
CACHE_ROOT="${PULUMI_BUILDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-builds}"
# "-link": built with the Link method below (the cache of an unpatched build is another directory).
OUT="$CACHE_ROOT/pulumi-yaml-v$PULUMI_YAML_VERSION-link"
BIN="$OUT/bin"
HOST="$BIN/pulumi-language-yaml"

log() { printf '[ensure-pulumi-yaml] %s\n' "$*" >&2; }

# The host has no --version flag (it reports its version only over gRPC). The directory is keyed
# by version and the binary only moved there after a successful build, so proving that it starts
# (-help exits 0 without serving) is enough.
if [ -x "$HOST" ] && "$HOST" -help >/dev/null 2>&1; then
  log "cached pulumi-language-yaml v$PULUMI_YAML_VERSION in $BIN"
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null 2>&1 || { log "no pulumi-language-yaml v$PULUMI_YAML_VERSION and no Go toolchain to build it"; exit 1; }

export GOMODCACHE="$CACHE_ROOT/go/mod"
export GOCACHE="$CACHE_ROOT/go/build"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$GOMODCACHE" "$GOCACHE"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# shellcheck source=progress.sh
. "$(dirname "${BASH_SOURCE[0]}")/progress.sh"

# Fetch the module alone first, so a proxy refusal (403/404/410) fails fast with go's own words.
log "fetching $MODULE@v$PULUMI_YAML_VERSION"
if ! (cd "$work" && go mod download "$MODULE@v$PULUMI_YAML_VERSION") 2>"$work/download.log"; then
  log "the Go module proxy did not serve $MODULE@v$PULUMI_YAML_VERSION:"
  cat "$work/download.log" >&2
  exit 1
fi
mkdir -p "$BIN"

log "building pulumi-language-yaml v$PULUMI_YAML_VERSION (cold: several minutes)"
# `pulumi package add` ends by asking the program's host to Link the package; v1.25.0 (the only
# recent version the proxy serves) answers "not implemented", so the CLI fails after generating the
# SDK. pulumi-yaml added Link in v1.26.2 as a no-op (a YAML program needs nothing linked): the
# module is copied out of the module cache and given that one method (engine/yaml_link.go).
cp -R "$GOMODCACHE/$MODULE@v$PULUMI_YAML_VERSION" "$work/pulumi-yaml"
chmod -R u+w "$work/pulumi-yaml"
cp "$(dirname "${BASH_SOURCE[0]}")/yaml_link.go" "$work/pulumi-yaml/pkg/server/builds_link.go"
mkdir -p "$work/yaml"
{
  printf 'module pulumibuilds.local/yaml\n\ngo 1.24\n\nrequire %s v%s\n\n' "$MODULE" "$PULUMI_YAML_VERSION"
  printf 'replace %s => ../pulumi-yaml\n\n' "$MODULE"
  # Replaces in a dependency's go.mod are ignored, so repeat pulumi-yaml's own (v1.25.0 has none;
  # the ones inside pulumi's pkg/sdk go.mod are ignored in pulumi-yaml's own build too). Local-path
  # replaces (=> ../x) only work inside its repository: leave them out.
  awk '/^replace \($/ {blk=1; next}
       blk && /^\)/   {blk=0; next}
       blk && NF && $1 !~ /^\/\// {print "replace " $0; next}
       /^replace [^(]/ {print}' "$GOMODCACHE/$MODULE@v$PULUMI_YAML_VERSION/go.mod" |
    grep -v '=>[[:space:]]*\.' || true
} >"$work/yaml/go.mod"
(
  cd "$work/yaml"
  # A toolchain older than the go line of pulumi-yaml's go.mod fails here (GOTOOLCHAIN=local).
  run_with_progress "go build pulumi-language-yaml" "$OUT/build.log" go build -trimpath \
    -tags osusergo,grpcnotrace \
    -ldflags "-X $MODULE/pkg/version.Version=v$PULUMI_YAML_VERSION" \
    -o "$HOST.tmp.$$" "$MODULE/cmd/pulumi-language-yaml"
)
mv "$HOST.tmp.$$" "$HOST"
log "built pulumi-language-yaml v$PULUMI_YAML_VERSION in $BIN"
echo "$BIN"
