"""Stopping on a signal, whatever the simulator is doing: exit 128 + signal, one line.

A simulator runs in C and holds the interpreter while it does: Python's signal handlers (and
any Python thread) wait until the C call returns, which may be minutes.  So the command
``pynn-hpc`` runs its work in a child process and stays, as the process the shell or
``mpirun`` started, a *supervisor* that only waits::

    pynn-hpc (supervisor: the pid the caller sees, the exit code it gets)
      \\- pynn-hpc (worker: parses nothing more, imports the simulator, does the command)

On SIGINT or SIGTERM the supervisor passes the signal on and gives the worker ``GRACE_S`` to
stop by itself (a run does, between two chunks of :mod:`pynn_hpc.progress`); a worker still in
a long C call after that is killed, with every process it started.  The supervisor then says
the one line and exits 128 + signal (0 without a line if the worker had already finished).
Nothing is lost by the kill: what a command writes is complete or not there.  A worker ended
by another signal (the kernel's out-of-memory SIGKILL, a crash's SIGSEGV) gets one line too,
not silence.

The worker dies with its supervisor (``PR_SET_PDEATHSIG``), so killing the supervisor (as
``compare`` does with a run that does not stop, or ``mpirun`` on an abort) leaves nothing
behind.  Under MPI each rank has its own supervisor; only rank 0's speaks, and a rank that fails
or is interrupted aborts every rank: no hang.

Supervision is for the command line only (``main()`` without arguments); a call of
``pynn_hpc.cli.main(argv)`` from Python (tests) runs the command in its own process, where a
signal stops it once Python runs again.  ``compare`` is not supervised either: it waits for
its runs (each supervised) in Python and passes the signal on at once
(:mod:`pynn_hpc.comparison`), and its process tree stays what its callers see.
"""
import ctypes
import mmap
import os
import signal
import struct
import sys
import threading
import time

from pynn_hpc.backends import launcher

#: seconds a worker gets to stop by itself after a signal before it is killed
GRACE_S = 1.0
#: the signals that stop a command
SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: seconds without a line from the worker after which its supervisor says where it is
HEARTBEAT_S = 8.0
#: what an interrupted command leaves, for its line
_LEFT = {"run": "nothing written, the output's previous run (if any) as it was",
         "replay": "no replay.json written",
         "compare": "no comparison written, finished runs kept"}

_PR_SET_PDEATHSIG = 1           # linux/prctl.h


def say(line, clear=False):
    """One line on stderr in one write: under mpirun another rank's abort may end this
    process between two writes (``print`` writes the text and its newline separately).
    ``clear``: on a terminal, first clear the line (a worker's progress bar may be on it)."""
    if clear and getattr(sys.stderr, "isatty", lambda: False)():
        line = "\r\x1b[K" + line
    if _in_worker:
        _said_last()        # an error or a stop: the last word, no heartbeat after it
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived: raised by the handler wherever Python runs next."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _interrupt(signum, frame):
    raise Interrupted(signum)


def _ignore_signals():
    """After the first signal: a second one (Ctrl-C reaches the whole process group, the
    supervisor passes it on too) must not interrupt the stopping itself."""
    for s in SIGNALS:
        signal.signal(s, signal.SIG_IGN)


def _line(signum, command):
    return (f"pynn-hpc: interrupted by {signal.Signals(signum).name}: stopped, "
            + _LEFT.get(command, "nothing written"))


def _abort_all_ranks(code):
    """Under MPI, end every rank now (a rank left waiting in a collective would hang)."""
    if launcher.size() > 1:
        try:
            from mpi4py import MPI
        except ImportError:         # MPI never started here: the launcher ends the others
            os._exit(code)
        MPI.COMM_WORLD.Abort(code)


# -- progress the supervisor can say -----------------------------------------------------

#: shared by worker and supervisor (made before the fork): the monotonic time of the worker's
#: last line on stderr, then the length and text of what it is doing now
_board = None
_HEAD = struct.Struct("dH")
#: True in a supervised command's worker process
_in_worker = False


def _said_last():
    """In the worker: nothing more to report (the command has said its result or its error,
    and may take seconds to tear the simulator down): the supervisor says no heartbeat now."""
    if _board is not None:
        _HEAD.pack_into(_board, 0, time.monotonic(), 0)


def note(state=None, said=False):
    """In the worker: what the command is doing now (``state``, e.g. "simulate 12 % (...)"),
    and, with ``said``, that it has just said a line on stderr.  Once a state is noted, when
    no line has come for HEARTBEAT_S (a simulator in one long call: a chunk that met a burst,
    replay's one Simulate), the supervisor says the state itself.  Does nothing
    unsupervised."""
    if _board is None:
        return
    t, n = _HEAD.unpack_from(_board, 0)
    if said:
        t = time.monotonic()
    if state is not None:
        data = state.encode()[:len(_board) - _HEAD.size]
        _board[_HEAD.size:_HEAD.size + len(data)] = data
        n = len(data)
    _HEAD.pack_into(_board, 0, t, n)


def _heartbeat(started, last):
    """In the supervisor: say the worker's state if it has been silent for HEARTBEAT_S;
    returns the time of the last line said by either."""
    t, n = _HEAD.unpack_from(_board, 0)
    last = max(t, last)
    now = time.monotonic()
    if n == 0 or now - last < HEARTBEAT_S:     # nothing noted yet (e.g. still loading)
        return last
    state = bytes(_board[_HEAD.size:_HEAD.size + n]).decode(errors="replace")
    say(f"pynn-hpc: {state}: still running ({now - last:.0f} s since the last line, "
        f"{now - started:.0f} s in all)", clear=True)
    return now


# -- the supervisor ---------------------------------------------------------------------

def _descendants(pid):
    """Every process below ``pid`` (from /proc: children first found, then theirs)."""
    parents = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for name in entries:
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    parents.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(
                        int(name))
            except (OSError, IndexError, ValueError):
                pass
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _kill_tree(pid):
    for p in [pid] + _descendants(pid):
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


def _ended(pid, timeout):
    """The worker's wait status once it has ended, or None after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.01)


def _wait(pid, heartbeat):
    """The worker's wait status once it has ended (with ``heartbeat``, rank 0 says where a
    silent worker is, :func:`_heartbeat`)."""
    if not heartbeat:
        return os.waitpid(pid, 0)[1]
    started = last = time.monotonic()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.25)
        last = _heartbeat(started, last)


def _supervise(pid, command, heartbeat=False):
    """The supervisor's whole life: wait for worker ``pid``; on a signal, stop it within
    GRACE_S.  Never returns (exit code: the worker's, or 128 + signal)."""
    rank0 = launcher.rank() == 0
    try:
        try:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
            status = _wait(pid, heartbeat and rank0)
            _ignore_signals()
        except Interrupted as stop:
            _ignore_signals()
            mpi = launcher.size() > 1
            if rank0 and mpi:           # now: an abort of the ranks may end this process
                say(_line(stop.signum, command), clear=True)
            try:
                os.kill(pid, stop.signum)
            except OSError:
                pass
            status = _ended(pid, GRACE_S)
            if status is None:
                _kill_tree(pid)
                os.waitpid(pid, 0)
            elif os.waitstatus_to_exitcode(status) == 0:
                os._exit(0)             # it had finished: nothing was stopped
            if rank0 and not mpi:
                say(_line(stop.signum, command), clear=True)
            os._exit(128 + stop.signum)
        code = os.waitstatus_to_exitcode(status)
        if code < 0:                    # ended by a signal the supervisor did not get
            name = signal.Signals(-code).name
            if rank0:
                say(f"pynn-hpc: {command} ended by {name}"
                    + (" (out of memory?)" if -code == signal.SIGKILL else ""), clear=True)
            code = 128 - code
        elif code - 128 in SIGNALS and rank0:     # a signal sent to the worker alone
            say(_line(code - 128, command), clear=True)
        os._exit(code)
    except BaseException as exc:        # never a traceback, never a worker left behind
        _kill_tree(pid)
        os._exit(128 + exc.signum if isinstance(exc, Interrupted) else 1)


def _become_worker(supervisor):
    """In the worker: die with the supervisor (Linux), whatever kills it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != supervisor:      # it died before prctl took effect
        os._exit(1)
    global _in_worker
    _in_worker = True
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


def _can_fork():
    return (hasattr(os, "fork") and threading.current_thread() is threading.main_thread()
            and threading.active_count() == 1)


# -- the command ------------------------------------------------------------------------

def guarded(command, args, supervise=False):
    """``command(args)``, stopped on SIGINT/SIGTERM: exit 128 + signal, one line, the process
    ends there without the simulator's teardown.  With ``supervise`` (the command line) the
    command runs in a worker process that is killed if it does not stop within GRACE_S."""
    global _board
    name = getattr(args, "command", None)
    try:
        previous = {s: signal.signal(s, _interrupt) for s in SIGNALS}
    except ValueError:                  # not the main thread: leave signals alone
        previous, supervise = {}, False
    supervised = supervise and name != "compare" and _can_fork()
    heartbeat = supervised and name in ("run", "replay") and not getattr(args, "quiet", False)
    if heartbeat:
        _board = mmap.mmap(-1, 512)     # anonymous and shared: the worker writes, we read
    if supervised:
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)   # until each side is ready
        sys.stdout.flush()
        sys.stderr.flush()
        supervisor = os.getpid()
        try:
            pid = os.fork()
        except OSError:                 # no process to spare: run it here, unsupervised
            pid, supervised = None, False
            signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
        if pid:
            _supervise(pid, name, heartbeat)       # does not return
        if supervised:
            _become_worker(supervisor)
    try:
        try:
            return command(args)
        finally:
            if _in_worker:
                _said_last()
    except Interrupted as stop:
        _ignore_signals()
        code = 128 + stop.signum
        if launcher.rank() == 0 and not supervised:     # a supervisor has said it
            say(_line(stop.signum, name))
        elif launcher.rank() != 0:
            time.sleep(0.2)         # rank 0 says the line before any rank's abort ends it
        _abort_all_ranks(code)
        sys.stdout.flush()
        os._exit(code)      # now: the simulator's teardown would delay the exit
    except Exception as err:
        if launcher.size() <= 1:
            raise
        say(f"pynn-hpc: error on MPI rank {launcher.rank()} of {launcher.size()}, aborting "
            f"every rank: {type(err).__name__}: {err}".splitlines()[0])
        time.sleep(0.2)             # mpirun forwards the line before the abort ends its ranks
        _abort_all_ranks(1)
        return 1
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
