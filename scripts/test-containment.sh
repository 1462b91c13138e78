#!/usr/bin/env bash
# The local sandbox's containment suites, run the two ways they fail differently: as the current user, and — when
# that is root — once more as a throwaway unprivileged user (made here, removed at the end) from a copy of the
# checkout that user can read. SPAWN_APP_REQUIRE_SANDBOX=1 is set: a machine where bubblewrap cannot sandbox fails
# these suites instead of skipping them.
#
#   scripts/test-containment.sh            # the default suites
#   scripts/test-containment.sh --unprivileged   # as root: only the throwaway user's run (npm test: the root run is test:unit's)
#   scripts/test-containment.sh FILE...    # other test files (paths relative to the checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKOUT=$(pwd)
others_only=0
if [ "${1:-}" = --unprivileged ]; then others_only=1; shift; fi
SUITES=("$@")
if [ ${#SUITES[@]} -eq 0 ]; then
  SUITES=(test/process/containment.test.ts test/process/localSandbox.test.ts test/process/depCache.test.ts test/process/hostNoFollow.test.ts test/process/forwarder.test.ts test/process/outboundProxy.test.ts test/process/ports.test.ts)
fi
export SPAWN_APP_REQUIRE_SANDBOX=1
# mocha directly, not through npx (npx would ask the registry whether npm is up to date).
mocha() { node node_modules/mocha/bin/mocha.js --no-config -n import=tsx --timeout 20000 --exit "$@"; }

if [ "$others_only" = 0 ]; then
  echo "== containment suites as $(id -un) (uid $(id -u))"
  node esbuild.mjs >/dev/null
  mocha "${SUITES[@]}"
fi

if [ "$(id -u)" != 0 ]; then
  echo "== not root: the run as $(id -un) (here or in test:unit) is the unprivileged one"
  exit 0
fi

user="spawn-ct-$$"
work=$(mktemp -d /tmp/spawn-containment-XXXXXX)
cleanup() {
  pkill -KILL -u "$user" 2>/dev/null || true
  userdel "$user" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
useradd --no-create-home --home-dir "$work/home" --shell /bin/bash "$user"
mkdir -p "$work/home" "$work/checkout"
# A copy of the checkout's files (tracked and new, not ignored); node_modules shared read-only when that user can
# read it where it is, else copied.
git ls-files -z --cached --others --exclude-standard | grep -zv '^node_modules$' | tar -cf - --null -T - | tar -xf - -C "$work/checkout"
modules=$(readlink -f node_modules)
if runuser -u "$user" -- test -r "$modules/tsx/package.json"; then
  ln -s "$modules" "$work/checkout/node_modules"
else
  cp -a "$modules" "$work/checkout/node_modules"
fi
chown -R "$user:" "$work/home" "$work/checkout"
chmod 711 "$work"
chmod 700 "$work/home"
echo "== containment suites as $user (uid $(id -u "$user")), from a copy in $work/checkout"
cd "$work/checkout"
# PATH without root's own folders (pyenv shims and the like under /root, which that user cannot read).
userpath=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '^/root' | paste -sd: -)
runuser -u "$user" -- env -i PATH="$userpath" HOME="$work/home" LANG="${LANG:-C.UTF-8}" SPAWN_APP_REQUIRE_SANDBOX=1 TMPDIR=/tmp \
  bash -c 'node esbuild.mjs >/dev/null && node node_modules/mocha/bin/mocha.js --no-config -n import=tsx --timeout 20000 --exit "$@"' mocha "${SUITES[@]}"
echo "== the run as $user passed"
