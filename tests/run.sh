#!/usr/bin/env bash
# Sets up everything the test suite needs on a fresh Debian/Ubuntu machine and runs it.
# Chromium comes from Debian's package: Playwright cannot download its own browser everywhere.
set -euo pipefail
cd "$(dirname "$0")/.."

# redis-server: the several-machines mode (issue 19) is tested against a real Redis.
missing=""
if [ ! -x /usr/bin/chromium ] && ! command -v chromium >/dev/null 2>&1; then missing="chromium"; fi
if ! command -v redis-server >/dev/null 2>&1; then missing="$missing redis-server"; fi
if [ -n "$missing" ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $missing
fi

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]'
.venv/bin/ruff check .
.venv/bin/mypy crawler pipelines
.venv/bin/python -m pytest -q "$@"
