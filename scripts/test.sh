#!/usr/bin/env bash
# Install every simulator the suite uses into .venv (NEST, NEURON, sPyNNaker, Brian2 via the
# `test` extra; mpich, mpi4py and an MPI-enabled NEST for the multi-process tests; chromium for
# the report tests),
# then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh test
# The long pole, NEST's build (both cores), starts as soon as its Debian packages are there;
# mpi4py's build and the browser's download go on beside it; then NEST's wheel is installed.
bash scripts/install_nest_mpi.sh --deps
bash scripts/install_nest_mpi.sh --build & nest_build=$!
bash scripts/install_mpi.sh
bash scripts/install_browser.sh
wait "$nest_build"
bash scripts/install_nest_mpi.sh
# Two workers (pytest-xdist; the tests sharing the teaching comparison on one of them), then,
# alone, the tests marked serial: MPI runs, whose ranks poll for messages and would fight the
# other worker for the 2 cores, and deadlines on how fast a signal stops a run.
# Exit code 5 is pytest's "no test selected" (e.g. -k picked none of one part).
status=0
.venv/bin/pytest -q -p no:cacheprovider -n 2 --dist loadgroup -m "not serial" tests "$@" || status=$?
[ "$status" = 5 ] && status=0
.venv/bin/pytest -q -p no:cacheprovider -m serial tests "$@" || { s=$?; [ "$s" = 5 ] || status=$s; }
exit "$status"
