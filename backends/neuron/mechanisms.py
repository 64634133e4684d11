"""Compile the NMODL mechanisms once per installation and load them into NEURON.

One shared library holds this backend's mechanisms (``nmodl/*.mod``) and
PyNN's own (``pyNN/neuron/nmodl/*.mod``, which ``pyNN.neuron`` needs at
import).  The SpiNNaker backend's C headers (``spinnaker/c/**/*.h``) are on its
include path, so that a mechanism runs the same C as SpiNNaker
(``#include "s1615.h"``, ``#include "host/pair_rule.h"``): they are copied, by
their path under ``c/``, beside the ``.mod`` files.  It is built with NEURON's
``nrnivmodl`` into

    $PYNN_HPC_NRNMECH_DIR  or  ${XDG_CACHE_HOME:-~/.cache}/pynn_hpc/nrnmech

in a sub-directory named after a hash of every source file and of the NEURON,
PyNN and machine versions, so that a new version builds anew and an unchanged
one never rebuilds.  Concurrent builds (MPI ranks) take a file lock; the
library appears atomically (built in a temporary directory, then renamed).
A failing build (no C/C++ compiler, an NMODL error) raises
:class:`MechanismBuildError` (a :class:`~pynn_hpc.backends.BackendBroken`) with
the first error lines of nrnivmodl's output on one line.  While it compiles, rank
0 says so on stderr (one line; a build takes 1-3 minutes, once).

``pyNN.neuron`` is then told that its mechanisms are loaded (its own
``load_mechanisms`` would otherwise compile them inside site-packages).
"""
import contextlib
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import io
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pynn_hpc.backends import BackendBroken, BackendUnavailable
from pynn_hpc.backends.launcher import rank

HERE = Path(__file__).resolve().parent
OURS = HERE / "nmodl"
#: the SpiNNaker C that mechanisms may #include (by their path under it)
SPINNAKER_C = HERE.parent / "spinnaker" / "c"


class MechanismBuildError(BackendBroken):
    """nrnivmodl could not build the mechanisms (the message says why, on one line)."""


def pynn_nmodl_dir():
    spec = importlib.util.find_spec("pyNN")
    if spec is None:
        raise BackendUnavailable("PyNN is not installed: pip install 'pynn_hpc[neuron]'")
    return Path(spec.submodule_search_locations[0]) / "neuron" / "nmodl"


def sources():
    """Every file nrnivmodl compiles, ours last (they never share a name with PyNN's)."""
    files = sorted(pynn_nmodl_dir().glob("*.mod")) + sorted(OURS.glob("*.mod")) + \
        sorted(OURS.glob("*.inc"))
    return files


def headers():
    """The C headers on the mechanisms' include path: {path under spinnaker/c: file}."""
    return {f.relative_to(SPINNAKER_C).as_posix(): f for f in sorted(SPINNAKER_C.rglob("*.h"))}


def digest(neuron_version, pynn_version):
    h = hashlib.sha256()
    for f in sources():
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    for name, f in headers().items():
        h.update(name.encode() + b"\0" + f.read_bytes() + b"\0")
    h.update(f"{neuron_version} {pynn_version} {platform.machine()} {sys.version_info[:2]}".encode())
    return h.hexdigest()[:16]


def cache_root():
    if os.environ.get("PYNN_HPC_NRNMECH_DIR"):
        return Path(os.environ["PYNN_HPC_NRNMECH_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pynn_hpc" / "nrnmech"


def library(directory):
    """The library nrnivmodl makes in ``directory`` (NEURON 9: <arch>/libnrnmech.so)."""
    found = sorted(Path(directory).glob("*/libnrnmech.*"))
    return found[0] if found else None


def find_nrnivmodl():
    here = Path(sys.executable).parent
    path = shutil.which("nrnivmodl", path=f"{here}{os.pathsep}{os.environ.get('PATH', '')}")
    if path is None:
        raise MechanismBuildError(
            "nrnivmodl not found (it comes with the NEURON wheel): pip install 'pynn_hpc[neuron]'")
    return path


def _tail(output, n=3):
    """The first few error lines of nrnivmodl's output (else its last lines), on one line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    noise = ("Traceback", "raise ", "subprocess.", "NOTE:", "refer to the C++", "File \"")
    errors = [line for line in lines if not line.startswith(noise) and
              re.search(r"error|Error|No such file|not found", line)]
    return " | ".join(errors[:n] if errors else lines[-n:])


def build(target):
    """Run nrnivmodl on a copy of the sources; move the result to ``target``."""
    nrnivmodl = find_nrnivmodl()
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        for f in sources():
            shutil.copy2(f, work / f.name)
        for name, f in headers().items():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, work / name)
        # nrnivmodl compiles in <work>/<arch>/: "-I.." puts the headers on the include path
        # (a relative path: nrnivmodl's make splits paths with spaces)
        p = subprocess.run([nrnivmodl, "-incflags", "-I.."], cwd=work, capture_output=True,
                           text=True)
        if p.returncode != 0 or library(work) is None:
            raise MechanismBuildError(
                f"nrnivmodl could not compile the NMODL mechanisms (needs a C/C++ compiler, "
                f"e.g. apt-get install g++): {_tail(p.stdout + p.stderr)}")
        os.replace(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ensure_built(neuron_version, pynn_version):
    """The directory holding the compiled library, building it if needed (locked)."""
    root = cache_root()
    target = root / digest(neuron_version, pynn_version)
    if library(target) is not None:
        return target
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = open(root / ".lock", "w")
    except OSError as err:
        raise MechanismBuildError(
            f"cannot write the NEURON mechanism cache {root} ({err.strerror}): "
            "set PYNN_HPC_NRNMECH_DIR to a writable directory")
    if rank() == 0:     # the rank that builds may be another one: it holds the lock
        print(f"compiling NEURON mechanisms into {target} (once, 1-3 min) ...", file=sys.stderr,
              flush=True)
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if library(target) is None:
            build(target)
    return target


def load():
    """Build if needed, load the library into NEURON, and mark PyNN's mechanisms loaded."""
    import pyNN
    # built before NEURON is imported: a failing build leaves NEURON (and its MPI) untouched
    target = ensure_built(importlib.metadata.version("neuron"), pyNN.__version__)
    import neuron
    pynn_dir = str(pynn_nmodl_dir())
    if pynn_dir in neuron.nrn_dll_loaded:
        raise MechanismBuildError(
            "pyNN.neuron was imported before pynn_hpc's NEURON backend: import "
            "pynn_hpc.backends.neuron first (its mechanisms include PyNN's)")
    if str(target) not in neuron.nrn_dll_loaded:
        with contextlib.redirect_stdout(io.StringIO()):
            ok = neuron.load_mechanisms(str(target))
        if not ok:
            raise MechanismBuildError(f"NEURON could not load {library(target)}")
    neuron.nrn_dll_loaded.append(pynn_dir)
    return target
