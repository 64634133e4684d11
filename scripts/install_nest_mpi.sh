#!/usr/bin/env bash
# NEST with MPI, in place of the nest-simulator wheel (built without MPI) in .venv.
#
# Builds nest-simulator from its sdist against Debian's mpich (installed with apt-get when run as
# root, together with GSL, Boost and libltdl), about 12 minutes on 2 cores, and keeps the built
# wheel in $PYNN_HPC_CACHE/nest-mpi/<version>-mpich/ (default ~/.cache/pynn_hpc), so a second
# install takes seconds.  Afterwards `pynn-hpc info` says "NEST 3.10.0 (MPI)" and
#     mpirun -np 2 .venv/bin/pynn-hpc run --backend nest --threads 1 ...
# runs one NEST process per rank.  Needs scripts/install_mpi.sh's mpich and mpi4py (run first).
#
# One step alone (scripts/test.sh runs the build beside other installs):
#     --deps   only the Debian packages the build needs (mpich, GSL, Boost, libltdl)
#     --build  only the wheel, into the cache (nothing installed into .venv)
set -euo pipefail
step="${1:-all}"
case "$step" in
  all|--deps|--build) ;;
  *) echo "install_nest_mpi.sh: unknown option '$step': give --deps, --build or nothing" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
version=3.10.0
cache="${PYNN_HPC_CACHE:-$HOME/.cache/pynn_hpc}/nest-mpi/${version}-mpich"
py=.venv/bin/python

fail() { echo "install_nest_mpi.sh: $*" >&2; exit 2; }

if [ "$step" != --deps ]; then
  [ -x "$py" ] || fail ".venv is missing: run 'bash scripts/install.sh nest' first"
fi
if [ "$step" = all ] && "$py" -c "import nest, sys; sys.exit(0 if nest.build_info['have_mpi'] else 1)" >/dev/null 2>&1 \
   && "$py" -c "import nest, sys; sys.exit(0 if nest.__version__ == '$version' else 1)" >/dev/null 2>&1; then
  exit 0      # already there
fi
need=()
command -v mpicc >/dev/null && command -v mpirun >/dev/null || need+=(mpich libmpich-dev)
[ -e /usr/include/gsl/gsl_rng.h ] || need+=(libgsl-dev)
[ -d /usr/include/boost ] || need+=(libboost-dev)
[ -e /usr/include/ltdl.h ] || need+=(libltdl-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null
  else
    fail "NEST with MPI needs ${need[*]}: install them (Debian, as root) and retry"
  fi
fi
[ "$step" = --deps ] && exit 0
command -v cmake >/dev/null || "$py" -m pip install -q cmake
wheel=$(ls "$cache"/nest_simulator-"$version"-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$wheel" ]; then
  echo "install_nest_mpi.sh: building NEST $version with MPI from source (about 12 minutes on 2 cores, once)" >&2
  mkdir -p "$cache"
  log="$cache/build.log"
  # NEST's CMake runs "python3" from PATH to generate its model list: the venv's, not a
  # pyenv shim (which fails inside pip's isolated build)
  if ! PATH="$PWD/.venv/bin:$PATH" "$py" -m pip wheel --no-deps --no-binary nest-simulator "nest-simulator==$version" \
        -C cmake.define.with-mpi=ON -w "$cache" >"$log" 2>&1; then
    rm -f "$cache"/*.whl
    fail "building NEST $version with MPI failed: $(grep -m1 -iE 'error' "$log" || tail -n 1 "$log") (full log: $log)"
  fi
  wheel=$(ls "$cache"/nest_simulator-"$version"-*.whl | head -n 1)
fi
[ "$step" = --build ] && exit 0
"$py" -m pip install -q --no-deps --force-reinstall "$wheel"
"$py" -c "import nest, sys; sys.exit(0 if nest.build_info['have_mpi'] else 1)" >/dev/null 2>&1 \
  || fail "the installed NEST has no MPI ($wheel): remove $cache and retry"
