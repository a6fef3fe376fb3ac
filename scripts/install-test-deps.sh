#!/usr/bin/env bash
# Installs the Debian packages the test suite and the benchmark use, and nothing
# else. Idempotent: when every tool is already present it changes nothing.
#   prometheus              -> promtool (rule checks, metric lint) and prometheus (end-to-end)
#   prometheus-alertmanager -> alertmanager and amtool (end-to-end, config checks)
#   rbldnsd                 -> a real DNSBL server on loopback for the DNSBL tests
#   mtail                   -> the comparison run in `npm run bench` (optional there)
set -euo pipefail

PACKAGES=(prometheus prometheus-alertmanager rbldnsd mtail)
# One command per package that proves it is installed.
declare -A PROVIDES=(
  [prometheus]=promtool
  [prometheus-alertmanager]=amtool
  [rbldnsd]=rbldnsd
  [mtail]=mtail
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  command -v "${PROVIDES[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: all present (${PACKAGES[*]})"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-test-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi

echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian packages enable their services; the tests start their own
# instances on free loopback ports, so stop the system ones if they started.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now prometheus prometheus-alertmanager rbldnsd mtail >/dev/null 2>&1 || true
fi
for pkg in "${missing[@]}"; do
  command -v "${PROVIDES[$pkg]}" >/dev/null 2>&1 || { echo "install-test-deps: ${PROVIDES[$pkg]} still missing after installing $pkg" >&2; exit 1; }
done
echo "install-test-deps: done"
