#!/usr/bin/env bash
# Installs the Debian packages Airlock needs on this machine, skipping what is present.
# Called by `npm test`, `npm start` and .ci/run so that a fresh Debian 12 machine works.
# Not root (or no apt): prints the exact command to run instead and exits non-zero.
set -euo pipefail

purpose="all"
if [ "${1:-}" = "--for" ]; then purpose="${2:-all}"; fi

# What each use needs. keytar builds against libsecret; the keychain in tests is gnome-keyring in a
# private D-Bus session; the renderer e2e runs in Debian's Chromium under Xvfb where needed; nginx is
# the benchmark's floor reference; PostgreSQL backs the several-instances store.
case "$purpose" in
  install) wanted="libsecret-1-dev" ;;
  start) wanted="libsecret-1-dev gnome-keyring dbus-x11 chromium" ;;
  test)  wanted="libsecret-1-dev gnome-keyring dbus-x11 libsecret-tools xvfb chromium postgresql" ;;
  bench) wanted="libsecret-1-dev gnome-keyring dbus-x11 nginx postgresql" ;;
  *)     wanted="libsecret-1-dev gnome-keyring dbus-x11 libsecret-tools xvfb chromium nginx postgresql" ;;
esac

missing=""
for pkg in $wanted; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $pkg"
  fi
done
missing="${missing# }"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "airlock: missing system packages: $missing" >&2
  echo "airlock: install them with:  sudo apt-get update && sudo apt-get install -y --no-install-recommends $missing" >&2
  exit 1
fi

echo "airlock: installing system packages: $missing (once; about 30 s)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "airlock: system packages ready" >&2
