"""What a run is doing, on stderr: the phase, and a progress bar with time left while simulating.

::

    progress = Progress(enabled=rank == 0 and not quiet)
    progress.line("predicted peak memory ...")
    progress.phase("connect")
    progress.simulate(sim, 250.0, "simulate")      # runs sim in chunks, shows the bar

The simulators run in C and return to Python only when a ``run`` call ends, so a long
``run`` would hold back the progress bar, and a signal would have to wait for
:mod:`pynn_hpc.stopping`'s supervisor to kill the process.  ``simulate`` therefore advances in
chunks of about ``CHUNK_SECONDS`` of wall-clock time.  The cost of a step can jump a
thousandfold from one chunk to the next (a small network that bursts), so a chunk is sized from
the *highest* cost per step seen recently, not from the last chunk's: that estimate follows a
rise at once and forgets it with a half-life of ``COST_HALF_LIFE`` seconds of cheaper running
(the first ``SETUP_CHUNKS`` of a phase, which pay one-time costs, do not count), and a chunk
grows at most ``GROWTH``-fold over the previous one.  Chunks are whole time steps,
and under MPI every process runs the chunks rank 0 chose (each chunk is a collective ``run``).
A backend whose ``run`` calls are expensive sets ``CHUNKED_RUN = False`` in its module
(see :mod:`pynn_hpc.backends`): it is then run in one call, with a line before and after.
A backend whose chunks are cheaper another way than through ``sim.run`` offers
``chunked_runs()``, a context manager yielding ``run(ms)`` (NEST: Prepare once, Run per chunk,
Cleanup at the end, where ``nest.Simulate`` would prepare and clean up at every chunk).

A chunk costs the simulator's per-call overhead, small against ``CHUNK_SECONDS`` of
simulation, and the spikes are the same in chunks or in one run:
``benchmarks/chunked_run.py`` measures both.

On a terminal the bar is tqdm's; otherwise plain lines, one after the first chunk that ends
``PLAIN_EVERY`` seconds after the previous line (so lines come at most ``PLAIN_EVERY`` plus one
chunk apart), and the last.  A chunk that meets a burst can still take many seconds (a step of
a small network that synchronises costs up to a thousand times more): after each chunk the
progress is noted for :mod:`pynn_hpc.stopping`'s supervisor, which says it, "still running",
when no line has come for ``stopping.HEARTBEAT_S``.  Under MPI only rank 0 prints (the caller
passes ``enabled``).
"""
import contextlib
import sys
import time

from pynn_hpc import stopping

#: wall-clock seconds a chunk aims at: a signal is handled about this long after it arrives
CHUNK_SECONDS = 0.5
#: a chunk grows at most this much over the previous one
GROWTH = 2.0
#: seconds of wall time over which the cost estimate halves when steps become cheaper
COST_HALF_LIFE = 30.0
#: the first chunks of a phase also pay the simulator's one-time costs (PyNN's first run, NEST's
#: Prepare): they do not count as the cost of steps
SETUP_CHUNKS = 2
#: seconds between plain progress lines when stderr is not a terminal
PLAIN_EVERY = 5.0


def chunked(sim):
    """Whether backend module ``sim`` may be advanced in many short ``run`` calls."""
    return getattr(sim, "CHUNKED_RUN", True)


def _shared(sim, value):
    """rank 0's ``value`` on every MPI process (each chunk must be the same everywhere)."""
    if sim.num_processes() > 1:
        from mpi4py import MPI
        return MPI.COMM_WORLD.bcast(value, root=0)
    return value


class Progress:
    """Phase lines and a simulation progress bar on ``stream`` (stderr)."""

    def __init__(self, enabled=True, stream=None):
        self.enabled = enabled
        self.stream = sys.stderr if stream is None else stream
        self.tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self._t0 = time.perf_counter()
        self._cost = 0.0            # s per step: the highest recently seen (kept across phases)

    def line(self, text):
        if self.enabled:
            print(f"pynn-hpc: {text}", file=self.stream, flush=True)
            stopping.note(text, said=True)

    def phase(self, name, detail=""):
        elapsed = time.perf_counter() - self._t0
        self.line(f"[{elapsed:6.1f} s] {name}" + (f": {detail}" if detail else ""))

    def simulate(self, sim, duration, name, dt):
        """Advance ``sim`` by ``duration`` ms in chunks of whole steps ``dt``, showing progress."""
        steps = int(round(duration / dt))
        self.phase(name, f"{duration:g} ms")
        if steps <= 0:
            return
        if not chunked(sim):
            sim.run(steps * dt)
            return
        session = getattr(sim, "chunked_runs", None)     # a backend's cheaper way to run chunks
        bar = None
        if self.tty:
            from tqdm import tqdm
            bar = tqdm(total=round(steps * dt, 6), unit="ms", desc=f"pynn-hpc: {name}",
                       file=self.stream, leave=False, dynamic_ncols=True,
                       bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:g}/{total:g} ms "
                                  "[{elapsed}<{remaining}]")
        try:
            with session() if session else contextlib.nullcontext(sim.run) as run:
                self._chunks(sim, run, steps, dt, name, bar)
        finally:
            if bar is not None:
                bar.close()

    def _chunks(self, sim, run, steps, dt, name, bar):
        """Chunks of at most ~CHUNK_SECONDS of wall time at the highest recent cost per step."""
        done, chunk = 0, 10                   # steps; the first chunk is 1 ms
        if self._cost > 0:
            chunk = self._next(chunk)
        start = last_line = time.perf_counter()
        k = 0
        while done < steps:
            chunk = _shared(sim, min(chunk, steps - done))
            t0 = time.perf_counter()
            run(chunk * dt)
            wall = time.perf_counter() - t0
            done += chunk
            if k >= SETUP_CHUNKS:
                self._cost = max(wall / chunk, self._cost * 0.5 ** (wall / COST_HALF_LIFE))
            k += 1
            chunk = self._next(chunk)
            if self.enabled:            # what the supervisor says if the next chunk is long
                stopping.note(f"{name} {100.0 * done / steps:3.0f} % ({done * dt:g} of "
                              f"{steps * dt:g} ms), {time.perf_counter() - start:.0f} s elapsed")
            if bar is not None:
                bar.update(round(done * dt, 6) - bar.n)
            elif self.enabled and (time.perf_counter() - last_line >= PLAIN_EVERY
                                   or done == steps):
                last_line = time.perf_counter()
                elapsed = last_line - start
                left = elapsed / done * (steps - done)
                self.line(f"{name} {100.0 * done / steps:3.0f} % ({done * dt:g} of "
                          f"{steps * dt:g} ms), {elapsed:.0f} s elapsed, {left:.0f} s left")

    def _next(self, chunk):
        """The next chunk's steps: CHUNK_SECONDS at the cost estimate, at most GROWTH x
        ``chunk``, at least one step."""
        return int(max(1, min(GROWTH * chunk, CHUNK_SECONDS / max(self._cost, 1e-9))))
