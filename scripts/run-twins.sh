#!/usr/bin/env bash
# The real board projects on their twins, as a new user runs them (README "Board twins"): for each
# board type, `hil vboard up --twin` (the twin, its lab OTA service and a lab inventory), the twin's
# own checks on it (boards/twins/twins.test.ts: no boot of their own), the board's own project with
# that inventory, then `hil vboard down`, always, and a check that the twin left the inventory and
# its lab service ended. One QEMU at a time.
# Usage: scripts/run-twins.sh [sama5d2] [bbgw]   (default: both). Exit non-zero if any run failed.
# Each project's time is printed as "twin X: N s (exit S)". A run's reports (JUnit, nightly summary,
# HTML, test results) go to reports/twins/X (HIL_REPORTS), so that the runs before it (npm test,
# npm run ota) and after it keep theirs; the twin's own checks to reports/twins/X/checks*.
set -uo pipefail
cd "$(dirname "$0")/.."
boards=("$@")
[ ${#boards[@]} -gt 0 ] || boards=(sama5d2 bbgw)
tmp=$(mktemp -d)
up=""
cleanup() {
  [ -z "$up" ] || node bin/hil.js vboard down --name "$up" || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
status=0
for board in "${boards[@]}"; do
  inventory=$tmp/$board/lab.json
  mkdir -p "$tmp/$board" "reports/twins/$board"
  start=$(date +%s)
  up=ci-$board
  if node bin/hil.js vboard up --twin "$board" --name "$up" --inventory "$inventory"; then
    service=$(node bin/hil.js vboard status --name "$up" --json | node -e 'process.stdin.on("data", (d) => process.stdout.write(JSON.parse(d).otaService))')
    HIL_INVENTORY=$inventory HIL_TWIN=$up HIL_TWINS_JUNIT=reports/twins/$board/checks-junit.xml \
      npx playwright test -c boards/twins/playwright.config.ts --output "reports/twins/$board/checks"
    rc=$?
    HIL_INVENTORY=$inventory HIL_REPORTS=reports/twins/$board npx playwright test --project="$board" || rc=1
  else
    rc=$?
    echo "twin $board: hil vboard up failed" >&2
  fi
  node bin/hil.js vboard down --name "$up" || rc=1
  if grep -q "\"$up\"" "$inventory" 2>/dev/null; then echo "twin $board: still in $inventory after down" >&2; rc=1; fi
  if [ -n "${service:-}" ] && curl -s -o /dev/null "$service"; then echo "twin $board: its lab service $service still answers after down" >&2; rc=1; fi
  service=""
  up=""
  echo "twin $board: $(($(date +%s) - start)) s (exit $rc)"
  [ "$rc" -eq 0 ] || status=1
done
exit "$status"
