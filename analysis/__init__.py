"""Statistics, cross-simulator comparison and plots for pynn_hpc results.

Importing this package points matplotlib at a writable directory first
(:func:`writable_matplotlib_dirs`); the backends import it before their simulator, whose
PyNN imports matplotlib (``pyNN.connectors`` through ``csa``; NEST on its own).
"""
import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path


def _cannot_write(directory):
    """Whether ``directory`` can neither be written nor created (nothing is created): the
    nearest existing directory on its way must be a writable directory."""
    path = Path(directory).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return not (path.is_dir() and os.access(path, os.W_OK | os.X_OK))


def _matplotlib_dirs():
    """The config and cache directories matplotlib would use (None: no home to put one in)."""
    if os.environ.get("MPLCONFIGDIR"):
        return [os.environ["MPLCONFIGDIR"]]
    dirs = []
    for variable, default in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache")):
        try:
            dirs.append(Path(os.environ.get(variable) or Path.home() / default, "matplotlib"))
        except RuntimeError:        # no home directory at all
            dirs.append(None)
    return dirs


def writable_matplotlib_dirs():
    """Point ``MPLCONFIGDIR`` at a fresh temporary directory (removed at exit) when the config
    or cache directory matplotlib would use cannot be written (an unwritable HOME or
    XDG_CACHE_HOME): matplotlib would do the same, but say so in two warning lines on every
    command.  Nothing changes when those directories are writable.  Linux' layout
    (``$XDG_CONFIG_HOME`` / ``$XDG_CACHE_HOME`` or ``~/.config`` / ``~/.cache``, then
    ``matplotlib``), as matplotlib reads it."""
    if not sys.platform.startswith(("linux", "freebsd")) or "matplotlib" in sys.modules:
        return
    if not any(d is None or _cannot_write(d) for d in _matplotlib_dirs()):
        return
    try:
        directory = tempfile.mkdtemp(prefix="matplotlib-")
    except OSError:                 # no temporary directory either: matplotlib will say so
        return
    os.environ["MPLCONFIGDIR"] = directory
    atexit.register(shutil.rmtree, directory, True)


writable_matplotlib_dirs()
