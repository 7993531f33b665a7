#!/usr/bin/env bash
# Installs the Debian packages Airlock needs on this machine, skipping what is present.
#   bash scripts/system-deps.sh [--for install|start|test|bench|all] [--list-missing]
# Called first by `npm start`, `npm test` and `npm run bench`, and by a plain `npm install`'s postinstall
# (scripts/setup/after-install.mjs) when the native modules could not build. Not root (or no apt-get):
# prints one line with the exact command to run and exits non-zero. --list-missing only prints the
# missing packages (space-separated, empty line when none) and exits 0.
set -euo pipefail

purpose="all"
list_only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --for) purpose="${2:-all}"; shift 2 ;;
    --list-missing) list_only=1; shift ;;
    *) echo "airlock: system-deps.sh: unknown argument $1 (use --for install|start|test|bench|all, --list-missing)" >&2; exit 2 ;;
  esac
done

# Building the native modules (better-sqlite3, keytar) needs make and a C++ compiler (build-essential),
# python3 (node-gyp), pkg-config and libsecret-1-dev (keytar). The keychain in tests is gnome-keyring in a
# private D-Bus session; the renderer e2e and the browser preview run in Debian's Chromium (under Xvfb
# where needed); nginx is the benchmark's floor reference (and wrk its throughput client); PostgreSQL backs the several-instances store.
# tpm2-tools is how the app uses a TPM 2.0 for its device key (without it the app uses the keychain);
# swtpm + swtpm-tools are the software TPM (with swtpm_setup's local EK CA) that tests and the bench use.
tpm="tpm2-tools swtpm swtpm-tools"
# iproute2 gives `ss`, with which the gateway names the OS user and pid on the other end of its admin
# socket (gateway/admin/peer-identity.ts); a minimal image lacks it, and audit entries then name only
# the socket's owner.
gateway="iproute2"
build="build-essential python3 pkg-config libsecret-1-dev"
case "$purpose" in
  install) wanted="$build" ;;
  start) wanted="$build $gateway gnome-keyring dbus-x11 chromium tpm2-tools" ;;
  test)  wanted="$build $gateway gnome-keyring dbus-x11 libsecret-tools xvfb chromium postgresql $tpm" ;;
  bench) wanted="$build $gateway gnome-keyring dbus-x11 nginx wrk postgresql $tpm" ;;
  all)   wanted="$build $gateway gnome-keyring dbus-x11 libsecret-tools xvfb chromium nginx wrk postgresql $tpm" ;;
  *) echo "airlock: system-deps.sh: unknown purpose $purpose (use install, start, test, bench or all)" >&2; exit 2 ;;
esac

missing=""
for pkg in $wanted; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $pkg"
  fi
done
missing="${missing# }"
if [ -n "$list_only" ]; then echo "$missing"; exit 0; fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  # A stock server image may have no sudo (Debian's minbase has none): then say "as root" instead.
  if command -v sudo >/dev/null 2>&1; then
    echo "airlock: missing system packages ($missing); run:  sudo apt-get update && sudo apt-get install -y --no-install-recommends $missing" >&2
  else
    echo "airlock: missing system packages ($missing); run as root (su -):  apt-get update && apt-get install -y --no-install-recommends $missing" >&2
  fi
  exit 1
fi

echo "airlock: installing system packages: $missing (once; a minute or two on a fresh machine)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "airlock: system packages ready" >&2
