#!/bin/sh
# Installs what the Python and Node clients (clients/) need, and nothing when it is there already:
#   Python: Debian's python3-confluent-kafka, python3-avro, python3-cryptography (apt-get; as root or with sudo -n)
#   Node:   kafkajs, lz4js and avsc at the versions of clients/node/package-lock.json (npm ci)
# .ci/run calls it before the build, and the clients module's build calls it again (a no-op then), so
# `mvn -B verify` on a fresh Debian machine installs what its tests use. POSIX sh.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${SHERATAN_PYTHON:-/usr/bin/python3}

if ! "$PY" -c 'import confluent_kafka, avro, cryptography' 2>/dev/null; then
  if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
    echo "install-client-deps: installing python3-confluent-kafka python3-avro python3-cryptography with apt-get" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-confluent-kafka python3-avro python3-cryptography >/dev/null
  else
    echo "install-client-deps: $PY lacks confluent_kafka, avro or cryptography and there is no apt-get;" \
         "install them for $PY (or set SHERATAN_PYTHON to an interpreter that has them)" >&2
    exit 1
  fi
  "$PY" -c 'import confluent_kafka, avro, cryptography'
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "install-client-deps: npm not found; the Node client's tests need Node 18+ and npm" >&2
  exit 1
fi
NODE_DIR="$ROOT/clients/node"
STAMP="$NODE_DIR/node_modules/.sheratan-lock"
if [ -f "$STAMP" ] && cmp -s "$STAMP" "$NODE_DIR/package-lock.json"; then
  exit 0
fi
echo "install-client-deps: npm ci in clients/node" >&2
(cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
cp "$NODE_DIR/package-lock.json" "$STAMP"
