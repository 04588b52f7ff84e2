#!/bin/sh
# Checks the operations kit (ops/): the Prometheus rules with promtool (syntax, then the unit tests of
# alerts_test.yml: each alert fires on a synthetic series and stays quiet on a healthy one) and the Grafana
# dashboard's JSON. Installs promtool (Debian package prometheus) when it is missing. .ci/run calls it;
# OpsKitIT (mvn verify) checks that a running stack exports every metric the two files name. POSIX sh.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
sh "$ROOT/scripts/ensure-command.sh" promtool prometheus
promtool check rules "$ROOT/ops/prometheus/alerts.yml"
(cd "$ROOT/ops/prometheus" && promtool test rules alerts_test.yml)
# every alert has a case where it fires and one where it stays quiet (plain text: no YAML library needed)
for alert in $(sed -n 's/^ *- alert: *\([A-Za-z0-9]*\).*/\1/p' "$ROOT/ops/prometheus/alerts.yml"); do
  fires=$(grep -A2 "alertname: $alert\$" "$ROOT/ops/prometheus/alerts_test.yml" | grep -c 'exp_alerts:$' || true)
  quiet=$(grep -A2 "alertname: $alert\$" "$ROOT/ops/prometheus/alerts_test.yml" | grep -c 'exp_alerts: \[\]' || true)
  if [ "$fires" -lt 1 ] || [ "$quiet" -lt 1 ]; then
    echo "check-ops: $alert needs a firing and a quiet case in alerts_test.yml (has $fires firing, $quiet quiet)" >&2
    exit 1
  fi
done
echo "check-ops: every alert has a firing and a quiet case"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["panels"], "no panels"; print("dashboard:", len(d["panels"]), "panels")' \
  "$ROOT/ops/grafana/sheratan.json"
