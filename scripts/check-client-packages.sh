#!/bin/sh
# Installs the Python and Node clients as their users do, away from the repository, and runs them there:
#   Python: pip install clients/python into a venv of Debian's python3 (--system-site-packages: setuptools and wheel
#           from Debian; --no-build-isolation --no-deps --no-index: no package index is needed)
#   Node:   npm pack clients/node, npm install of that tarball into an empty project (its dependencies come from the
#           npm registry)
# then, from a temporary folder outside the repository with no SHERATAN_* variable set, the installed sheratan-client
# of each: canon, sign (sha256, hmac v2, ed25519) and verify, a tampered envelope, an Avro envelope of
# conformance/v2/envelopes.json (read with the schemas shipped in the package); then the two clients' ed25519 envelopes
# must be the same bytes and each verifies the other's hmac envelope. One line per check; exit 1 when any failed. Everything happens in a temporary folder, removed
# at the end: the repository is left as it was (pip builds in a copy of clients/python). POSIX sh.
#   SHERATAN_PYTHON  the interpreter to make the venv with (default /usr/bin/python3)
#   SHERATAN_CLIENT_INSTALL_DIR  install there and keep it (venv/bin/sheratan-client, node-project/node_modules/.bin/
#                    sheratan-client): InstalledClientsIT then runs a publish/consume round trip against a broker
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${SHERATAN_PYTHON:-/usr/bin/python3}

if [ -n "${SHERATAN_CLIENT_INSTALL_DIR:-}" ]; then
  mkdir -p "$SHERATAN_CLIENT_INSTALL_DIR"
  T=$(cd "$SHERATAN_CLIENT_INSTALL_DIR" && pwd -P)
else
  T=$(mktemp -d "${TMPDIR:-/tmp}/sheratan-client-packages.XXXXXX")
  T=$(cd "$T" && pwd -P)
  trap 'rm -rf "$T"' EXIT
fi
trap 'exit 130' INT
trap 'exit 143' TERM
case "$T/" in
  "$(cd "$ROOT" && pwd -P)"/*) echo "check-client-packages: the temporary folder $T is inside the repository; set TMPDIR elsewhere" >&2; exit 2 ;;
esac

# nothing of the caller's configuration or of the repository reaches the installed clients
for name in $(env | sed -n 's/^\(SHERATAN_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$name"; done
unset PYTHONPATH PYTHONHOME NODE_PATH KAFKA_BOOTSTRAP_SERVERS 2>/dev/null || true

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok   $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1"; }
excerpt() { sed -n '1,4p' "$1" | tr '\n' ' ' | cut -c1-400; }

# check NAME EXIT WANT OUT COMMAND...: runs COMMAND in $W with stdout to OUT (- for none kept); passes when it exits
# with EXIT and, unless WANT is -, its stdout is WANT (trailing newline aside)
W="$T/work"
mkdir "$W"
check() {
  name=$1 code=$2 want=$3 out=$4
  shift 4
  [ "$out" = - ] && out="$T/stdout"
  set +e
  (cd "$W" && "$@") >"$out" 2>"$T/stderr" </dev/null
  got=$?
  set -e
  if [ "$got" -eq "$code" ] && { [ "$want" = - ] || [ "$(cat "$out")" = "$want" ]; }; then
    pass "$name"
  else
    expected=""
    [ "$want" = - ] || expected=" (expected '$want')"
    fail "$name: exit $got (expected $code), stdout '$(excerpt "$out")'$expected, stderr: $(excerpt "$T/stderr")"
  fi
}

# ------------------------------------------------------------------------------ inputs
printf '%s' '{"b":[1,2.50,1e2],"a":"\u00e9","c":{"z":null,"y":true}}' >"$W/doc.json"
printf '{"a":"\303\251","b":[1,2.5,100],"c":{"y":true,"z":null}}' >"$W/doc.canon"
printf '%s\n' '{"a":1,"a":2}' >"$W/duplicate.json"
printf '%s\n' '{"job_id":"job-1","ok":true,"result":{"value":42}}' >"$W/result.json"
# the conformance data's test key (PEM), keyring and Avro envelope (ed25519, version 2) with its record time
"$PY" - "$ROOT/conformance/v2/envelopes.json" "$W" <<'EOF'
import base64, json, os, sys
data = json.load(open(sys.argv[1], encoding="utf-8"))
out = sys.argv[2]
der = bytes.fromhex("302e020100300506032b657004220420" + data["ed25519_seed_hex"])
with open(os.path.join(out, "worker-7.pem"), "w") as f:
    f.write("-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n" % base64.b64encode(der).decode())
with open(os.path.join(out, "keyring.json"), "w") as f:
    json.dump(data["keyring"], f)
with open(os.path.join(out, "hmac.secret"), "w") as f:
    f.write(data["hmac_secret_ascii"])
vector = next(v for v in data["vectors"] if v["name"] == "avro: v2 ed25519")
assert vector["expected"] == "verified"
with open(os.path.join(out, "envelope.avro"), "wb") as f:
    f.write(bytes.fromhex(vector["envelope_hex"]))
with open(os.path.join(out, "t"), "w") as f:
    f.write(str(vector["t"]))
EOF
AT=$(cat "$W/t")
HMAC_SECRET=$(cat "$W/hmac.secret")

# client_checks LANG CLI: the commands of one installed client
client_checks() {
  lang=$1 cli=$2
  if (cd "$W" && "$cli" --help) 2>/dev/null | grep -q '^usage: sheratan-client'; then pass "$lang: sheratan-client --help"
  else fail "$lang: sheratan-client --help does not print the usage"; fi
  check "$lang: canon writes the RFC 8785 bytes" 0 - "$W/$lang.canon" "$cli" canon doc.json
  if cmp -s "$W/$lang.canon" "$W/doc.canon"; then pass "$lang: canon output is byte for byte the expected"
  else fail "$lang: canon wrote $(excerpt "$W/$lang.canon"), expected $(cat "$W/doc.canon")"; fi
  check "$lang: canon refuses a duplicate name (exit 2)" 2 '' - "$cli" canon duplicate.json
  check "$lang: sign (sha256)" 0 - "$W/$lang-sha256.json" "$cli" sign result.json
  check "$lang: verify the sha256 envelope" 0 verified - "$cli" verify "$lang-sha256.json"
  sed 's/"value":42/"value":43/' "$W/$lang-sha256.json" >"$W/$lang-tampered.json"
  check "$lang: verify a tampered envelope (exit 1)" 1 'rejected sha_mismatch' - "$cli" verify "$lang-tampered.json"
  check "$lang: verify a malformed envelope (exit 2)" 2 'rejected malformed' - "$cli" verify duplicate.json
  check "$lang: sign (hmac, version 2)" 0 - "$W/$lang-hmac.json" env SHERATAN_RESULT_HMAC_KEY="$HMAC_SECRET" \
    "$cli" sign --mode hmac --v2 --key-id hmac/2026-11 --node worker-7 --aud sheratan result.json
  check "$lang: verify the hmac envelope with the keyring" 0 verified - "$cli" verify --keyring keyring.json "$lang-hmac.json"
  check "$lang: sign (ed25519)" 0 - "$W/$lang-ed25519.json" \
    "$cli" sign --key worker-7.pem --key-id worker-7/2026-11 --node worker-7 --issued-at "$AT" result.json
  check "$lang: verify the ed25519 envelope with the keyring" 0 verified - "$cli" verify --keyring keyring.json --at "$AT" "$lang-ed25519.json"
  check "$lang: sign (ed25519) as another node" 0 - "$W/$lang-worker-8.json" \
    "$cli" sign --key worker-7.pem --key-id worker-7/2026-11 --node worker-8 --issued-at "$AT" result.json
  check "$lang: verify it: the key is worker-7's (exit 1)" 1 'rejected node_mismatch' - "$cli" verify --keyring keyring.json --at "$AT" "$lang-worker-8.json"
  check "$lang: verify an Avro envelope with the shipped schemas" 0 verified - "$cli" verify --keyring keyring.json --at "$AT" envelope.avro
}

# ------------------------------------------------------------------------------ Python: pip install
PYCLI="$T/venv/bin/sheratan-client"
python_ok=1
if ! "$PY" -c 'import setuptools, wheel, venv' 2>"$T/stderr"; then
  fail "python: $PY lacks setuptools, wheel or venv (Debian: apt-get install python3-setuptools python3-wheel python3-venv): $(excerpt "$T/stderr")"
  python_ok=0
fi
if [ "$python_ok" = 1 ]; then
  # pip builds in the source folder (build/, *.egg-info): a copy keeps the repository as it is
  cp -R "$ROOT/clients/python" "$T/python-src"
  rm -rf "$T/python-src/build" "$T/python-src/dist" "$T"/python-src/*.egg-info
  find "$T/python-src" -name __pycache__ -prune -exec rm -rf {} +
  if "$PY" -m venv --system-site-packages "$T/venv" >"$T/log" 2>&1 \
      && "$T/venv/bin/pip" install --no-build-isolation --no-deps --no-index --disable-pip-version-check -q "$T/python-src" >"$T/log" 2>&1 \
      && [ -x "$PYCLI" ]; then
    pass "python: pip install clients/python into a venv ($("$T/venv/bin/python" -c 'import sys; print(sys.version.split()[0])'))"
  else
    fail "python: pip install clients/python: $(tail -n 5 "$T/log" | tr '\n' ' ')"
    python_ok=0
  fi
fi
if [ "$python_ok" = 1 ]; then
  check "python: the module and the schemas come from the venv" 0 - "$T/where" \
    "$T/venv/bin/python" -c 'import sheratan_client as s, os; print(os.path.realpath(s.__file__)); print(os.path.realpath(s._schema_dir()))'
  case "$(sed -n 1p "$T/where")|$(sed -n 2p "$T/where")" in
    "$T/venv/"*"|$T/venv/"*) pass "python: installed at $(sed -n 1p "$T/where" | sed "s|^$T/||"), schemas at $(sed -n 2p "$T/where" | sed "s|^$T/||")" ;;
    *) fail "python: module or schemas not from the venv: $(tr '\n' ' ' <"$T/where")" ;;
  esac
  client_checks python "$PYCLI"
  # what would be uploaded beside the wheel: the sdist holds the schemas too
  if (cd "$T/python-src" && "$T/venv/bin/python" -c 'from setuptools import build_meta as b; print(b.build_sdist("sdist"))') >"$T/log" 2>&1; then
    shipped=$(tar tzf "$T/python-src/sdist/$(tail -n 1 "$T/log")" | grep -cE '/sheratan_client_schemas/.*\.(avsc|list)$' || true)
    expected=$(ls "$ROOT/schemas/src/main/avro" "$ROOT/schemas/src/main/resources/avro-history" | grep -cE '\.(avsc|list)$' || true)
    if [ "$shipped" -eq "$expected" ]; then pass "python: the sdist holds the $expected schema files"
    else fail "python: the sdist holds $shipped schema files, expected $expected"; fi
  else
    fail "python: building the sdist: $(tail -n 5 "$T/log" | tr '\n' ' ')"
  fi
fi

# ------------------------------------------------------------------------------ Node: npm pack, npm install
NODECLI="$T/node-project/node_modules/.bin/sheratan-client"
node_ok=1
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  fail "node: node and npm are needed (Node 18+)"
  node_ok=0
fi
if [ "$node_ok" = 1 ]; then
  mkdir "$T/pack" "$T/node-project"
  if (cd "$ROOT/clients/node" && npm pack --silent --pack-destination "$T/pack") >"$T/log" 2>&1 \
      && TARBALL="$T/pack/$(tail -n 1 "$T/log")" && [ -f "$TARBALL" ]; then
    pass "node: npm pack clients/node ($(basename "$TARBALL"), $(tar tzf "$TARBALL" | wc -l | tr -d ' ') files)"
  else
    fail "node: npm pack clients/node: $(tail -n 5 "$T/log" | tr '\n' ' ')"
    node_ok=0
  fi
fi
if [ "$node_ok" = 1 ]; then
  printf '%s\n' '{"name":"sheratan-client-package-check","version":"1.0.0","private":true,"type":"module"}' >"$T/node-project/package.json"
  if (cd "$T/node-project" && npm install --no-audit --no-fund --loglevel=error "$TARBALL") >"$T/log" 2>&1 && [ -x "$NODECLI" ]; then
    pass "node: npm install of the tarball into an empty project"
  else
    fail "node: npm install of the tarball (its dependencies come from the npm registry): $(tail -n 5 "$T/log" | tr '\n' ' ')"
    node_ok=0
  fi
fi
if [ "$node_ok" = 1 ]; then
  # import by name from the project (package.json "exports"); the bin and schemaDir() must lead into node_modules
  # (the bin's path goes in the environment: as process.argv[1] the module would take itself for the command line)
  check "node: import 'sheratan-client' from a project" 0 - "$T/where" sh -c 'cd "$1" && CHECK_BIN="$2" node --input-type=module -e "
    import fs from \"node:fs\";
    const m = await import(\"sheratan-client\");
    console.log(fs.realpathSync(process.env.CHECK_BIN));
    console.log(fs.realpathSync(m.schemaDir()));"' sh "$T/node-project" "$NODECLI"
  case "$(sed -n 1p "$T/where")|$(sed -n 2p "$T/where")" in
    "$T/node-project/node_modules/sheratan-client/"*"|$T/node-project/node_modules/sheratan-client/"*)
      pass "node: installed at $(sed -n 1p "$T/where" | sed "s|^$T/||"), schemas at $(sed -n 2p "$T/where" | sed "s|^$T/||")" ;;
    *) fail "node: module or schemas not from the installed package: $(tr '\n' ' ' <"$T/where")" ;;
  esac
  if [ -f "$T/node-project/node_modules/sheratan-client/sheratan-client.d.ts" ]; then pass "node: the package ships sheratan-client.d.ts"
  else fail "node: the package lacks sheratan-client.d.ts"; fi
  client_checks node "$NODECLI"
fi

# ------------------------------------------------------------------------------ across the two installed clients
if [ "$python_ok" = 1 ] && [ "$node_ok" = 1 ]; then
  if cmp -s "$W/python-ed25519.json" "$W/node-ed25519.json"; then pass "both: the ed25519 envelopes are byte for byte the same"
  else fail "both: the ed25519 envelopes differ: python $(excerpt "$W/python-ed25519.json") node $(excerpt "$W/node-ed25519.json")"; fi
  check "both: node verifies python's hmac envelope" 0 verified - "$NODECLI" verify --keyring keyring.json python-hmac.json
  check "both: python verifies node's hmac envelope" 0 verified - "$PYCLI" verify --keyring keyring.json node-hmac.json
fi

if [ "$FAILED" -gt 0 ]; then
  echo "check-client-packages: $FAILED of $((PASSED + FAILED)) checks FAILED" >&2
  exit 1
fi
echo "check-client-packages: all $PASSED checks passed"
