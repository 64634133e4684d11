#!/usr/bin/env bash
# Create .venv (installing Debian's python3-venv if needed, as root) and install pynn_hpc into it
# with the extras given as arguments, e.g. `bash scripts/install.sh nest` or `... test`.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=$(IFS=,; echo "$*")
if [ ! -x .venv/bin/python ]; then
  if ! python3 -m venv .venv 2>/dev/null; then
    rm -rf .venv
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    else
      echo "install.sh: 'python3 -m venv' failed: install Debian's python3-venv (as root) and retry" >&2
      exit 2
    fi
    python3 -m venv .venv
  fi
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".${extras:+[$extras]}"
