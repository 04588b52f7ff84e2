#!/bin/sh
# The project keeps a copy of the contract in docs/contract/DESIGN.md; the team's copy lives beside the
# checkout in ../shared/DESIGN.md. CI fails when both are present and differ (change them together).
# A clone without ../shared has nothing to compare against: said on stderr, not a failure. POSIX sh.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHERATAN_SHARED_DESIGN:-$ROOT/../shared/DESIGN.md}
if [ ! -f "$SHARED" ]; then
  echo "check-contract: $SHARED not found; docs/contract/DESIGN.md not compared" >&2
  exit 0
fi
if ! cmp -s "$SHARED" "$ROOT/docs/contract/DESIGN.md"; then
  echo "check-contract: docs/contract/DESIGN.md differs from $SHARED; copy the contract (and change README and tests with it):" >&2
  diff "$SHARED" "$ROOT/docs/contract/DESIGN.md" | head -40 >&2
  exit 1
fi
echo "check-contract: docs/contract/DESIGN.md equals $SHARED"
