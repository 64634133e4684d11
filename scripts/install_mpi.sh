#!/usr/bin/env bash
# MPI for the NEURON backend: Debian's mpich (installed with apt-get when run as root) and mpi4py
# built from source against it into .venv (the binary mpi4py wheel looks for a libmpi.so.12 that
# Debian does not ship).  Building mpi4py takes about 3 minutes on 2 cores, once.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v mpicc >/dev/null || ! command -v mpirun >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq mpich libmpich-dev >/dev/null
  else
    echo "install_mpi.sh: mpicc/mpirun not found: install Debian's mpich and libmpich-dev (as root) and retry" >&2
    exit 2
  fi
fi
if ! .venv/bin/python -c "from mpi4py import MPI" 2>/dev/null; then
  .venv/bin/python -m pip install -q --force-reinstall --no-binary mpi4py mpi4py
fi
