#!/usr/bin/env bash
# Try to build Pulumi's own Node.js and Go language hosts from the Go module proxy, as
# engine/ensure-pulumi.sh tries for the Python one. Here the proxy refuses both modules:
#   reading https://proxy.golang.org/github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3/@v/0ac56e876614.info:
#   403 Forbidden server response: This module version is not available.
# (same for github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3). Each attempt's output is kept
# in <cache>/pulumi-hosts-v<version>/<language>-build.log; `make engine` then places the project's
# own hosts (engine/nodejs_host.py, engine/go_host.py) instead and says why, from that log.
#
# A refused module is not asked for again (delete the log, or set PULUMI_BUILDS_RETRY_HOSTS=1).
# Prints the directory that holds whichever hosts were built on the last line of stdout.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-3.259.0}"
# The commit tagged v3.259.0: the language host modules have no tags of their own.
LANGUAGE_HOST_COMMIT="${LANGUAGE_HOST_COMMIT:-0ac56e876614}"
CACHE_ROOT="${PULUMI_BUILDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-builds}"
OUT="$CACHE_ROOT/pulumi-hosts-v$PULUMI_VERSION"
BIN="$OUT/bin"

log() { printf '[ensure-pulumi-hosts] %s\n' "$*" >&2; }

declare -A MODULES=(
  [nodejs]=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
  [go]=github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3
)
mkdir -p "$BIN"
for language in nodejs go; do
  host="$BIN/pulumi-language-$language"
  build_log="$OUT/$language-build.log"
  if [ -x "$host" ]; then
    log "cached Pulumi's pulumi-language-$language in $BIN"
    continue
  fi
  if [ -f "$build_log" ] && [ -z "${PULUMI_BUILDS_RETRY_HOSTS:-}" ]; then
    log "Pulumi's pulumi-language-$language could not be built before ($build_log): the project's own host stands in"
    continue
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "no Go toolchain to build ${MODULES[$language]}" >"$build_log"
    continue
  fi
  work="$(mktemp -d)"
  log "building Pulumi's pulumi-language-$language at $LANGUAGE_HOST_COMMIT"
  printf 'module pulumibuilds.local/host\n\ngo 1.24\n\nrequire github.com/pulumi/pulumi/sdk/v3 v%s\n' \
    "$PULUMI_VERSION" >"$work/go.mod"
  if (
    cd "$work"
    export GOMODCACHE="$CACHE_ROOT/go/mod" GOCACHE="$CACHE_ROOT/go/build"
    export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
    go get "${MODULES[$language]}@$LANGUAGE_HOST_COMMIT" &&
      go build -trimpath -tags osusergo,grpcnotrace -o "$host.tmp" "${MODULES[$language]}"
  ) >"$build_log" 2>&1; then
    mv "$host.tmp" "$host"
    rm -f "$build_log"
    log "built Pulumi's pulumi-language-$language"
  else
    rm -f "$host.tmp"
    log "could not build pulumi-language-$language (the project's own host stands in):"
    grep -v '^go: downloading' "$build_log" | tail -n 3 >&2 || true
  fi
  rm -rf "$work"
done
echo "$BIN"
