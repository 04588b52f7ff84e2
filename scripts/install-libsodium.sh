#!/bin/sh
# Installs libsodium (Debian/Ubuntu libsodium23), which the services use for Ed25519 verification and
# the ed25519 module's tests require, and nothing when it is there already. Without apt-get it says what
# to install and exits 0: the tests then fail naming it (or pass -Dsheratan.ed25519.native=optional to
# run without it; Bouncy Castle then verifies). The ed25519 module's build calls it; .ci/run too. POSIX sh.
set -eu
for found in /usr/lib/*/libsodium.so.* /usr/lib/libsodium.so.* /usr/local/lib/libsodium.so.*; do
  if [ -e "$found" ]; then
    exit 0
  fi
done
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
  echo "install-libsodium: installing libsodium23 with apt-get" >&2
  if $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libsodium23 >/dev/null; then
    exit 0
  fi
fi
echo "install-libsodium: libsodium not found and not installed; install libsodium (Debian: libsodium23)" >&2
exit 0
