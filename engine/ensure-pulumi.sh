#!/usr/bin/env bash
# Provide the real Pulumi engine (CLI + Python language host) for this project.
#
# 1. A `pulumi` already on PATH whose version matches the pinned SDK is used as is.
# 2. Otherwise the CLI is built from the Go module proxy (no package registry ships the binary),
#    the way Pulumi's releases are built, into a per-user cache keyed by version. A second run
#    finds the cached binaries and costs nothing.
#
# Prints the directory holding `pulumi` (and `pulumi-language-python` when it could be built)
# on the last line of stdout; progress goes to stderr.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-3.259.0}"
# The commit tagged v3.259.0: the language host module has no tags of its own.
LANGUAGE_HOST_COMMIT="${LANGUAGE_HOST_COMMIT:-0ac56e876614}"
CACHE_ROOT="${PULUMI_BUILDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-builds}"
OUT="$CACHE_ROOT/pulumi-v$PULUMI_VERSION"
BIN="$OUT/bin"

log() { printf '[ensure-pulumi] %s\n' "$*" >&2; }

if command -v pulumi >/dev/null 2>&1; then
  have="$(pulumi version 2>/dev/null || true)"
  if [ "$have" = "v$PULUMI_VERSION" ]; then
    log "using pulumi $have from PATH"
    dirname "$(command -v pulumi)"
    exit 0
  fi
  log "pulumi on PATH is '$have', need v$PULUMI_VERSION: using the cached build"
fi

if [ -x "$BIN/pulumi" ] && [ "$("$BIN/pulumi" version 2>/dev/null)" = "v$PULUMI_VERSION" ]; then
  log "cached pulumi v$PULUMI_VERSION in $BIN"
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null 2>&1 || { log "no pulumi v$PULUMI_VERSION and no Go toolchain to build it"; exit 1; }

export GOMODCACHE="$CACHE_ROOT/go/mod"
export GOCACHE="$CACHE_ROOT/go/build"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$BIN" "$GOMODCACHE" "$GOCACHE"
ldflags="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# shellcheck source=progress.sh
. "$(dirname "${BASH_SOURCE[0]}")/progress.sh"

log "building pulumi v$PULUMI_VERSION from the Go module proxy (cold: several minutes)"
mkdir -p "$work/cli"
cat >"$work/cli/go.mod" <<GOMOD
module pulumibuilds.local/cli

go 1.24

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
)

// pkg/go.mod's own replace directive; replaces in dependencies are ignored, so repeat it.
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
GOMOD
(
  cd "$work/cli"
  run_with_progress "go build pulumi" "$OUT/cli-build.log" go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "$ldflags" -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
)
mv "$BIN/pulumi.tmp" "$BIN/pulumi"
log "built $("$BIN/pulumi" version)"

log "building pulumi-language-python at $LANGUAGE_HOST_COMMIT"
mkdir -p "$work/lang"
cat >"$work/lang/go.mod" <<GOMOD
module pulumibuilds.local/lang

go 1.24

require github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
GOMOD
# This module has no tags and may not be served by the proxy (here: 403). Without it,
# `python -m pulumi_builds.engine install` puts the project's own Python language host
# (pulumi_builds/language_host.py) in its place, so `pulumi up` on a Pulumi.yaml project still works.
if (
  cd "$work/lang"
  mod=github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
  go get "$mod@$LANGUAGE_HOST_COMMIT" &&
  go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldflags" \
    -o "$BIN/pulumi-language-python" "$mod"
) >"$OUT/language-host-build.log" 2>&1; then
  log "built pulumi-language-python"
else
  log "could not build pulumi-language-python (the project's Python host stands in for it):"
  grep -v '^go: downloading' "$OUT/language-host-build.log" | tail -n 5 >&2 || true
fi
echo "$BIN"
