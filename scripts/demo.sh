#!/usr/bin/env bash
# Install everything into .venv and run the product on the embedded default (SQLite under ./data),
# with migrations applied, demo data seeded and the web server started.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv 2>/dev/null || { echo "python3 -m venv failed: install python3-venv (Debian: apt-get install python3-venv)" >&2; exit 1; }
[ -x .venv/bin/pip ] || python3 -m venv --upgrade-deps .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e .
exec .venv/bin/callcenter demo "$@"
