#!/usr/bin/env bash
# Install the test dependencies (Python packages into .venv, Debian's Chromium for the browser
# tests) and run the whole suite: on SQLite always, and again on PostgreSQL when one is reachable.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian's chromium for the browser tests"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing and cannot be installed without root: browser tests will be skipped" >&2
  fi
fi

if [ -z "${CALLCENTER_TEST_DATABASE_URL:-}" ] && command -v pg_isready >/dev/null 2>&1 \
   && pg_isready -q -h 127.0.0.1 -p 5432; then
  export CALLCENTER_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/postgres"
fi
echo "backends: sqlite${CALLCENTER_TEST_DATABASE_URL:+ and postgresql ($CALLCENTER_TEST_DATABASE_URL)}"

.venv/bin/ruff check --quiet .
exec .venv/bin/pytest -q -p no:cacheprovider "$@"
