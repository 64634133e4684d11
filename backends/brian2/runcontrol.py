"""setup(), versions(), Brian2's device and its code generation target.

**Runtime mode** (``brian2``, the default): Python drives the time steps and every group's
code is generated and compiled (Cython, cached per code in Brian2's cache directory) on
first use.  ``setup(codegen="numpy")`` runs the same abstract code through numpy instead (no
compiler, slower per step); ``PYNN_HPC_BRIAN2_TARGET`` sets the default.  One thread.

**C++ standalone** (``brian2:standalone``, :mod:`pynn_hpc.backends.brian2_variants`): the
PyNN calls record the network and its runs, and :func:`complete_run` (the interface's hook,
called after the last run) generates one C++ program, compiles it and runs it with
``threads`` OpenMP threads.  The program is built in a project directory of
:func:`cache_dir` that it holds (a lock) while it runs, one per run at a time; make
compiles only the files whose code changed since that directory's last build (for another
seed of the same network: ``main.cpp``), and everything when a header changed.  Marks in
the program time its phases: setting the network up (synapses created from the recorded
index arrays), and each run; its peak memory is its own (``getrusage``).

``setup`` starts pyNN.brian2's network afresh and removes what this backend does not use
and what would cost a Python call per step: pyNN.brian2's network operation for current
sources (none in this model) and the snapshot PyNN stores before the first run (for
``reset``, a copy of every synapse; ``reset`` is therefore refused).  Brian2 objects get
names that do not depend on what else the process made (:func:`name`): compiled code is
then found in Brian2's cache by the next process that builds the same network.

``rng_seed`` seeds Brian2 (its ``seed()``: numpy and the generated code's generators), so
the Poisson drive (``poisson()`` in the neurons' update, :mod:`.celltypes`) is one stream
per seed (in standalone, the program's generators: one stream per seed and thread count).
``threads`` are C++ standalone's OpenMP threads; the runtime mode runs on one thread
whatever ``threads`` says (it warns once, and ``versions()`` reports ``threads_used``: 1
into results.json).
"""
import fcntl
import os
import shutil
import sys
import time
from pathlib import Path

import brian2
import numpy as np
import pyNN
import pyNN.brian2
from pyNN.brian2 import simulator

SIMULATOR = "Brian2"
TARGETS = ("cython", "numpy")
_run = {"seed": 1, "target": None, "device": "runtime", "threads": 1}


def versions():
    if standalone():
        return {"simulator": SIMULATOR, "simulator_version": brian2.__version__,
                "pynn_version": pyNN.__version__, "device": "cpp_standalone",
                "codegen": "cpp", "threads_used": _run["threads"]}
    return {"simulator": SIMULATOR, "simulator_version": brian2.__version__,
            "pynn_version": pyNN.__version__, "device": "runtime", "codegen": target(),
            "threads_used": 1}


def configure(device):
    """Brian2's device for the setups that follow: "runtime" or "standalone"."""
    _run["device"] = device


def standalone():
    return _run["device"] == "standalone"


def target():
    """The code generation target of this process (``setup(codegen=...)``, or the default)."""
    return _run["target"] or os.environ.get("PYNN_HPC_BRIAN2_TARGET", "cython")


def seed():
    return _run["seed"]


def name(kind):
    """A name for a Brian2 object, the same for the same network in every process.

    Brian2 names the arrays in the generated code after their objects, and its cache of
    compiled code (Cython) is keyed by that code: its default names (``neurongroup_3``)
    count the objects still alive in the process, so that a network built after another
    one would compile its code again.  Names restart at every ``setup``.
    """
    names = _run.setdefault("names", {})
    k = names.get(kind, 0)
    names[kind] = k + 1
    return f"pynn_hpc_{kind}_{k}"


def setup(timestep, min_delay, max_delay, threads=1, rng_seed=1, codegen=None, **extra):
    """PyNN's setup on Brian2's configured device (module doc): the runtime mode on one
    thread whatever ``threads``, or C++ standalone with ``threads`` OpenMP threads;
    ``codegen`` (runtime): "cython" or "numpy", kept for later setups in the process."""
    if not (isinstance(threads, int) and threads > 0):
        raise ValueError(f"threads must be a whole number > 0 (got {threads})")
    _release()
    if standalone():
        _standalone_device(threads)
    else:
        if threads != 1 and not _run.get("warned"):
            _run["warned"] = True
            print(f"pynn-hpc: Brian2's runtime mode runs on one thread (threads={threads} not "
                  "used; brian2:standalone runs on threads)", file=sys.stderr)
        codegen = codegen or target()
        if codegen not in TARGETS:
            raise ValueError(f"codegen must be one of {', '.join(TARGETS)} (got {codegen!r})")
        _run["target"] = codegen
        check_compiler(codegen)
        if brian2.get_device().__class__.__name__ != "RuntimeDevice":
            brian2.set_device("runtime")
        brian2.prefs.codegen.target = codegen
    brian2.prefs.codegen.loop_invariant_optimisations = True
    rank = pyNN.brian2.setup(timestep=timestep, min_delay=min_delay, max_delay=max_delay,
                             **extra)
    network = simulator.state.network
    network.clock = brian2.Clock(timestep * brian2.ms, name="pynn_hpc_clock")
    _run["names"] = {}
    for obj in list(network.objects):
        if isinstance(obj, brian2.NetworkOperation):      # pyNN's current sources: none here
            network.remove(obj)
            obj._network = network.id                     # (Brian2 would warn it never ran)
    network.store = _no_store
    _run["seed"] = int(rng_seed)
    brian2.seed(int(rng_seed))
    np.random.seed(int(rng_seed) % 2**32)
    return rank


def check_compiler(codegen=None):
    """BackendBroken (one line) if the code generation target cannot compile here."""
    codegen = codegen or target()
    if standalone():
        return _check_cpp_compiler()
    if codegen != "cython":
        return
    from brian2.codegen.runtime.cython_rt import CythonCodeObject
    if not CythonCodeObject.is_available():
        from pynn_hpc.backends import BackendBroken
        raise BackendBroken("Brian2 cannot compile its Cython code here (a C++ compiler and "
                            "Cython are needed; see Brian2's log for the compiler's message), "
                            "or run with PYNN_HPC_BRIAN2_TARGET=numpy (slower)")


# -- C++ standalone --------------------------------------------------------------------

#: the file in the program's results directory where :data:`_MARK` lines go
MARKS = "pynn_hpc_marks.txt"
#: C++: one line "<label> <seconds on the steady clock>" appended to :data:`MARKS`
_MARK = """{
    std::ofstream _pynn_hpc_marks((brian::results_dir + "%s").c_str(), std::ios::app);
    _pynn_hpc_marks << "%%s " << std::setprecision(17) << std::chrono::duration<double>(
        std::chrono::steady_clock::now().time_since_epoch()).count() << std::endl;
}""" % MARKS
#: C++: the program's peak resident memory (kB) as the last mark
_PEAK = """{
    struct rusage _pynn_hpc_usage;
    getrusage(RUSAGE_SELF, &_pynn_hpc_usage);
    std::ofstream _pynn_hpc_marks((brian::results_dir + "%s").c_str(), std::ios::app);
    _pynn_hpc_marks << "peak_kb " << _pynn_hpc_usage.ru_maxrss << std::endl;
}""" % MARKS


def cache_dir():
    """Where the standalone programs are built: ``$PYNN_HPC_CACHE/brian2-standalone``
    (default ``~/.cache/pynn_hpc``), one project directory per run at a time."""
    root = os.environ.get("PYNN_HPC_CACHE") or Path.home() / ".cache" / "pynn_hpc"
    return Path(root) / "brian2-standalone"


def _standalone_device(threads):
    """Brian2's C++ standalone device, afresh, recording runs for :func:`complete_run`."""
    brian2.set_device("cpp_standalone", build_on_run=False)
    device = brian2.get_device()
    device.reinit()
    device.activate(build_on_run=False, profile=bool(os.environ.get("PYNN_HPC_BRIAN2_PROFILE")))
    brian2.prefs.devices.cpp_standalone.openmp_threads = threads
    brian2.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{os.cpu_count() or 1}"]
    device.headers += ["<chrono>", "<iomanip>", "<sys/resource.h>"]
    device.insert_code("before_start", _MARK % "start")
    device.insert_code("before_network_run", _MARK % "run")
    device.insert_code("after_network_run", _MARK % "end")
    device.insert_code("after_end", _PEAK)
    _run.update(threads=threads, built=False)


def _claim_project():
    """A project directory of :func:`cache_dir` that no other run holds, locked until
    :func:`_release` (or this process ends)."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    for k in range(256):
        fd = os.open(root / f"project-{k}.lock", os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        _run["lock"] = fd
        if not _run.get("atexit"):           # a script that does not call end(): at exit
            import atexit
            atexit.register(_release)
            _run["atexit"] = True
        return root / f"project-{k}"
    raise RuntimeError(f"256 Brian2 standalone runs hold the project directories in {root}")


def _trim():
    """Free heap memory back to the system (glibc's ``malloc_trim``; nothing elsewhere): the
    connectors' temporary arrays leave much of it free but held."""
    import ctypes
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _rss_mb():
    """This process's resident memory now (MB)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _headers(project):
    """{path: content} of the C++ headers in ``project``."""
    return {str(h): h.read_bytes() for h in sorted(project.rglob("*.h"))}


def _release():
    """The project directory free for another run, its results (the state of every
    synapse, written by the program at its end) deleted."""
    fd = _run.pop("lock", None)
    project = _run.pop("project", None)
    if project is not None:
        shutil.rmtree(project / "results", ignore_errors=True)
    if fd is not None:
        os.close(fd)


def complete_run():
    """The interface's hook: in standalone, generate, compile and run the program of the
    runs recorded since ``setup`` (module doc); None in the runtime mode (nothing deferred).

    Returns seconds: ``build`` (code generation and compilation), ``setup`` (the program
    before its first run: arrays loaded, synapses created), ``runs`` (each run, in order),
    ``program`` (the program's whole wall clock); ``peak_rss_mb``: the program's, and
    ``host_rss_mb``, what this process held while the program ran; ``directory``: where it
    was built; with ``PYNN_HPC_BRIAN2_PROFILE`` set, ``profile``: Brian2's CPU seconds per
    code object.
    """
    if not standalone() or _run.get("built", True):
        return None
    device = brian2.get_device()
    project = _claim_project()
    _run["project"] = project
    shutil.rmtree(project / "results", ignore_errors=True)     # a killed run's, if any
    t0 = time.perf_counter()
    headers = _headers(project)
    device.build(directory=str(project), compile=False, run=False, with_output=False)
    # Brian2's make.deps names code objects' targets without their directory, so a header
    # that changed (synapses_classes.h holds the thread count) would leave them stale: then
    # everything is compiled afresh
    from brian2.codegen.cpp_prefs import get_compiler_and_args
    device.compile_source(str(project), get_compiler_and_args()[0], debug=False,
                          clean=_headers(project) != headers)
    build = time.perf_counter() - t0
    marks_file = project / "results" / MARKS
    marks_file.unlink(missing_ok=True)
    # the arrays handed to the program (connections, values) are in its directory now: not
    # kept here while it runs
    device.static_arrays.clear()
    import gc
    gc.collect()
    _trim()
    host_rss = _rss_mb()
    t0 = time.perf_counter()
    device.run(directory=str(project), with_output=False)
    program = time.perf_counter() - t0
    _run["built"] = True
    marks = [line.split() for line in marks_file.read_text().splitlines()]
    times = [(label, float(value)) for label, value in marks if label != "peak_kb"]
    peak_kb = [float(value) for label, value in marks if label == "peak_kb"]
    starts = [t for label, t in times if label == "run"]
    ends = [t for label, t in times if label == "end"]
    first = starts[0] if starts else times[-1][1]       # the "start" mark: no run at all
    done = {"build": build, "setup": first - times[0][1],
            "runs": [e - s for s, e in zip(starts, ends)], "program": program,
            "peak_rss_mb": peak_kb[0] / 1024.0 if peak_kb else None, "host_rss_mb": host_rss,
            "directory": str(project)}
    profile = project / "results" / "profiling_info.txt"
    if profile.exists():            # PYNN_HPC_BRIAN2_PROFILE: CPU seconds per code object
        done["profile"] = {name: float(value) for name, value in
                           (line.split() for line in profile.read_text().splitlines())}
    return done


def _check_cpp_compiler():
    """BackendBroken (one line) unless make and the C++ compiler (``$CXX``, as make takes
    it, else c++) compile an OpenMP program here."""
    import subprocess
    import tempfile
    from pynn_hpc.backends import BackendBroken
    cxx = os.environ.get("CXX") or "c++"
    missing = [tool for tool in ("make", cxx) if shutil.which(tool) is None]
    if missing:
        raise BackendBroken(f"Brian2's C++ standalone mode cannot compile here: "
                            f"{' and '.join(missing)} not found (Debian: apt-get install g++ "
                            "make), or run --backend brian2 (runtime mode)")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "omp.cpp"
        src.write_text("#include <omp.h>\n"
                       "int main() { return omp_get_max_threads() > 0 ? 0 : 1; }\n")
        done = subprocess.run([cxx, "-fopenmp", str(src), "-o", str(Path(tmp) / "omp")],
                              capture_output=True, text=True)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no message"])[0]
        raise BackendBroken(f"Brian2's C++ standalone mode cannot compile with OpenMP here "
                            f"({cxx} -fopenmp: {first}), or run --backend brian2 (runtime mode)")


def _no_store(*args, **kwargs):
    """PyNN's snapshot for ``reset`` copies every synapse: not taken (module doc)."""


def end(compatible_output=True):
    """PyNN's end; in standalone, the program's project directory released (module doc)."""
    pyNN.brian2.end(compatible_output)
    _release()


def reset(annotations=None):
    raise NotImplementedError("pynn_hpc's Brian2 backend does not support reset(): "
                              "call setup() and build the network again")


def quiet():
    """Brian2's info-level messages (code generation fallbacks) off the console."""
    brian2.BrianLogger.suppress_hierarchy("brian2.codegen")
    brian2.BrianLogger.suppress_hierarchy("brian2.devices")
