#!/usr/bin/env bash
# Vendor the JavaScript the public side's tests need, from the npm registry, into the repo.
#
# Only axe-core (accessibility checks in the browser tests) is vendored; the public pages themselves
# use no JS library at all (their one small script is ours, in web/public/static/). The vendored
# file is committed, so tests never fetch anything. Re-run to update; bump the version here.
set -euo pipefail

AXE_VERSION="${AXE_VERSION:-4.10.3}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/tests/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent "axe-core@${AXE_VERSION}" >/dev/null
tar -xzf "axe-core-${AXE_VERSION}.tgz"
mkdir -p "$DEST"
cp package/axe.min.js "$DEST/axe.min.js"
cp package/LICENSE "$DEST/axe-core.LICENSE"
echo "axe-core ${AXE_VERSION}" > "$DEST/axe-core.VERSION"
echo "vendored axe-core ${AXE_VERSION} -> tests/vendor/axe.min.js ($(wc -c < "$DEST/axe.min.js") bytes)"
