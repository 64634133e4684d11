"""Stopping on a signal, whatever the simulator is doing: exit 128 + signal, one line.

The simulators run in C and see Python's signal handlers only between ``run`` calls,
which is why runs advance in short chunks (:mod:`pynn_hpc.progress`).  Under MPI, a rank
that fails or is interrupted prints one line and aborts every rank: no hang.
"""
import os
import signal
import sys
import time

from pynn_hpc.backends import launcher


def say(line):
    """One line on stderr in one write: under mpirun another rank's abort may end this
    process between two writes (``print`` writes the text and its newline separately)."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived: raised by the handler wherever Python runs next."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _interrupt(signum, frame):
    raise Interrupted(signum)


def _abort_all_ranks(code):
    """Under MPI, end every rank now (a rank left waiting in a collective would hang)."""
    if launcher.size() > 1:
        from mpi4py import MPI
        MPI.COMM_WORLD.Abort(code)


def guarded(command, args):
    """``command(args)``, stopped at once on SIGINT/SIGTERM (exit 128 + signal, one line;
    the process ends there, without the simulator's teardown)."""
    try:
        previous = {s: signal.signal(s, _interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:                  # not the main thread: leave signals alone
        previous = {}
    try:
        return command(args)
    except Interrupted as stop:
        code = 128 + stop.signum
        if launcher.rank() == 0:
            say(f"pynn-hpc: interrupted by {signal.Signals(stop.signum).name}: stopped, "
                "the unfinished run wrote no results.json")
        else:
            time.sleep(0.2)         # rank 0 says the line before any rank's abort ends it
        _abort_all_ranks(code)
        sys.stdout.flush()
        os._exit(code)      # now: the simulator's teardown would delay the exit
    except Exception as err:
        if launcher.size() <= 1:
            raise
        say(f"pynn-hpc: error on MPI rank {launcher.rank()} of {launcher.size()}, aborting "
            f"every rank: {type(err).__name__}: {err}".splitlines()[0])
        _abort_all_ranks(1)
        return 1
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
