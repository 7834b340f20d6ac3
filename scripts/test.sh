#!/usr/bin/env bash
# Install the test dependencies (Python packages into .venv, both Whisper backends among them; Debian's
# Chromium and espeak-ng) and run the whole suite: on SQLite always, and again on PostgreSQL when one is
# reachable.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[test,whisper-reference]'

# Debian packages the tests use: Chromium for the browser tests, espeak-ng to speak the audio the
# transcription tests transcribe.
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v espeak-ng >/dev/null 2>&1 || missing="$missing espeak-ng"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian's$missing for the tests"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086  # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "$missing missing and cannot be installed without root: the tests needing them will be skipped" >&2
  fi
fi

if [ -z "${CALLCENTER_TEST_DATABASE_URL:-}" ] && command -v pg_isready >/dev/null 2>&1 \
   && pg_isready -q -h 127.0.0.1 -p 5432; then
  export CALLCENTER_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/postgres"
fi
echo "backends: sqlite${CALLCENTER_TEST_DATABASE_URL:+ and postgresql ($CALLCENTER_TEST_DATABASE_URL)}"

.venv/bin/ruff check --quiet .
# Types (mypy --strict with the pydantic plugin, [tool.mypy]) and the dependency rule of
# docs/architecture.md ([tool.importlinter]): either failing stops the run before the tests.
.venv/bin/mypy
.venv/bin/lint-imports --no-logo
exec .venv/bin/pytest -q -p no:cacheprovider "$@"
