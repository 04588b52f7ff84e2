#!/bin/sh
# Checks deploy/kubernetes offline: the PrometheusRule is ops/prometheus/alerts.yml (one source; --write
# regenerates it), the kustomization renders (kubectl kustomize), and every rendered object validates against
# the Kubernetes and prometheus-operator schemas (npm kubernetes-models, deploy/kubernetes/validate). Installs
# kubectl (Debian package) and the validator's npm packages when missing. .ci/run and the cli module's build
# call it. POSIX sh.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
K8S="$ROOT/deploy/kubernetes"
RULE="$K8S/prometheusrule.yaml"

generate() {
  printf '%s\n' "# GENERATED from ops/prometheus/alerts.yml by scripts/check-kubernetes.sh --write: edit that file, not this one." \
    "apiVersion: monitoring.coreos.com/v1" "kind: PrometheusRule" "metadata:" "  name: sheratan" "spec:"
  sed -n '/^groups:/,$p' "$ROOT/ops/prometheus/alerts.yml" | sed 's/^\(.\)/  \1/'
}

if [ "${1:-}" = "--write" ]; then
  generate > "$RULE"
  echo "check-kubernetes: wrote $RULE"
  exit 0
fi
if ! generate | cmp -s - "$RULE"; then
  echo "check-kubernetes: $RULE differs from ops/prometheus/alerts.yml; run scripts/check-kubernetes.sh --write" >&2
  exit 1
fi
echo "check-kubernetes: the PrometheusRule equals ops/prometheus/alerts.yml"

sh "$ROOT/scripts/ensure-command.sh" kubectl kubectl
STAMP="$K8S/validate/node_modules/.sheratan-lock"
if ! [ -f "$STAMP" ] || ! cmp -s "$STAMP" "$K8S/validate/package-lock.json"; then
  echo "check-kubernetes: npm ci in deploy/kubernetes/validate" >&2
  (cd "$K8S/validate" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$K8S/validate/package-lock.json" "$STAMP"
fi
RENDERED=$(mktemp)
trap 'rm -f "$RENDERED"' EXIT
kubectl kustomize "$K8S" > "$RENDERED"
node "$K8S/validate/validate.mjs" "$RENDERED"
