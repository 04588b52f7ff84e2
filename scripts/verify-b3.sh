#!/usr/bin/env bash
# The hub's manual B3 check, against a running gateway (`./sheratan up` prints its token):
# a valid result is accepted, a tampered one rejected (400/422), an unmarked one rejected,
# and the gateway's metrics show the failures. Marks are computed with `./sheratan sign`.
#
#   SHERATAN_HUB_TOKEN=... scripts/verify-b3.sh            # gateway at http://127.0.0.1:8788
#   SHERATAN_GATEWAY_URL=http://host:8788 ... scripts/verify-b3.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GATEWAY="${SHERATAN_GATEWAY_URL:-http://127.0.0.1:8788}"
TOKEN="${SHERATAN_HUB_TOKEN:?set SHERATAN_HUB_TOKEN to the gateway token (sheratan up prints it)}"
SIGN=("$ROOT/sheratan" sign)
RUN="b3-$(date +%s)-$$"
failures=0

post() { # body -> prints the HTTP status
  curl -s -o /dev/null -w '%{http_code}' -X POST -H "X-Sheratan-Token: $TOKEN" \
       -H 'Content-Type: application/json' --data-binary "$1" "$GATEWAY/mesh/results/submit"
}

check() { # name, got, allowed statuses...
  local name="$1" got="$2"; shift 2
  for want in "$@"; do
    if [ "$got" = "$want" ]; then echo "PASS  $name -> $got"; return; fi
  done
  echo "FAIL  $name -> $got (expected $*)"; failures=$((failures + 1))
}

valid=$(printf '{"job_id":"%s-valid","ok":true,"result":{"value":42}}' "$RUN" | "${SIGN[@]}")
check "valid result accepted" "$(post "$valid")" 200

tampered=$(printf '{"job_id":"%s-tampered","ok":true,"result":{"value":42}}' "$RUN" | "${SIGN[@]}" | sed 's/"value":42/"value":43/')
check "tampered result rejected" "$(post "$tampered")" 400 422

unmarked=$(printf '{"job_id":"%s-unmarked","ok":true,"result":{"value":42}}' "$RUN")
check "unmarked result rejected" "$(post "$unmarked")" 400 422

fails=$(curl -s "$GATEWAY/metrics" | awk '$1 == "integrity_fail_1m" { print int($2) }')
if [ "${fails:-0}" -ge 2 ]; then
  echo "PASS  metrics show the failures (integrity_fail_1m = $fails)"
else
  echo "FAIL  metrics do not show the failures (integrity_fail_1m = ${fails:-missing})"; failures=$((failures + 1))
fi

if [ "$failures" -eq 0 ]; then echo "B3 check passed"; else echo "B3 check FAILED ($failures)"; exit 1; fi
