#!/usr/bin/env bash
# Proves a refactor kept the output: synthesizes every example and test fleet with the code at <ref> (default: HEAD)
# and with the working tree, and compares the two output trees byte for byte. Exit 0 when identical.
#   tools/same-output.sh [--ignore-metadata-paths] [ref]        e.g. tools/same-output.sh main~3
# --ignore-metadata-paths leaves out cdktf's `"//": {"metadata": {"path": …}}` comments (the construct path, which
# moves when resources move into an L3 construct that keeps their Terraform addresses); everything else must match.
set -euo pipefail
cd "$(dirname "$0")/.."
ignore_paths=false
if [ "${1:-}" = "--ignore-metadata-paths" ]; then ignore_paths=true; shift; fi
ref="${1:-HEAD}"
work="$(mktemp -d)"
trap 'git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
fleets=(examples/*.yaml __tests__/fixtures/terraform/*.yaml)

synthesize() { # <checkout> <label>
  (cd "$1" && npm run build --silent) # the app command as built: compiled, and bundled where the build bundles it
  for fleet in "${fleets[@]}"; do
    [ -f "$1/$fleet" ] || [ -f "$fleet" ] || continue
    node "$1/dist/main.js" --fleet "$PWD/$fleet" --out "$work/$2/$(basename "$fleet" .yaml)" >/dev/null
  done
}

git worktree add --detach "$work/base" "$ref" >/dev/null 2>&1
ln -s "$PWD/node_modules" "$work/base/node_modules"
# Both builds read the same shared reference folder beside the repository.
[ -e ../shared ] && ln -s "$(cd .. && pwd)/shared" "$work/shared"
synthesize "$work/base" before
synthesize "$PWD" after
if $ignore_paths; then
  node -e '
    const fs = require("fs"), path = require("path");
    const strip = (v) => { if (Array.isArray(v)) v.forEach(strip); else if (v && typeof v === "object") { if (v["//"]?.metadata) delete v["//"].metadata.path; Object.values(v).forEach(strip); } };
    const walk = (d) => fs.readdirSync(d).forEach((n) => { const p = path.join(d, n); if (fs.statSync(p).isDirectory()) walk(p); else if (n.endsWith(".json")) { const j = JSON.parse(fs.readFileSync(p, "utf8")); strip(j); fs.writeFileSync(p, JSON.stringify(j, null, 2)); } });
    process.argv.slice(1).forEach(walk);' "$work/before" "$work/after"
fi
if diff -r "$work/before" "$work/after" >"$work/diff"; then
  echo "same output$($ignore_paths && echo " (construct paths in metadata comments ignored)"): ${#fleets[@]} fleets, $(find "$work/after" -type f | wc -l) files identical to $ref"
else
  head -50 "$work/diff"; echo "output differs from $ref" >&2; exit 1
fi
