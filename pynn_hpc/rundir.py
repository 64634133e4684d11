"""An output directory that loses nothing: one writer at a time, the new files staged beside
the old ones and swapped in only once all of them are written.

::

    with rundir.claim("out", overwrite=True) as out:    # refused (ParameterError) while
        write(out.staged("spikes.nix"))                 # another process writes "out"
        write(out.staged("results.json"))
        out.commit()                                    # the new run replaces the old one

* **Lock.** ``OUT/.pynn-hpc.lock`` holds an advisory lock (``flock``) and its owner's pid,
  host and command.  A second writer is refused in one line naming the owner.  The kernel
  drops the lock when its owner ends, however it ends (``kill -9`` too), so a dead owner's
  lock is recovered by the next writer without asking anyone.
* **Staging.** New files are written into ``OUT/.pynn-hpc-staging/``; the old run stays as
  it was until :meth:`Claim.commit`.  A run that fails or is interrupted before then leaves
  the old one untouched, and its staged files are removed by the next writer.
* **Swap.** ``commit`` marks the staging complete, removes the old ``results.json`` (so no
  reader takes the old run's results with the new run's spikes), moves the staged files in,
  removes what the old run wrote and the new one did not, and moves the new ``results.json``
  in last: ``results.json`` still means "this directory holds a finished run".  SIGINT and
  SIGTERM wait for the swap's few renames.  If the process dies during them anyway, the
  next writer or reader finishes the swap (the staging was complete).
* **Leftovers.** Temporary files of a writer that died (``.spikes.nix.<pid>.tmp``,
  ``.results.json.*``, ...) are removed by the next writer.
"""
import contextlib
import datetime
import errno
import fcntl
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
from pathlib import Path

from .errors import ParameterError

LOCK = ".pynn-hpc.lock"
STAGING = ".pynn-hpc-staging"
#: written into the staging directory once every staged file is complete
COMPLETE = ".complete"
#: the files a run writes (``pynn-hpc run``; ``made.json``: ``pynn-hpc compare``'s note)
RUN_FILES = ("results.json", "port.json", "spikes.nix", "spikes.pkl", "weights_EE.npy",
             "made.json")


def _owner(lock_path):
    """The lock file's owner line, as written by :func:`claim` ('' if unreadable)."""
    try:
        owner = json.loads(Path(lock_path).read_text())
        return (f"process {owner['pid']} on {owner['host']} since {owner['since']} "
                f"({owner['command']})")
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


def _lock(path):
    """An open file descriptor of ``path``/LOCK holding its exclusive flock; ParameterError
    naming the owner if another process holds it."""
    lock_path = path / LOCK
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(fd)
            if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise ParameterError(
                f"--output {path} is being written by {_owner(lock_path)}: wait until it "
                "ends, or choose another directory") from None
        # the owner before us may have removed the file it locked (release): lock the new one
        try:
            same = os.stat(lock_path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


def _stale(name, managed):
    """Whether ``name`` is a temporary file a writer of ``managed`` files leaves if killed."""
    return name.startswith(".probe-") or any(name.startswith(f".{m}.") for m in managed)


def _remove(path):
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _staged_names(staging):
    """The new run's files in ``staging`` (names starting with a dot are a writer's own:
    never moved)."""
    return sorted(f.name for f in staging.iterdir() if not f.name.startswith("."))


def _mark_complete(staging):
    """Write COMPLETE: the names of the new run's files."""
    (staging / COMPLETE).write_text(json.dumps(_staged_names(staging)))


def _finish_swap(path, staging, replaces):
    """Move a complete staging's files into ``path``: the old results.json out first, the
    new one in last; what the old run wrote and the new one did not is removed.  Repeatable:
    a swap cut short is finished by calling it again (the files already moved stay)."""
    listed = (staging / COMPLETE).read_text()
    new = json.loads(listed) if listed.strip() else _staged_names(staging)  # (older: empty)
    if (staging / "results.json").exists():
        (path / "results.json").unlink(missing_ok=True)
    for name in new:
        if name != "results.json" and os.path.lexists(staging / name):
            if (staging / name).is_dir() and (path / name).is_dir():
                shutil.rmtree(path / name)          # a directory is replaced whole
            os.replace(staging / name, path / name)
    for name in replaces:
        if name not in new:
            _remove(path / name)
    if "results.json" in new and (staging / "results.json").exists():
        os.replace(staging / "results.json", path / "results.json")
    shutil.rmtree(staging)


def recover(path, replaces=RUN_FILES):
    """What a writer that died in ``path`` left, put right (the caller holds the lock): a
    complete staging swapped in, an incomplete one and temporary files removed."""
    path = Path(path)
    staging = path / STAGING
    if staging.is_dir():
        if (staging / COMPLETE).exists():
            _finish_swap(path, staging, replaces)
        else:
            shutil.rmtree(staging)
    for f in path.iterdir():
        if _stale(f.name, replaces) and f.is_file():
            f.unlink(missing_ok=True)


@contextlib.contextmanager
def _signals_wait():
    """SIGINT and SIGTERM held back, and raised again at the end.  (Their Python handlers are
    swapped for one that notes them: blocking them in this thread would not do, the kernel
    hands a process's signal to any thread that does not block it, a simulator's included.)"""
    pending = []
    try:
        old = {s: signal.signal(s, lambda signum, frame: pending.append(signum))
               for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:                  # not the main thread: signals are not ours to hold
        old = {}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        for s in dict.fromkeys(pending):
            signal.raise_signal(s)


class Claim:
    """An output directory locked for one writer, with a fresh staging directory
    (:func:`claim`)."""

    def __init__(self, path, fd, replaces):
        self.path = path
        self.staging = path / STAGING
        self.replaces = replaces
        self._fd = fd
        self.committed = False

    def staged(self, name):
        """Where to write file ``name`` of the new run."""
        return self.staging / name

    def commit(self):
        """Swap the staged files in (see the module doc); then the new run is the one there."""
        with _signals_wait():
            _mark_complete(self.staging)
            _finish_swap(self.path, self.staging, self.replaces)
            self.committed = True

    def release(self):
        """Drop the lock; an uncommitted staging is removed."""
        if self._fd is None:
            return
        if not self.committed:
            shutil.rmtree(self.staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.unlink(self.path / LOCK)
        os.close(self._fd)
        self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def check_path(path, option="--output"):
    """``path`` as a Path, refusing what cannot name a directory (ParameterError)."""
    if path is None or not str(path).strip():
        raise ParameterError(f"{option} must name a directory (got {str(path)!r}): e.g. "
                             f"{option} results")
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ParameterError(f"{option} {path} is a file, not a directory: choose another name")
    return path


def creatable(path, option="--output"):
    """``path`` checked as :func:`writable` would, without creating anything: it is a
    writable directory, or its nearest existing parent is (ParameterError otherwise)."""
    path = check_path(path, option)
    parent = path.absolute()
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ParameterError(f"{option} {path} cannot be written ({parent} is "
                             f"{'not a directory' if not parent.is_dir() else 'read-only'}): "
                             "choose a writable directory")
    return path


def writable(path, option="--output"):
    """Create ``path`` if needed and check it is writable (ParameterError otherwise)."""
    path = check_path(path, option)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe-"):
            pass
    except OSError as err:
        raise ParameterError(f"{option} {path} cannot be written ({err.strerror}): choose a "
                             "writable directory")
    return path


def claim(path, overwrite=True, finished="results.json", replaces=RUN_FILES,
          option="--output"):
    """Lock ``path`` for this process and stage a new run in it (:class:`Claim`).

    Created if needed; refused (ParameterError, one line) if it cannot be written, if another
    process holds it, or, unless ``overwrite``, if it holds ``finished`` (a finished run).
    What a writer that died there left is put right first (:func:`recover`).  ``replaces``:
    the file names the new run replaces (the old ones it does not write are removed at the
    swap)."""
    path = writable(path, option)
    fd = _lock(path)
    try:
        owner = {"pid": os.getpid(), "host": socket.gethostname(),
                 "since": datetime.datetime.now().isoformat(timespec="seconds"),
                 "command": " ".join([Path(sys.argv[0]).name] + sys.argv[1:])[:200]}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(owner).encode(), 0)
        recover(path, replaces)
        if finished and (path / finished).exists() and not overwrite:
            raise ParameterError(f"{option} {path} holds a finished run ({finished}): choose "
                                 "another directory, or add --overwrite to replace it")
        staging = path / STAGING
        staging.mkdir()
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path / LOCK)
        os.close(fd)
        raise
    return Claim(path, fd, replaces)


def settle(path, replaces=RUN_FILES):
    """For readers: finish a swap a dead writer left half done in ``path``, if no writer
    holds it now (cheap when there is nothing to do)."""
    path = Path(path)
    if not (path / STAGING / COMPLETE).exists():
        return
    try:
        fd = _lock(path)
    except (ParameterError, OSError):
        return
    try:
        recover(path, replaces)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path / LOCK)
        os.close(fd)
