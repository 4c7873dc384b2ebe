#!/usr/bin/env bash
# Vendors the workspace's browser libraries from the npm registry into its static dir.
# Nothing is loaded from a CDN at run time: the copied files are committed, and this script is how
# they were made (re-run it to upgrade a pinned version).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/src/safeharbor/web/workspace/static/vendor"
mkdir -p "$dest"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# package@version  file-inside-package  name-in-static-dir
pins=(
  "htmx.org@2.0.4 dist/htmx.min.js htmx.min.js"
  "cytoscape@3.30.4 dist/cytoscape.min.js cytoscape.min.js"
  "topojson-client@3.1.0 dist/topojson-client.min.js topojson-client.min.js"
  "d3-array@3.2.4 dist/d3-array.min.js d3-array.min.js"
  "d3-geo@3.1.1 dist/d3-geo.min.js d3-geo.min.js"
  "us-atlas@3.0.1 states-albers-10m.json us-states-albers-10m.json"
)

for pin in "${pins[@]}"; do
  read -r spec inner name <<<"$pin"
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  tarball="$(ls "$tmp"/*.tgz)"
  mkdir -p "$tmp/x"
  tar -xzf "$tarball" -C "$tmp/x"
  cp "$tmp/x/package/$inner" "$dest/$name"
  # Keep each library's licence next to it.
  for lic in LICENSE LICENSE.md LICENSE.txt; do
    if [[ -f "$tmp/x/package/$lic" ]]; then cp "$tmp/x/package/$lic" "$dest/${name%%.*}.LICENSE.txt"; break; fi
  done
  echo "vendored $spec -> static/vendor/$name"
  rm -rf "$tmp/x" "$tarball"
done
