#!/usr/bin/env bash
# Install every simulator the suite uses into .venv (NEST, NEURON, sPyNNaker via the `test` extra;
# mpich, mpi4py and an MPI-enabled NEST for the multi-process tests; chromium for the report tests),
# then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh test
bash scripts/install_mpi.sh
bash scripts/install_browser.sh
bash scripts/install_nest_mpi.sh
exec .venv/bin/pytest -q -p no:cacheprovider tests "$@"
