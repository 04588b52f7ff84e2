#!/usr/bin/env python3
"""The hub's operator check of B3 (result integrity), in Python on clients/python/sheratan_client.py.

Against a running gateway (`./sheratan up` prints its token):
  1. a valid result, signed here, is accepted (200), and the gateway's sha256 of its core is ours
     byte for byte (the canonicalization is the server's, not an approximation);
  2. the same result tampered after signing is refused with 422 result_integrity_fail / sha_mismatch;
  3. a result without a mark is refused (400 or 422, missing_integrity);
  4. the gateway's metrics show the failures (integrity_fail_1m).

    SHERATAN_HUB_TOKEN=... python3 scripts/verify-b3.py [--gateway http://127.0.0.1:8788]

The mark follows the same variables as the services: SHERATAN_RESULT_INTEGRITY_MODE (sha256 by default),
SHERATAN_RESULT_HMAC_KEY for hmac. Standard library only. Exit 0 when every check passes, 1 when one
fails, 2 when the gateway cannot be reached or the input is wrong.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))
import sheratan_client as sc  # noqa: E402


def post(gateway, token, body):
    request = urllib.request.Request(gateway + "/mesh/results/submit", data=body, method="POST",
                                     headers={"X-Sheratan-Token": token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def metrics(gateway):
    """Every sample of the gateway's /metrics, by its name with labels."""
    samples = {}
    with urllib.request.urlopen(gateway + "/metrics", timeout=30) as response:
        for line in response.read().decode("utf-8").splitlines():
            parts = line.rsplit(" ", 1)
            if len(parts) == 2 and not line.startswith("#"):
                samples[parts[0]] = float(parts[1])
    return samples


SHA_MISMATCH = 'sheratan_results_rejected_total{reason="sha_mismatch"}'
MISSING = 'sheratan_results_rejected_total{reason="missing_integrity"}'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Exit 0 all checks pass, 1 a check fails, 2 the gateway is unreachable or the setup is wrong.")
    parser.add_argument("--gateway", default=os.environ.get("SHERATAN_GATEWAY_URL", "http://127.0.0.1:8788"),
                        help="gateway base URL (default: $SHERATAN_GATEWAY_URL, else http://127.0.0.1:8788)")
    parser.add_argument("--token", default=os.environ.get("SHERATAN_HUB_TOKEN"),
                        help="gateway token (default: $SHERATAN_HUB_TOKEN; `sheratan up` prints it)")
    args = parser.parse_args(argv)
    if not args.token:
        print("verify-b3: set SHERATAN_HUB_TOKEN (or --token) to the gateway token; `./sheratan up` prints it", file=sys.stderr)
        return 2
    try:
        policy = sc.Policy(os.environ)
    except sc.ConfigError as e:
        print("verify-b3: %s" % e, file=sys.stderr)
        return 2
    if policy.mode == "ed25519":
        print("verify-b3: the B3 check signs with sha256 or hmac (SHERATAN_RESULT_INTEGRITY_MODE); ed25519 needs a worker key", file=sys.stderr)
        return 2
    run = "b3-%d-%d" % (int(time.time()), os.getpid())
    failures = []

    def check(name, ok, detail):
        print("%s  %s -> %s" % ("PASS" if ok else "FAIL", name, detail))
        if not ok:
            failures.append(name)

    def signed(job_id, result):
        envelope = sc.read_envelope(json.dumps({"job_id": job_id, "ok": True, "result": result}).encode())
        return sc.sign_envelope(envelope, mode=policy.mode, hmac_key=policy.hmac_key, key_id=policy.key_id)

    try:
        before = metrics(args.gateway)
        valid = signed(run + "-valid", {"value": 42, "note": "h\u00e9llo \u2603", "ratio": 1e-7, "big": 1e21})
        status, body = post(args.gateway, args.token, valid.to_json())
        if status == 401:
            print("verify-b3: the gateway refused the token (401); `./sheratan up` prints the one it enforces", file=sys.stderr)
            return 2
        check("valid result accepted", status == 200, status)
        if status == 200:
            answer = json.loads(body)
            check("the gateway's core sha256 is the client's", answer.get("sha256") == valid.core_sha256(),
                  "%s vs %s" % (answer.get("sha256"), valid.core_sha256()))

        tampered = signed(run + "-tampered", {"value": 42})
        tampered.result = {"value": 43}  # changed after signing: the mark still names the old core
        status, body = post(args.gateway, args.token, tampered.to_json())
        reason = json.loads(body).get("reason") if status in (400, 422) and body.startswith(b"{") else None
        check("tampered result refused with 422 sha_mismatch", status == 422 and reason == "sha_mismatch", "%s %s" % (status, reason))

        unmarked = sc.canonical({"job_id": run + "-unmarked", "ok": True, "result": {"value": 42}})
        status, body = post(args.gateway, args.token, unmarked)
        reason = json.loads(body).get("reason") if status in (400, 422) and body.startswith(b"{") else None
        check("unmarked result refused (missing_integrity)", status in (400, 422) and reason == "missing_integrity",
              "%s %s" % (status, reason))

        after = metrics(args.gateway)
        counted = (after.get(SHA_MISMATCH, 0) - before.get(SHA_MISMATCH, 0), after.get(MISSING, 0) - before.get(MISSING, 0))
        check("metrics show the failures", counted == (1, 1) and after.get("integrity_fail_1m", 0) >= 2,
              "rejected_total sha_mismatch +%d, missing_integrity +%d; integrity_fail_1m %s"
              % (counted[0], counted[1], after.get("integrity_fail_1m")))
    except (urllib.error.URLError, OSError) as e:
        print("verify-b3: cannot reach the gateway at %s: %s" % (args.gateway, e), file=sys.stderr)
        return 2
    print("B3 check passed" if not failures else "B3 check FAILED (%d)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
