#!/usr/bin/env sh
# Installs what the test suite needs from Debian: PostgreSQL and Redis (started
# on loopback by the tests) and Chromium (driven headless by Playwright). Run as root (CI) or with sudo; otherwise says what is
# missing, and the tests for those backends are skipped (outside CI).
set -eu
missing=""
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing="$missing postgresql"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "note: install$missing to run the PostgreSQL, Redis and browser tests" >&2; exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
