#!/usr/bin/env bash
# Installs what `npm test`, `npm run demo` and `npm run package` need on a Debian 12 machine that reaches only
# the npm registry and Debian's apt mirrors: apt packages, the project's node_modules, and code-server (a real
# VS Code, run in Chromium by the integration tests) in the git-ignored .tools/ folder.
#
# Idempotent and quick when nothing changed: each part writes a stamp that records what it installed (the
# package-lock hash, the code-server version and recipe, the Node version), and the next run compares stamps
# instead of asking npm or apt. One line per step; on failure, the step's name and the tail of its log.
# No TTY needed. Environment: XRAY_SETUP_VERBOSE=1 streams the logs instead of keeping them in .tools/logs.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
TOOLS=$ROOT/.tools
LOGS=$TOOLS/logs
CODE_SERVER_VERSION=4.99.4
# Bump when the code-server install recipe below changes, so existing installs are redone.
CODE_SERVER_RECIPE=1
# libjpeg-turbo-progs (cjpeg) and pvrg-jpeg write the JPEG restart intervals dcmcjpeg cannot (test/fixtures/jpeg-streams.ts).
APT_PACKAGES=(chromium build-essential python3 libkrb5-dev ripgrep dcmtk libgdcm-tools libjpeg-turbo-progs pvrg-jpeg)
# training/ (the paper's models, PyTorch CPU build) and its tests; OpenBLAS so numpy/torch do not fall back
# to the reference BLAS (bench:vs-pytorch reports which one ran); PIL for the paper-style pipeline.
APT_PACKAGES+=(python3-torch python3-onnx python3-numpy python3-pil libopenblas0-pthread)

mkdir -p "$LOGS"
exec 3>&1 # the terminal, for progress lines from inside logged commands
STARTED=$(date +%s)
STEP=''
STEP_LOG=''
PREFIX='[setup]'
CS_PID=''

on_exit() {
  local rc=$?
  # A failure here must not leave the parallel code-server install running unseen.
  if [ -n "$CS_PID" ] && [ "$BASHPID" = "$$" ]; then wait "$CS_PID" 2>/dev/null || true; fi
  if [ "$rc" -ne 0 ] && [ -n "$STEP" ]; then
    echo "$PREFIX FAILED at step: $STEP (exit $rc)" >&2
    if [ -n "$STEP_LOG" ] && [ -s "$STEP_LOG" ]; then
      echo "$PREFIX last lines of $STEP_LOG:" >&2
      tail -n 30 "$STEP_LOG" | sed 's/^/    /' >&2
    fi
  fi
}
trap on_exit EXIT

# Each step has its own log file, named after the step, kept for the next failure's diagnosis.
step() {
  STEP=$1
  STEP_LOG="$LOGS/$(printf '%s' "$1" | tr -c 'a-zA-Z0-9' '-' | tr -s '-' | cut -c1-60).log"
  rm -f "$STEP_LOG"
  echo "$PREFIX $1"
}

# Runs a command with its output in the current step's log (or also on the terminal when verbose).
logged() {
  if [ "${XRAY_SETUP_VERBOSE:-}" = 1 ]; then
    "$@" 2>&1 | tee -a "$STEP_LOG"
    return "${PIPESTATUS[0]}"
  fi
  "$@" >>"$STEP_LOG" 2>&1
}

# ---------------------------------------------------------------------------------------------------------
step "check Node.js and npm"
NODE_VERSION=$(node --version 2>/dev/null || true)
case "$NODE_VERSION" in
  v20.*) ;;
  '') echo "[setup] Node.js is not installed; this project needs Node 20 (code-server $CODE_SERVER_VERSION runs on Node 20 only)" >&2; exit 1 ;;
  *) echo "[setup] Node.js $NODE_VERSION found; this project needs Node 20 (code-server $CODE_SERVER_VERSION runs on Node 20 only)" >&2; exit 1 ;;
esac
command -v npm >/dev/null || { echo "[setup] npm is not installed" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)" = 'ii ' ] || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  step "apt packages present (${APT_PACKAGES[*]})"
else
  step "apt-get install ${missing[*]}"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
      echo "[setup] not root and no password-less sudo: install these apt packages first: ${missing[*]}" >&2; exit 1
    fi
  fi
  # Another apt may be running (e.g. an unattended upgrade): wait for its locks rather than fail.
  # DPkg::Lock::Timeout covers install; `apt-get update` gives up at once on the lists lock, hence the loop.
  apt_get() {
    local tries=0
    until "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 -y -q "$@"; do
      tries=$((tries + 1))
      if [ "$tries" -ge 90 ] || ! tail -n 5 "$STEP_LOG" | grep -qiE 'could not get lock|unable to lock|is another process using it'; then
        return 1
      fi
      echo "[setup]   waiting for another apt/dpkg to release its lock ($tries)" | tee /dev/fd/3
      sleep 10
    done
  }
  logged apt_get update
  logged apt_get install --no-install-recommends "${missing[@]}"
fi

# ---------------------------------------------------------------------------------------------------------
# code-server, outside the project's node_modules (its ~300 MB of dependencies must not reach the VSIX or
# the lockfile). Its own postinstall downloads things and fails offline, so its steps are done here. A cold
# install takes about a minute, mostly compiling; it runs in parallel with the project's npm install.
CS_DIR=$TOOLS/code-server
CS_PKG=$CS_DIR/node_modules/code-server
CS_STAMP_FILE=$CS_DIR/.xray-setup-stamp
CS_STAMP="code-server=$CODE_SERVER_VERSION recipe=$CODE_SERVER_RECIPE node=${NODE_VERSION%%.*}"

install_code_server() {
  PREFIX='[setup:code-server]'
  CS_PID=''
  step "npm install code-server@$CODE_SERVER_VERSION into .tools/code-server (scripts off)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  echo '{ "private": true, "description": "code-server for the integration tests and demo (installed by scripts/setup.sh)" }' >"$CS_DIR/package.json"
  (cd "$CS_DIR" && logged npm install --no-audit --no-fund --ignore-scripts --no-package-lock "code-server@$CODE_SERVER_VERSION")

  # Native parts are compiled against the system Node's headers; `yes` lets node-pty's build fetch node-gyp.
  export npm_config_nodedir=/usr npm_config_yes=true
  step "build argon2"
  (cd "$CS_DIR" && logged npm rebuild argon2)

  step "npm install VS Code's dependencies (scripts off)"
  (cd "$CS_PKG/lib/vscode" && logged npm install --omit=dev --no-audit --no-fund --ignore-scripts)

  # @vscode/ripgrep's postinstall would download rg from GitHub; Debian's rg is the same program.
  step "copy /usr/bin/rg into @vscode/ripgrep"
  mkdir -p "$CS_PKG/lib/vscode/node_modules/@vscode/ripgrep/bin"
  cp /usr/bin/rg "$CS_PKG/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"

  step "build VS Code's native modules (node-pty, spdlog, kerberos, ...)"
  (cd "$CS_PKG/lib/vscode" && logged npm rebuild)

  # What code-server's postinstall.sh would do after its npm install.
  step "link node_modules.asar and the remote-cli/helper scripts"
  ln -sfn node_modules "$CS_PKG/lib/vscode/node_modules.asar"
  ln -sfn code-linux.sh "$CS_PKG/lib/vscode/bin/remote-cli/code-server"
  ln -sfn browser-linux.sh "$CS_PKG/lib/vscode/bin/helpers/browser.sh"

  step "npm install the built-in extensions' shared dependencies"
  (cd "$CS_PKG/lib/vscode/extensions" && logged npm install --omit=dev --no-audit --no-fund)

  step "check code-server starts"
  logged env HOME="$CS_DIR/.home" "$CS_DIR/node_modules/.bin/code-server" --version
  rm -rf "$CS_DIR/.home"
  echo "$CS_STAMP" >"$CS_STAMP_FILE"
  STEP=''
}

if [ -f "$CS_STAMP_FILE" ] && [ "$(cat "$CS_STAMP_FILE")" = "$CS_STAMP" ] && [ -x "$CS_DIR/node_modules/.bin/code-server" ]; then
  step "code-server $CODE_SERVER_VERSION present in .tools/code-server"
else
  (trap on_exit EXIT; install_code_server) &
  CS_PID=$!
fi

# ---------------------------------------------------------------------------------------------------------
# node_modules: compared by the hash of package-lock.json (+ Node major). A checkout whose node_modules was
# installed some other way is accepted when npm's own record of the tree (node_modules/.package-lock.json)
# has every locked package at its locked version, so a shared checkout is not wiped by `npm ci`.
NPM_STAMP_FILE=$ROOT/node_modules/.xray-setup-stamp
npm_stamp() { echo "lock=$(sha256sum package-lock.json | cut -c1-64) node=${NODE_VERSION%%.*}"; }
tree_matches_lock() {
  node -e '
    const fs = require("fs");
    const want = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages || {};
    const have = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8")).packages || {};
    for (const [k, v] of Object.entries(want)) {
      if (!k.startsWith("node_modules/")) continue;
      if (have[k]) { if (have[k].version !== v.version) process.exit(1); }
      else if (!v.optional && !v.peer) process.exit(1);
    }' 2>/dev/null
}
export ONNXRUNTIME_NODE_INSTALL=skip # its postinstall downloads CUDA libraries from NuGet, unreachable here
if [ ! -f package-lock.json ]; then
  step "npm install (no package-lock.json)"
  logged npm install --no-audit --no-fund
  npm_stamp >"$NPM_STAMP_FILE"
elif [ -f "$NPM_STAMP_FILE" ] && [ "$(cat "$NPM_STAMP_FILE")" = "$(npm_stamp)" ]; then
  step "node_modules up to date"
elif [ -d node_modules ] && [ -f node_modules/.package-lock.json ] && tree_matches_lock; then
  step "node_modules matches package-lock.json"
  npm_stamp >"$NPM_STAMP_FILE"
else
  if [ -d node_modules ]; then
    # Incremental, so that processes using node_modules right now keep most of it.
    step "npm install (node_modules out of date)"
    logged npm install --no-audit --no-fund
  else
    step "npm ci"
    logged npm ci --no-audit --no-fund
  fi
  # npm 11 skips dependencies' install scripts unless approved; check that what needs a native part loads.
  step "check native modules (esbuild, sharp, onnxruntime-node)"
  logged node -e '
    require("esbuild").transformSync("let a: number = 1", { loader: "ts" });
    require("sharp");
    require("onnxruntime-node");
    console.log("native modules load");'
  npm_stamp >"$NPM_STAMP_FILE"
fi

if [ -n "$CS_PID" ]; then
  step "wait for the code-server install"
  if ! wait "$CS_PID"; then
    CS_PID=''
    STEP='' # the code-server part has said which of its steps failed
    exit 1
  fi
  CS_PID=''
fi

STEP=''
echo "[setup] done in $(($(date +%s) - STARTED)) s"
