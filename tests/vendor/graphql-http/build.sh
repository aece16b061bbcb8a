#!/usr/bin/env bash
# Rebuilds audit.bundle.mjs (graphql-http's server audit as one file, run by node in
# tests/graphql/test_over_http.py) from the npm packages pinned in package-lock.json, and writes
# the licence of what it bundles next to it. The output is committed: the test needs node but no
# network. Needs node >= 18 and npm; run from anywhere: tests/vendor/graphql-http/build.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$here"
# --ignore-scripts: esbuild's binary comes from its platform-specific optional dependency.
npm ci --ignore-scripts --no-audit --no-fund
./node_modules/.bin/esbuild audit.mjs \
  --bundle \
  --format=esm \
  --platform=node \
  --target=node18 \
  --legal-comments=none \
  --metafile="$work/meta.json" \
  --outfile=audit.bundle.mjs
# Only graphql-http's audit goes into the bundle (graphql itself is tree-shaken away); say so
# loudly if an upgrade changes that, since the licence file below names graphql-http alone.
node -e '
  const meta = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const inputs = Object.keys(meta.outputs["audit.bundle.mjs"].inputs);
  const others = inputs.filter((p) => p.includes("node_modules/") && !p.includes("node_modules/graphql-http/"));
  if (others.length) { console.error("unexpected bundled packages:", others); process.exit(1); }
' "$work/meta.json"
version="$(node -p "require('./node_modules/graphql-http/package.json').version")"
{
  echo "graphql-http@${version} (MIT), bundled into audit.bundle.mjs"
  echo "-------------------------------------------------------------"
  cat node_modules/graphql-http/LICENSE.md
} > THIRD_PARTY_LICENSES.txt
ls -l audit.bundle.mjs THIRD_PARTY_LICENSES.txt
