#!/usr/bin/env bash
# Installs what the real-VS-Code E2E suite (test/e2e/run.mjs) needs: Debian chromium and
# build tools, and code-server (VS Code 1.99.3 in a browser) completed offline.
# Idempotent: a second run checks the stamp and a smoke test and exits in about a second.
#
#   bash scripts/e2e-setup.sh
#
# Environment:
#   E2E_CACHE_DIR   where code-server is installed (default: <repo>/.vscode-test, git-ignored)
#   CS_VERSION      code-server version (default 4.99.4: the last line that runs on Node 20)
#   SKIP_APT=1      do not touch apt (packages already present)
#   FORCE=1         redo the code-server install even if it looks complete
#
# playwright-core and @vscode/vsce come from the project's own devDependencies (npm ci).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$(realpath -m "${E2E_CACHE_DIR:-$REPO/.vscode-test}")"
PREFIX="$CACHE/code-server"
LOG_DIR="$CACHE/logs"
CS_VERSION="${CS_VERSION:-4.99.4}"
mkdir -p "$PREFIX" "$LOG_DIR"

T_START=$SECONDS
step_t=$SECONDS
step() { echo "[e2e-setup] $(( SECONDS - T_START ))s | $*"; step_t=$SECONDS; }
took() { echo "[e2e-setup]   took $(( SECONDS - step_t ))s"; }
fail_log() { echo "[e2e-setup] ERROR: $1 failed; last lines of $2:" >&2; tail -30 "$2" >&2; exit 1; }

export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# node-pty's postinstall runs `npx node-gyp …`, which aborts when ~/.npmrc says yes=false.
export npm_config_yes=true
# There is no internet for node-gyp to fetch Node headers: use the local ones.
if [ -z "${npm_config_nodedir:-}" ]; then
  for d in "$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")" /usr /usr/local; do
    if [ -f "$d/include/node/node_api.h" ]; then export npm_config_nodedir="$d"; break; fi
  done
fi
export JOBS="${JOBS:-max}"

# ------------------------------------------------------------------ 0. node
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$NODE_MAJOR" != 20 ]; then
  echo "[e2e-setup] ERROR: code-server $CS_VERSION needs Node 20 (found $(node -v))." >&2
  exit 1
fi

# ------------------------------------------------------------------ 1. apt packages
# libsecret-1-dev is not needed by 4.99.4 (no keytar) but is cheap and some native modules probe for it.
APT_PKGS=(chromium ripgrep libkrb5-dev libsecret-1-dev build-essential python3 pkg-config)
if [ "${SKIP_APT:-0}" != 1 ]; then
  step "apt: ${APT_PKGS[*]}"
  missing=()
  for p in "${APT_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "[e2e-setup]   installing: ${missing[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq >"$LOG_DIR/apt.log" 2>&1 || fail_log "apt-get update" "$LOG_DIR/apt.log"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" \
      >>"$LOG_DIR/apt.log" 2>&1 || fail_log "apt-get install" "$LOG_DIR/apt.log"
  else
    echo "[e2e-setup]   all present"
  fi
  took
fi
for b in chromium rg; do command -v "$b" >/dev/null || { echo "[e2e-setup] ERROR: $b missing" >&2; exit 1; }; done
if [ -z "${npm_config_nodedir:-}" ]; then
  echo "[e2e-setup] ERROR: no Node headers (include/node/node_api.h); node-gyp would try to download them." >&2
  exit 1
fi

# ------------------------------------------------------------------ 2. code-server
CS_ROOT="$PREFIX/node_modules/code-server"
VS="$CS_ROOT/lib/vscode"
STAMP="$PREFIX/.setup-complete-$CS_VERSION"
cs_smoke() {
  # Any code-server invocation writes $XDG_CONFIG_HOME/code-server/config.yaml: keep it out of ~.
  local tmpx out rc; tmpx="$(mktemp -d)"
  out="$(XDG_CONFIG_HOME="$tmpx" "$PREFIX/node_modules/.bin/code-server" --version 2>/dev/null || true)"
  rc=1
  if grep -q "^$CS_VERSION " <<<"$out"; then
    (cd "$VS" && node -e '
      for (const m of ["@vscode/spdlog","node-pty","native-watchdog","kerberos","@parcel/watcher","@vscode/deviceid"]) require(m);
      require("fs").accessSync(require("@vscode/ripgrep").rgPath, 1);') && rc=0
  fi
  rm -rf "$tmpx"
  [ $rc = 0 ] && echo "[e2e-setup]   code-server --version: $(grep "^$CS_VERSION " <<<"$out")"
  return $rc
}

if [ "${FORCE:-0}" != 1 ] && [ -f "$STAMP" ] && cs_smoke; then
  step "code-server $CS_VERSION already installed in $PREFIX"
else
  rm -f "$PREFIX"/.setup-complete-*
  step "npm install code-server@$CS_VERSION --ignore-scripts (its postinstall downloads ripgrep from GitHub)"
  [ -f "$PREFIX/package.json" ] || echo '{ "private": true }' >"$PREFIX/package.json"
  (cd "$PREFIX" && npm install --ignore-scripts --omit=dev --no-package-lock "code-server@$CS_VERSION" \
    >"$LOG_DIR/npm-code-server.log" 2>&1) || fail_log "npm install code-server" "$LOG_DIR/npm-code-server.log"
  took

  step "npm rebuild argon2 (prebuilt download fails, node-gyp builds it)"
  (cd "$PREFIX" && npm rebuild argon2 --foreground-scripts >"$LOG_DIR/rebuild-argon2.log" 2>&1) \
    || fail_log "argon2 rebuild" "$LOG_DIR/rebuild-argon2.log"
  took

  # What code-server's postinstall.sh would do, without the network.
  step "lib/vscode: npm install --omit=dev --ignore-scripts"
  (cd "$VS" && npm install --omit=dev --ignore-scripts >"$LOG_DIR/npm-vscode.log" 2>&1) \
    || fail_log "lib/vscode npm install" "$LOG_DIR/npm-vscode.log"
  took

  step "ripgrep: Debian's rg into @vscode/ripgrep/bin (its postinstall then skips the download)"
  mkdir -p "$VS/node_modules/@vscode/ripgrep/bin"
  cp -f "$(command -v rg)" "$VS/node_modules/@vscode/ripgrep/bin/rg"
  took

  step "lib/vscode: npm rebuild (native: spdlog, node-pty, kerberos, native-watchdog, deviceid, ...)"
  (cd "$VS" && npm rebuild --foreground-scripts >"$LOG_DIR/rebuild-vscode.log" 2>&1) \
    || fail_log "lib/vscode npm rebuild" "$LOG_DIR/rebuild-vscode.log"
  took

  step "symlinks (node_modules.asar, remote-cli, browser helper)"
  ln -sfn node_modules "$VS/node_modules.asar"
  ln -sfn code-linux.sh "$VS/bin/remote-cli/code-server"
  ln -sfn browser-linux.sh "$VS/bin/helpers/browser.sh"
  took

  step "lib/vscode/extensions: npm install --omit=dev (built-in extensions' dependencies)"
  (cd "$VS/extensions" && npm install --omit=dev >"$LOG_DIR/npm-extensions.log" 2>&1) \
    || fail_log "extensions npm install" "$LOG_DIR/npm-extensions.log"
  took

  step "smoke test"
  cs_smoke || { echo "[e2e-setup] ERROR: code-server smoke test failed" >&2; exit 1; }
  touch "$STAMP"
  took
fi

# ------------------------------------------------------------------ 3. project tools
step "project devDependencies: playwright-core, @vscode/vsce"
if ! (cd "$REPO" && node -e 'require.resolve("playwright-core"); require.resolve("@vscode/vsce/package.json")' 2>/dev/null); then
  echo "[e2e-setup]   missing: running npm ci (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: Debian chromium is used)"
  (cd "$REPO" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci >"$LOG_DIR/npm-ci.log" 2>&1) || fail_log "npm ci" "$LOG_DIR/npm-ci.log"
else
  echo "[e2e-setup]   present"
fi
took

echo "[e2e-setup] node $(node -v), code-server $CS_VERSION, $(chromium --version 2>/dev/null | head -1)"
echo "[e2e-setup] code-server: $PREFIX/node_modules/.bin/code-server ($(du -sh "$PREFIX" | cut -f1))"
echo "[e2e-setup] OK in $(( SECONDS - T_START ))s"
