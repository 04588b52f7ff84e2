#!/bin/sh
# ensure-command.sh COMMAND DEBIAN_PACKAGE: installs the package with apt-get (as root, or with sudo -n) when
# COMMAND is not on the PATH; exits 1 naming both when it cannot. Shared by the check scripts. POSIX sh.
set -eu
if command -v "$1" >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
  echo "ensure-command: installing $1 (Debian package $2) with apt-get" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$2" >/dev/null
  command -v "$1" >/dev/null 2>&1 && exit 0
fi
echo "ensure-command: $1 not found and not installable here (Debian package $2): install it" >&2
exit 1
