#!/usr/bin/env bash
# Install every simulator the suite uses into .venv, then run the whole suite against them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh test
exec .venv/bin/pytest -q -p no:cacheprovider tests "$@"
