#!/usr/bin/env bash
# Install every simulator the suite uses into .venv (NEST, NEURON, and MPI for NEURON's
# multi-process tests), then run the whole suite against them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh test
bash scripts/install_mpi.sh
exec .venv/bin/pytest -q -p no:cacheprovider tests "$@"
