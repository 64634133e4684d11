"""Host builds of the SpiNNaker C: the same sources the binaries run, compiled with the host's
``cc`` into a small shared library on first use, once per version of the sources, into

    $PYNN_HPC_SPINNAKER_DIR  or  ${XDG_CACHE_HOME:-~/.cache}/pynn_hpc/spinnaker_rule/<name>-<hash>/

(a lock file keeps concurrent processes from building the same library twice; a cache that
holds the library is only read, and may be read-only).  Used for the fixed-point rule
(:mod:`.fixedpoint`) and the neuron numerics (:mod:`.neuron_numerics`).
"""
import ctypes
import fcntl
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

from pynn_hpc.backends import BackendBroken

#: the C sources beside this module
C_DIR = Path(__file__).resolve().parent / "c"


class RuleBuildError(BackendBroken):
    """A host build of the SpiNNaker C failed (the message says why, on one line)."""


def cache_root():
    if os.environ.get("PYNN_HPC_SPINNAKER_DIR"):
        return Path(os.environ["PYNN_HPC_SPINNAKER_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pynn_hpc" / "spinnaker_rule"


def _hint():
    if os.environ.get("PYNN_HPC_SPINNAKER_DIR"):
        return "set PYNN_HPC_SPINNAKER_DIR to a writable directory"
    which = "XDG_CACHE_HOME" if os.environ.get("XDG_CACHE_HOME") else "XDG_CACHE_HOME (or HOME)"
    return f"set {which} to a writable directory, or PYNN_HPC_SPINNAKER_DIR for this cache alone"


def _compiler(what):
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return shutil.which(name)
    raise RuleBuildError(f"no C compiler found to build {what} for the host "
                         "(e.g. apt-get install gcc, or set CC)")


def _digest(sources):
    h = hashlib.sha256()
    for name in sources:
        h.update(name.encode() + b"\0" + (C_DIR / name).read_bytes() + b"\0")
    h.update(platform.machine().encode())
    return h.hexdigest()[:16]


def _build(target, library, main, what, libs):
    cc = _compiler(what)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        p = subprocess.run([cc, "-O2", "-std=c99", "-Wall", "-Wextra", "-shared", "-fPIC",
                            "-o", str(work / library), str(C_DIR / main), *libs],
                           capture_output=True, text=True)
        if p.returncode != 0:
            first = " | ".join((p.stderr or p.stdout).splitlines()[:3])
            raise RuleBuildError(f"{cc} could not build {what}: {first}")
        os.replace(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def load(name, sources, what, libs=()):
    """The ctypes library ``lib<name>.so`` built from ``sources`` (paths in ``c/``; the last is
    the file compiled, the others the headers it includes); ``what`` names it in errors."""
    root = cache_root()
    target = root / f"{name}-{_digest(sources)}"
    so = target / f"lib{name}.so"
    if not so.exists():
        try:
            root.mkdir(parents=True, exist_ok=True)
            lock = open(root / ".lock", "w")
        except OSError as err:
            raise RuleBuildError(f"{what} is not built yet and its cache {root} cannot be "
                                 f"written ({err.strerror}): {_hint()}") from None
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not so.exists():
                _build(target, so.name, sources[-1], what, libs)
    return ctypes.CDLL(str(so))
