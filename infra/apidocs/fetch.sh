#!/usr/bin/env bash
# Refreshes the vendored Swagger UI in registry/static/apidocs from the npm registry.
# The files are committed and shipped inside the Python package, so /api/docs never loads
# anything from a CDN (self-hosters are often offline or air-gapped). swagger-ui-dist is
# already built: no install, no install scripts, no bundler; the tarball's integrity is checked
# against the pinned SRI hash before anything is extracted.
# Needs npm; run from anywhere: infra/apidocs/fetch.sh
set -euo pipefail

VERSION="5.36.0"
INTEGRITY="sha512-Lt6/Kb0gXmLdiabLhvso4VdJP9V7qJWB0zh0gzeXUV3+CMOTzMmvpJRSXN7EAjfwixwmoi9ezDbLHiexC7lA9A=="
# Only what the page loads, plus the license notices. Not shipped: the source maps (4 MB),
# the standalone preset (the page uses the base layout), the ES-module builds and the demo page.
FILES=(swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE swagger-ui-bundle.js.LICENSE.txt)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(cd "$here/../.." && pwd)/registry/static/apidocs"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
tarball="$(npm pack --silent "swagger-ui-dist@$VERSION")"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$INTEGRITY" ]; then
  echo "integrity mismatch for $tarball: $actual" >&2
  exit 1
fi
tar xzf "$tarball"

for file in "${FILES[@]}"; do
  cp "package/$file" "$out/$file"
done
cat > "$out/SOURCE.txt" <<NOTE
Vendored by infra/apidocs/fetch.sh; do not edit these files by hand.
Package:   swagger-ui-dist $VERSION (Apache-2.0, see LICENSE and NOTICE)
Source:    https://registry.npmjs.org/swagger-ui-dist/-/swagger-ui-dist-$VERSION.tgz
Integrity: $INTEGRITY
Files:     ${FILES[*]}
The registry's own files here (not from npm): apidocs-init.js, apidocs.css.
NOTE
ls -l "$out"
