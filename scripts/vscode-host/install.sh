#!/usr/bin/env bash
# Installs a real VS Code for the host tests: code-server (VS Code's server + web workbench, from the npm
# registry) into the gitignored .vscode-host/code-server, plus the Debian packages it and the runner need.
# Idempotent: when everything is already there it only checks and exits (well under a second).
# See scripts/vscode-host/README.md and VSCODE-HOST.md.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3        # = VS Code 1.100.3; the last code-server that accepts Node 20
RIPGREP_NPM_VERSION=1.15.11        # @vscode/ripgrep inside code-server 4.100.3
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
APT_PACKAGES=(libkrb5-dev pkg-config ripgrep chromium)
# Dependencies of code-server's lib/vscode whose install scripts (native builds, rg) must run.
NESTED_ALLOW_SCRIPTS=@parcel/watcher,@vscode/deviceid,@vscode/ripgrep,@vscode/spdlog,kerberos,native-watchdog,node-pty

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dir=$root/.vscode-host/code-server
bin=$dir/node_modules/.bin/code-server
stamp=$dir/.installed

log() { echo "[vscode-host] $*"; }

# Prints `code-server --version`'s last line, e.g. "4.100.3 <commit> with Code 1.100.3", or nothing. Even
# --version writes a default config and a log folder: keep them out of the user's ~/.config and ~/.local.
installed_version() {
  [[ -x $bin ]] || return 0
  local scratch
  scratch=$(mktemp -d)
  XDG_CONFIG_HOME=$scratch XDG_DATA_HOME=$scratch "$bin" --version 2>/dev/null | tail -n 1 || true
  rm -rf "$scratch"
}

# 1. Debian packages, only the missing ones.
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=; [[ $(id -u) == 0 ]] || sudo=sudo
  log "apt-get install ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. code-server, unless a complete install of this version is there and answers.
if [[ -f $stamp && $(cat "$stamp") == "$CODE_SERVER_VERSION" && $(installed_version) == "$CODE_SERVER_VERSION "* ]]; then
  log "code-server $CODE_SERVER_VERSION already installed in ${dir#"$root"/}"
  exit 0
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [[ $node_major != 20 ]]; then
  echo "code-server $CODE_SERVER_VERSION needs Node 20 (this is Node $(node -v))" >&2
  exit 1
fi

# @vscode/ripgrep's postinstall downloads rg from GitHub unless the archive is in its cache: seed it from
# Debian's rg. The cache lives in os.tmpdir() of the npm process, i.e. of this shell.
cache=$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RIPGREP_NPM_VERSION
if [[ ! -s $cache/$RIPGREP_ASSET ]]; then
  log "seeding the @vscode/ripgrep cache from /usr/bin/rg"
  t=$(mktemp -d)
  cp /usr/bin/rg "$t/"
  mkdir -p "$cache"
  tar czf "$cache/$RIPGREP_ASSET" -C "$t" rg
  rm -rf "$t"
fi

log "installing code-server $CODE_SERVER_VERSION into ${dir#"$root"/} (about a minute; GitHub prebuilds fail and native modules build from source)"
rm -f "$stamp"
mkdir -p "$dir"
cat > "$dir/package.json" <<JSON
{
  "name": "spawn-app-vscode-host",
  "private": true,
  "description": "Written by scripts/vscode-host/install.sh",
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON
cs=$dir/node_modules/code-server
(
  cd "$dir"
  # nodedir: node-gyp uses the local Node headers (it cannot download them); yes: node-pty's `npx node-gyp`
  # runs without a prompt; unsafe_perm: code-server's postinstall runs as root.
  export npm_config_nodedir=/usr npm_config_yes=true npm_config_unsafe_perm=true
  # npm >= 11.19 runs a dependency's install scripts only when allowed, and forbids --allow-scripts in a
  # project install. package.json above allows code-server's and argon2's; code-server's postinstall runs
  # nested `npm install`s in lib/vscode and lib/vscode/extensions, which read their own project .npmrc.
  # So: unpack without scripts, drop those .npmrc files in, then run the scripts.
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error
  for p in "$cs/lib/vscode" "$cs/lib/vscode/extensions"; do
    echo "allow-scripts=$NESTED_ALLOW_SCRIPTS" > "$p/.npmrc"
  done
  npm rebuild --no-audit --no-fund --loglevel=error
)

version=$(installed_version)
log "installed: code-server $version"
[[ $version == "$CODE_SERVER_VERSION "* ]] || { echo "unexpected code-server version: $version" >&2; exit 1; }
echo "$CODE_SERVER_VERSION" > "$stamp"
