#!/usr/bin/env bash
# Rebuilds the self-hosted GraphiQL assets in schema/graphiql/static from the npm packages pinned in
# package-lock.json. The output is committed and shipped inside the Python package, so a running
# registry never fetches GraphiQL from a CDN (self-hosters are often offline or air-gapped).
# Needs node >= 18 and npm; run from anywhere: infra/graphiql/build.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(cd "$here/../.." && pwd)/schema/graphiql/static"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$here"
# --ignore-scripts: nothing in the tree needs an install script (esbuild's binary comes from its
# platform-specific optional dependency), and not running them narrows the supply-chain surface.
npm ci --ignore-scripts --no-audit --no-fund

# Build into a scratch dir first so a failed build never leaves a half-written static/ behind.
./node_modules/.bin/esbuild src/entry.js \
  --bundle \
  --minify \
  --format=iife \
  --platform=browser \
  --target=es2020 \
  --define:process.env.NODE_ENV='"production"' \
  --legal-comments=none \
  --metafile="$work/meta.json" \
  --outfile="$work/static/graphiql.js"
node collect-licenses.mjs "$work/meta.json" > "$work/static/THIRD_PARTY_LICENSES.txt"

rm -rf "$out"
mkdir -p "$out"
cp "$work/static/graphiql.js" "$work/static/graphiql.css" "$work/static/THIRD_PARTY_LICENSES.txt" "$out/"
ls -l "$out"
