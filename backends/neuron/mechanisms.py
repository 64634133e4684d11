"""Compile NMODL mechanisms once per installation and load them into NEURON.

The backend's library holds its mechanisms (``nmodl/*.mod``) and PyNN's own
(``pyNN/neuron/nmodl/*.mod``, which ``pyNN.neuron`` needs at import); :func:`load`
builds and loads it when the backend is imported.  Another package extends the backend
with a folder of mechanisms of its own: :func:`load_folder` compiles it into a library
of its own, loaded after the backend's, whose C interface (``nmodl/synaptic_matrix.h``:
the receptors' slots, the synaptic matrices and their rule hook) it may use.  NEURON
opens each library without sharing its symbols (``dlopen(RTLD_NOW)``, i.e. local), so
:func:`load_folder` first reopens the backend's library into the global scope
(``RTLD_NOLOAD | RTLD_GLOBAL``), against which the new library's undefined symbols are
then resolved.

Every library is built with NEURON's ``nrnivmodl`` into

    $PYNN_HPC_NRNMECH_DIR  or  ${XDG_CACHE_HOME:-~/.cache}/pynn_hpc/nrnmech

in a sub-directory named after a hash of every source file, of the C headers on its
include path and of the NEURON, PyNN and machine versions, so that a new version builds
anew and an unchanged one never rebuilds.  Concurrent builds (MPI ranks) take a file
lock; a library appears atomically (built in a temporary directory, then renamed).  A cache
that holds the library already is only read (it may be read-only); one that would need a
build and cannot be written raises :class:`MechanismBuildError` naming it.  A
failing build (no C/C++ compiler, an NMODL error) raises :class:`MechanismBuildError`
(a :class:`~pynn_hpc.backends.BackendBroken`) with the first error lines of nrnivmodl's
output on one line.  While it compiles, rank 0 says so on stderr (one line; a build
takes 1-3 minutes, once).

``pyNN.neuron`` is then told that its mechanisms are loaded (its own
``load_mechanisms`` would otherwise compile them inside site-packages).
"""
import ctypes
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pynn_hpc.analysis  # noqa: F401  (before PyNN: matplotlib's cache, which PyNN imports,
                          # in a writable directory, as this module puts NMODL's)
from pynn_hpc.backends import BackendBroken, BackendUnavailable
from pynn_hpc.backends.launcher import rank

HERE = Path(__file__).resolve().parent
#: the backend's NMODL, and the directory of its C interface (synaptic_matrix.h)
OURS = HERE / "nmodl"
#: the directories of the libraries loaded: "backend" (:func:`load`), folders (:func:`load_folder`)
_loaded = {}


class MechanismBuildError(BackendBroken):
    """nrnivmodl could not build the mechanisms (the message says why, on one line)."""


def pynn_nmodl_dir():
    spec = importlib.util.find_spec("pyNN")
    if spec is None:
        raise BackendUnavailable("PyNN is not installed: pip install 'pynn_hpc[neuron]'")
    return Path(spec.submodule_search_locations[0]) / "neuron" / "nmodl"


def folder_sources(folder):
    """The files nrnivmodl compiles from ``folder``: its ``.mod`` files and the ``.inc`` files
    they include."""
    return sorted(Path(folder).glob("*.mod")) + sorted(Path(folder).glob("*.inc"))


def sources():
    """Every file of the backend's library, ours last (they never share a name with PyNN's)."""
    return sorted(pynn_nmodl_dir().glob("*.mod")) + folder_sources(OURS)


def headers(include_dirs=(OURS,)):
    """The C headers on a library's include path: per directory, {path under it: file}."""
    return [{f.relative_to(d).as_posix(): f for f in sorted(Path(d).rglob("*.h"))}
            for d in include_dirs]


def digest(neuron_version, pynn_version, files=None, include_dirs=(OURS,)):
    """The cache key of a library: the backend's, or one of ``files`` with ``include_dirs``."""
    h = hashlib.sha256()
    for f in sources() if files is None else files:
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    for k, found in enumerate(headers(include_dirs)):
        for name, f in found.items():
            h.update(f"{k}/{name}".encode() + b"\0" + f.read_bytes() + b"\0")
    versions = f"{neuron_version} {pynn_version} {platform.machine()} {sys.version_info[:2]}"
    h.update(versions.encode())
    return h.hexdigest()[:16]


def cache_root():
    if os.environ.get("PYNN_HPC_NRNMECH_DIR"):
        return Path(os.environ["PYNN_HPC_NRNMECH_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pynn_hpc" / "nrnmech"


def cache_hint(variable):
    """What to do about an unwritable cache whose root ``variable`` overrides (one clause)."""
    if os.environ.get(variable):
        return f"set {variable} to a writable directory"
    which = "XDG_CACHE_HOME" if os.environ.get("XDG_CACHE_HOME") else "XDG_CACHE_HOME (or HOME)"
    return f"set {which} to a writable directory, or {variable} for this cache alone"


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
    # "in file X.mod": where nocmodl's error is (on its own line when a parallel make
    # interleaves another file's "Translating ..." into the error line)
    errors = [line for line in lines if not line.startswith(noise) and
              re.search(r"error|Error|No such file|not found|in file \S+\.mod", line)]
    return " | ".join(errors[:n] if errors else lines[-n:])


def build(target, files, include_dirs):
    """Run nrnivmodl on a copy of ``files``, the headers of each of ``include_dirs`` copied
    into ``include<k>/`` beside them; move the result to ``target``."""
    nrnivmodl = find_nrnivmodl()
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        for f in files:
            shutil.copy2(f, work / f.name)
        for k, found in enumerate(headers(include_dirs)):
            for name, f in found.items():
                (work / f"include{k}" / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, work / f"include{k}" / name)
        # nrnivmodl compiles in <work>/<arch>/: "-I../include<k>" puts the headers on the
        # include path (relative paths: nrnivmodl's make splits paths with spaces)
        flags = " ".join(f"-I../include{k}" for k in range(len(include_dirs)))
        p = subprocess.run([nrnivmodl, "-incflags", flags], cwd=work, capture_output=True,
                           text=True)
        if p.returncode != 0 or library(work) is None:
            raise MechanismBuildError(
                f"nrnivmodl could not compile the NMODL mechanisms (needs a C/C++ compiler, "
                f"e.g. apt-get install g++): {_tail(p.stdout + p.stderr)}")
        os.replace(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ensure_built(neuron_version, pynn_version, files=None, include_dirs=(OURS,)):
    """The directory holding the compiled library (the backend's, or one of ``files`` with
    ``include_dirs``), building it if needed (locked)."""
    files = sources() if files is None else files
    root = cache_root()
    target = root / digest(neuron_version, pynn_version, files, include_dirs)
    if library(target) is not None:
        return target
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = open(root / ".lock", "w")
    except OSError as err:
        raise MechanismBuildError(
            f"the NEURON mechanisms are not compiled yet and their cache {root} cannot be "
            f"written ({err.strerror}): {cache_hint('PYNN_HPC_NRNMECH_DIR')}") from None
    if rank() == 0:     # the rank that builds may be another one: it holds the lock
        print(f"compiling NEURON mechanisms into {target} (once, 1-3 min) ...", file=sys.stderr,
              flush=True)
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if library(target) is None:
            build(target, files, include_dirs)
    return target


def _versions():
    import pyNN
    return importlib.metadata.version("neuron"), pyNN.__version__


def _load_library(target):
    """Load the library built in ``target`` into NEURON (once)."""
    import neuron
    if str(target) in neuron.nrn_dll_loaded:
        return
    path = str(library(target))
    # (neuron.load_mechanisms would not say when NEURON's dlopen fails; this call returns 0)
    if not neuron.h.nrn_load_dll(path):
        raise MechanismBuildError(f"NEURON could not load {path} (dlopen failed, see above)")
    neuron.nrn_dll_loaded.append(str(target))


def load():
    """Build if needed, load the backend's library into NEURON, and mark PyNN's mechanisms
    loaded; the library's directory."""
    if "backend" in _loaded:
        return _loaded["backend"]
    # built before NEURON is imported: a failing build leaves NEURON (and its MPI) untouched
    target = ensure_built(*_versions())
    import neuron
    pynn_dir = str(pynn_nmodl_dir())
    if pynn_dir in neuron.nrn_dll_loaded:
        raise MechanismBuildError(
            "pyNN.neuron was imported before pynn_hpc's NEURON backend: import "
            "pynn_hpc.backends.neuron first (its mechanisms include PyNN's)")
    _load_library(target)
    neuron.nrn_dll_loaded.append(pynn_dir)
    _loaded["backend"] = target
    return target


def load_folder(folder, include_dirs=(OURS,)):
    """Compile the NMODL files of ``folder`` (:func:`folder_sources`), with the C headers under
    each of ``include_dirs`` on their include path, into a library of their own, cached as the
    backend's; load it after the backend's; its directory.

    Its mechanisms may use the backend's C interface (``nmodl/synaptic_matrix.h``, on the
    include path with :data:`OURS`): the backend's library is put in the global symbol scope
    before it is loaded (module doc)."""
    if str(folder) in _loaded:
        return _loaded[str(folder)]
    backend = load()
    target = ensure_built(*_versions(), folder_sources(folder), tuple(include_dirs))
    try:        # by the path NEURON opened it by (_load_library)
        ctypes.CDLL(str(library(backend)), mode=os.RTLD_NOW | os.RTLD_NOLOAD | os.RTLD_GLOBAL)
    except OSError as err:
        raise MechanismBuildError(f"cannot share the symbols of {library(backend)}: {err}")
    _load_library(target)
    _loaded[str(folder)] = target
    return target
