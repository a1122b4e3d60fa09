#!/usr/bin/env bash
# One-time set-up on a fresh Debian/Ubuntu machine with Node 20.19+:
# pnpm, the workspace's dependencies, a Vulkan driver for WebGPU where the machine has no GPU
# driver (Mesa lavapipe 25.x), Chromium for the playground's browser tests, and the build.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
say() { printf '[setup] %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

# --- Node ---------------------------------------------------------------------------------
node_ok=$(node -e 'const [a,b]=process.versions.node.split(".").map(Number); console.log(a>20||(a===20&&b>=19)?1:0)' 2>/dev/null || echo 0)
if [ "$node_ok" != 1 ]; then
  say "Node.js 20.19 or newer is required (found: $(node --version 2>/dev/null || echo none))."
  exit 1
fi

# --- pnpm ---------------------------------------------------------------------------------
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  say "installing pnpm@$PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null 2>&1 || as_root npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi

# --- Vulkan driver for Dawn ---------------------------------------------------------------
# Dawn needs Vulkan on Linux. Without a GPU driver, Mesa's lavapipe (a CPU implementation)
# works from version 25; Debian bookworm ships 22.x, which Dawn rejects, so take backports.
have_gpu_icd() {
  ls /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d/ 2>/dev/null | grep -qiE 'nvidia|radeon|intel|amd' 
}
mesa_version() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | sed 's/^[0-9]*://' | cut -d. -f1 || true; }
if [ "$(uname -s)" = Linux ] && ! have_gpu_icd; then
  major=$(mesa_version)
  if [ -z "$major" ] || [ "$major" -lt 25 ]; then
    . /etc/os-release 2>/dev/null || true
    if [ "${ID:-}" = debian ] && [ "${VERSION_CODENAME:-}" = bookworm ]; then
      cmd="echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/bookworm-backports.list && apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -t bookworm-backports mesa-vulkan-drivers"
    else
      cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y mesa-vulkan-drivers"
    fi
    if command -v apt-get >/dev/null && as_root true 2>/dev/null; then
      say "installing Mesa's Vulkan drivers (lavapipe) for WebGPU without a GPU"
      as_root bash -c "$cmd" >/tmp/nonlinear-setup-apt.log 2>&1 || { say "apt-get failed; see /tmp/nonlinear-setup-apt.log"; exit 1; }
    else
      say "no Vulkan driver found. As root, run:"
      say "  $cmd"
      say "or use the cpu backend: NONLINEAR_BACKEND=cpu"
    fi
  fi
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

# --- Text corpus for the activations language-model study ----------------------------------
# Debian's fortunes package (~2 MB of English text in /usr/share/games/fortunes/). Optional:
# the study takes any text with --corpus FILE, so a machine without apt only gets a hint.
if [ "$(uname -s)" = Linux ] && [ ! -d /usr/share/games/fortunes ]; then
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y fortunes"
  if command -v apt-get >/dev/null && as_root true 2>/dev/null; then
    say "installing Debian's fortunes (the text corpus of the activations study)"
    as_root bash -c "$cmd" >>/tmp/nonlinear-setup-apt.log 2>&1 || say "apt-get failed (see /tmp/nonlinear-setup-apt.log); the activations study will need --corpus FILE"
  else
    say "no fortunes corpus found. As root, run:"
    say "  $cmd"
    say "or give the activations study any text with --corpus FILE"
  fi
fi

# --- Chromium for the playground's browser tests ------------------------------------------
# apps/playground's end-to-end tests drive Debian's chromium headless with WebGPU on (no browser
# is ever downloaded by a test tool). Under CI=true they fail without it, so install it here.
if [ "$(uname -s)" = Linux ] && [ ! -x /usr/bin/chromium ]; then
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium"
  if command -v apt-get >/dev/null && as_root true 2>/dev/null; then
    say "installing Debian's chromium (the playground's browser tests)"
    as_root bash -c "$cmd" >>/tmp/nonlinear-setup-apt.log 2>&1 || { say "apt-get failed; see /tmp/nonlinear-setup-apt.log"; exit 1; }
  else
    say "no Chromium found. As root, run:"
    say "  $cmd"
    say "or skip the playground's browser tests (they are skipped without it, except under CI=true)"
  fi
fi

# --- dependencies and build ---------------------------------------------------------------
say "installing dependencies"
pnpm install --frozen-lockfile --reporter=silent
say "building"
pnpm run build >/tmp/nonlinear-setup-build.log 2>&1 || { cat /tmp/nonlinear-setup-build.log; exit 1; }
say "ready"
