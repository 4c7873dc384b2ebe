#!/usr/bin/env bash
# pip-audit over the installed dependencies, degrading to a clear warning when the vulnerability
# database (PyPI's JSON API) cannot be reached: a network failure never fails a build.
# Exit 1 only when vulnerabilities are found and AUDIT_STRICT=1.
set -uo pipefail
VENV="${1:-.venv}"
STRICT="${AUDIT_STRICT:-1}"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
timeout 600 "$VENV/bin/pip-audit" --progress-spinner off --local --skip-editable --format json \
  --output "$out" 2>"$out.err"
status=$?
if ! "$VENV/bin/python" - "$out" "$STRICT" <<'PY'
import json, sys
path, strict = sys.argv[1], sys.argv[2] == "1"
try:
    report = json.load(open(path))
except (OSError, ValueError):
    print("audit: WARNING: pip-audit produced no report (vulnerability database unreachable?); nothing audited")
    sys.exit(0)
deps = report.get("dependencies", [])
audited = [d for d in deps if "skip_reason" not in d]
found = [(d["name"], d["version"], v["id"], v.get("fix_versions", [])) for d in audited for v in d.get("vulns", [])]
if not audited:
    print(f"audit: WARNING: none of {len(deps)} packages could be checked (vulnerability database unreachable)")
    sys.exit(0)
skipped = len(deps) - len(audited)
print(f"audit: {len(audited)} packages checked" + (f", {skipped} could not be" if skipped else ""))
for name, version, vid, fixes in found:
    print(f"audit: {name} {version}: {vid} (fixed in: {', '.join(fixes) or 'no release yet'})")
if found:
    print(f"audit: {len(found)} known vulnerabilities" + ("" if strict else " (warning only: AUDIT_STRICT=0)"))
    sys.exit(1 if strict else 0)
print("audit: no known vulnerabilities")
PY
then
  exit 1
fi
rm -f "$out.err"
exit 0
