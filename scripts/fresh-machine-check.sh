#!/usr/bin/env bash
# Proves the README's quick start on a machine that has never seen Airlock: builds a Debian 12 root with
# mmdebstrap (minbase plus ca-certificates, git and python3, none of the project's Debian packages),
# copies this machine's Node 20 and npm into it, clones the repository's committed HEAD and runs the
# README's quick-start commands in order inside the root, printing each one's time and result.
#
#   sudo bash scripts/fresh-machine-check.sh [--repo PATH] [--scenario readme|npm-install]
#        [--cache DIR] [--start-timeout SECONDS] [--keep]
#
#   --repo PATH        the repository to clone (default: the one this script lives in); its committed
#                      HEAD is tested, not its working tree
#   --scenario readme  (default) the commands of the README's "Quick start" block, in order
#   --scenario npm-install
#                      a plain `npm install` instead: first as an ordinary user (must stop with one line
#                      saying what to run), then as root (must succeed and build the native modules)
#   --cache DIR        where the base root tarball is kept between runs
#                      (default /var/cache/airlock-fresh-machine; delete it to rebuild)
#   --start-timeout S  how long `npm start` may take, set-up included, to show the enrolled app (default
#                      2400: its first run installs packages and builds native modules). Headless it
#                      writes .airlock-dev/screenshots/enrolled.png and stays up until Ctrl-C; the check
#                      sends Ctrl-C (SIGINT to its process group) once the screenshot is there, and
#                      counts the step as passed when it then stops within 30 s
#   --keep             keep the root afterwards (it is printed) instead of deleting it
#
# Needs root (chroot, mounts), mmdebstrap and the network this machine has (Debian mirrors, the npm
# registry). Takes 30 to 60 minutes on a 2-core machine: most of it building better-sqlite3 during
# `npm ci` and `npm test` itself. Exits non-zero when any command fails.
# Not called by .ci/run: a run takes longer than CI should spend on it; run it before a release or after
# changing the set-up (package.json scripts, scripts/system-deps.sh, scripts/setup/).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
repo="$here"
scenario="readme"
cache="/var/cache/airlock-fresh-machine"
start_timeout=2400
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --repo) repo="$2"; shift 2 ;;
    --scenario) scenario="$2"; shift 2 ;;
    --cache) cache="$2"; shift 2 ;;
    --start-timeout) start_timeout="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fresh-machine-check: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$scenario" in readme|npm-install) ;; *) echo "fresh-machine-check: --scenario is readme or npm-install" >&2; exit 2 ;; esac
[ "$(id -u)" = "0" ] || { echo "fresh-machine-check: needs root (chroot and mounts); run it with sudo" >&2; exit 2; }
command -v mmdebstrap >/dev/null || { echo "fresh-machine-check: needs mmdebstrap: apt-get install mmdebstrap" >&2; exit 2; }
node_bin="$(command -v node)"
node_version="$("$node_bin" --version)"
case "$node_version" in v20.*) ;; *) echo "fresh-machine-check: needs Node 20 on this machine (found $node_version)" >&2; exit 2 ;; esac
npm_dir="$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)"

say() { printf 'fresh-machine-check: %s\n' "$*"; }
stamp() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b - a }'; }

# ---- the base root, cached: minbase + ca-certificates, git, python3 (the issue's stock server image)
mkdir -p "$cache"
base="$cache/debian12-minbase.tar"
if [ ! -s "$base" ]; then
  say "building the Debian 12 base root with mmdebstrap (once; cached as $base)"
  # This machine's apt sources (deb822 or one-line), so the root uses the mirror that works here.
  sources="$(ls /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 || true)"
  [ -n "$sources" ] || sources="/etc/apt/sources.list"
  # --format: the name ends in .partial, from which mmdebstrap would choose a directory, not a tarball.
  mmdebstrap --variant=minbase --format=tar --include=ca-certificates,git,python3 \
    --aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Check-Date "false"' \
    bookworm "$base.partial" "$sources"
  mv "$base.partial" "$base"
fi

work="$(mktemp -d /var/tmp/airlock-fresh.XXXXXX)"
root="$work/root"
mkdir -p "$root"
mounted=()
cleanup() {
  local status=$?
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
  if [ -n "$keep" ]; then say "root kept at $root"; else rm -rf --one-file-system "$work"; fi
  exit "$status"
}
trap cleanup EXIT
tar -C "$root" -xpf "$base"

# ---- this machine's network trust and name resolution (not the project's business: a real machine has
# its own). Its egress goes through a TLS-inspecting proxy whose CA is a local certificate.
cp /etc/resolv.conf "$root/etc/resolv.conf"
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
fi

# ---- Node 20 and npm, as a NodeSource or Debian install lays them out: the binary, npm's folder and
# Node's headers (part of the same package; node-gyp builds native modules against them).
install -m 0755 "$node_bin" "$root/usr/bin/node"
mkdir -p "$root/usr/lib/node_modules" "$root/usr/include"
cp -a "$npm_dir" "$root/usr/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
node_prefix="$(cd "$(dirname "$node_bin")/.." && pwd)"
[ -d "$node_prefix/include/node" ] && cp -a "$node_prefix/include/node" "$root/usr/include/node"

# ---- what a running machine has mounted; Chromium needs /dev/shm, gnome-keyring and PostgreSQL /proc.
mount_in() { mkdir -p "$root$2"; mount "${@:3}" "$1" "$root$2"; mounted+=("$root$2"); }
mount_in proc /proc -t proc
mount_in sysfs /sys -t sysfs
mount_in /dev /dev --bind
mount_in devpts /dev/pts -t devpts -o newinstance,ptmxmode=0666
mount_in tmpfs /dev/shm -t tmpfs -o mode=1777
mount_in tmpfs /run -t tmpfs -o mode=0755

# ---- the clone: committed HEAD of --repo (works for a git worktree too)
head="$(git -C "$repo" rev-parse HEAD)"
git clone --quiet --no-hardlinks "$repo" "$root/root/airlock"
git -C "$root/root/airlock" checkout --quiet --detach "$head"
say "root $root: Debian $(cat "$root/etc/debian_version"), Node $node_version, npm $("$node_bin" "$npm_dir/bin/npm-cli.js" --version), repository $repo at ${head:0:12}"
say "project packages present in the root before the run: $(chroot "$root" dpkg-query -W -f='${Package} ' build-essential pkg-config libsecret-1-dev gnome-keyring chromium postgresql 2>/dev/null || true)(none expected)"

# Runs one command inside the root as USER (root or airlock) in that user's clone (~/airlock), with a
# clean environment: what a login on that machine would have.
in_root() {
  local user="$1" command="$2"
  local home=/root
  [ "$user" = root ] || home="/home/$user"
  chroot "$root" /usr/bin/env -i HOME="$home" USER="$user" LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    ${NODE_EXTRA_CA_CERTS:+NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt} \
    runuser -u "$user" -- bash -c "cd ~/airlock && $command"
}

# `npm start` as a terminal would run it, in its own process group, stopped with Ctrl-C once it has
# shown the enrolled app (headless: the screenshot file and its "enrolled chat screen" line).
run_start() {
  local n="${#results[@]}" command="npm start"
  local log="$log_dir/$n.log" shot="$root/root/airlock/.airlock-dev/screenshots/enrolled.png"
  local started status=none seconds result shown=""
  say "----- README: $command (as root; stopped with Ctrl-C once it shows the enrolled app, at most ${start_timeout}s)"
  started="$(stamp)"
  : >"$log"
  # A background job of a script starts with SIGINT ignored; --default-signal gives it back, so Ctrl-C
  # reaches npm start as it would from a terminal.
  setsid env --default-signal=INT bash -c "$(declare -f in_root); root='$root'; in_root root '$command'" >"$log" 2>&1 &
  local pid=$!
  tail -n +1 -f "$log" --pid "$pid" &
  local tail_pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [ -s "$shot" ] && grep -q 'enrolled chat screen reached' "$log"; then shown=1; break; fi
    if [ "$(elapsed "$started" "$(stamp)")" -ge "$start_timeout" ]; then break; fi
    sleep 2
  done
  local shown_after
  shown_after="$(elapsed "$started" "$(stamp)")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -INT -- "-$pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then say "npm start did not stop within 30 s of Ctrl-C: killing it"; kill -KILL -- "-$pid" 2>/dev/null || true; fi
  fi
  set +e; wait "$pid"; status=$?; set -e
  wait "$tail_pid" 2>/dev/null || true
  seconds="$(elapsed "$started" "$(stamp)")"
  # 0, or 130 (128 + SIGINT) from npm itself: both are "stopped by Ctrl-C", as a user would.
  if [ -n "$shown" ] && { [ "$status" = 0 ] || [ "$status" = 130 ]; }; then result="ok"; else result="FAILED"; failed=1; fi
  [ -n "$shown" ] && { mkdir -p "$cache/screenshots"; cp "$shot" "$cache/screenshots/enrolled.png"; }
  results+=("$(printf '%-8s %5ss  exit %-3s %s  (%s)' "$result" "$seconds" "$status" "$command" \
    "$([ -n "$shown" ] && echo "enrolled app shown after ${shown_after}s, then Ctrl-C; screenshot $cache/screenshots/enrolled.png" || echo "enrolled app NOT shown within ${start_timeout}s")")")
  say "----- README: $command: ${result} in ${seconds}s"
}

results=()
failed=0
log_dir="$work/logs"
mkdir -p "$log_dir"
run_step() {
  local label="$1" user="$2" command="$3" expect="$4" n="${#results[@]}"
  local log="$log_dir/$n.log" started status
  say "----- $label: $command (as $user)"
  started="$(stamp)"
  set +e
  in_root "$user" "$command" 2>&1 | tee "$log"
  status="${PIPESTATUS[0]}"
  set -e
  local seconds result
  seconds="$(elapsed "$started" "$(stamp)")"
  if { [ "$expect" = pass ] && [ "$status" = 0 ]; } || { [ "$expect" = fail ] && [ "$status" != 0 ]; }; then result="ok"; else result="FAILED"; failed=1; fi
  results+=("$(printf '%-8s %5ss  exit %-3s %s  (%s, as %s)' "$result" "$seconds" "$status" "$command" "expected to $expect" "$user")")
  say "----- $label: exit $status in ${seconds}s: $result"
}

if [ "$scenario" = readme ]; then
  # The README's quick start, as written: the ```sh block after "## Quick start". The clone and cd are
  # done above (the README's clone URL is a placeholder); every other line runs, comments stripped.
  mapfile -t commands < <(awk '/^## Quick start/ { inside = 1 } inside && /^```sh/ { block = 1; next } block && /^```/ { exit } block { print }' "$root/root/airlock/README.md" |
    sed -e 's/[[:space:]]*#.*$//' -e '/^[[:space:]]*$/d' | grep -v '^git clone')
  [ "${#commands[@]}" -gt 0 ] || { say "no commands found in the README's Quick start block"; exit 1; }
  say "the README's quick start: $(printf '[%s] ' "${commands[@]}")"
  for command in "${commands[@]}"; do
    if [ "$command" = "npm start" ]; then
      run_start
    else
      run_step "README" root "$command" pass
    fi
  done
else
  chroot "$root" useradd --create-home --shell /bin/bash airlock
  git clone --quiet "$root/root/airlock" "$root/home/airlock/airlock"
  chroot "$root" chown -R airlock:airlock /home/airlock/airlock
  run_step "npm install, not root" airlock "npm install --no-audit --no-fund" fail
  lines="$(grep -c '^airlock: ' "$log_dir/0.log" || true)"
  say "lines from Airlock in that output: $lines (expected 1): $(grep '^airlock: ' "$log_dir/0.log" | head -n3 | tr '\n' ' ')"
  if [ "$lines" != 1 ] || ! grep -q '^airlock: .*run as root (su -):  bash scripts/system-deps.sh --for install, then npm install$' "$log_dir/0.log"; then
    failed=1; results+=("FAILED   npm install as a user: not exactly one 'airlock:' line naming the command to run")
  fi
  # (minbase has no sudo, so the line must say "as root" rather than name a sudo that is not there.)
  # Root, in its own fresh clone: installs the build packages from the postinstall and builds the modules.
  run_step "npm install, root" root "npm install --no-audit --no-fund" pass
  run_step "native modules load" root "node scripts/setup/ensure-deps.mjs --check && git status --porcelain && test -z \"\$(git status --porcelain)\"" pass
fi

say "===== summary ($scenario, Debian 12 root without the project's packages, repository at ${head:0:12})"
for line in "${results[@]}"; do say "$line"; done
if [ "$failed" = 0 ]; then say "all passed"; else say "FAILED"; fi
exit "$failed"
