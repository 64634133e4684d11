"""Where a simulator's time goes on this network: ``perf`` samples, grouped by what the code does.

    python benchmarks/profile_simulate.py --engine native-nest --preset desktop --threads 2
    python benchmarks/profile_simulate.py --engine neuron --preset desktop --threads 2

Runs hand-written NEST (``benchmarks/native_nest.py``) or ``pynn-hpc run --backend ENGINE``
under ``perf record`` (software clock samples, so it works where hardware counters do not;
needs Debian's linux-perf), then groups the samples by function into what the model does:
spike delivery, the STDP rule, the neurons' update, the spike exchange, the event queue, the
math library (``exp``, ``pow``), Python and the rest (:data:`GROUPS`).  On NEST and NEURON the
plastic synapses' delivery and their rule are one function (NEST's ``Connector::send``,
NEURON's ``SynapticMatrix`` ``NET_RECEIVE``); the ``exp`` and ``pow`` they call are counted
under the math library.  Every sample of the run is counted:
build and connect too, which are a few percent of a desktop run (their share is printed from
the run's own timings).  Prints the groups' shares, the heaviest functions and one JSON line.
"""
import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: (group, regular expression on the symbol or its library), the first that matches wins
GROUPS = [
    ("connect and sort", r"spreadsort|ConnBuilder|connect_|sort_connections"),
    ("plastic synapses: delivery and the rule",
     r"stdp_pl_synapse|SynapticMatrix|prj_0_(pre|post|transmit)"),
    ("postsynaptic spike history (the rule)", r"get_history|get_K_value|ArchivingNode|"
                                              r"set_spiketime"),
    ("static synapses: delivery", r"static_synapse|prj_[123]_pre|NetCon"),
    ("event queue", r"TQueue|tqueue|deliver_net_events|SelfEvent|bin_?queue|BinQ|"
                    r"push_spikes|SpikeQueue|spikequeue"),
    ("input into neurons", r"::handle$|SpikeEvent|get_node_by_node_id|receive__AlphaISyn|"
                           r"net_receive|deliver"),
    ("Poisson drive", r"mersenne|poisson|generate_canonical|nrnran123|random"),
    ("neuron update", r"iaf_psc_alpha::update|nrn_cur|nrn_current|nrn_state|advance__|"
                      r"nrn_solve|nrn_lhs|nrn_rhs|_watch|ResetRefrac|IClamp|exact_update|"
                      r"thresholder|resetter|spikemon"),
    ("spike exchange", r"gather_spike|collocate|SpikeData|spike_exchange|nrnmpi|MPI_"),
    ("exp, pow (libm)", r"libm\.so|__ieee754|^exp@|^pow@"),
    ("Python", r"libpython|^_?Py|python3"),
    ("idle threads, memory, kernel", r"gomp|blas_thread_server|memset|memcpy|malloc|"
                                     r"clear_page|futex|sched_yield|pthread|kallsyms"),
]


def command(engine, net, threads, seed):
    if engine == "native-nest":
        cmd = [sys.executable, str(HERE / "native_nest.py"), "--threads", str(threads),
               "--seed", str(seed)]
        for name in ("scale", "indegree_scale", "dc_rate", "simtime", "presim"):
            cmd += ["--" + name.replace("_", "-"), str(net[name])]
        return cmd, None
    out = Path(tempfile.mkdtemp(prefix="profile_")) / "run"
    cmd = [sys.executable, "-m", "pynn_hpc.cli", "run", "--backend", engine, "--threads",
           str(threads), "--seed", str(seed), "--output", str(out), "--force", "--quiet"]
    for name in ("scale", "indegree_scale", "dc_rate", "simtime", "presim"):
        cmd += ["--" + name.replace("_", "-"), str(net[name])]
    return cmd, out


def symbols(data):
    """[(percent, library, symbol)] of every sampled function, from ``perf report``."""
    p = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--no-children",
                        "--sort", "dso,sym", "--percent-limit", "0"],
                       capture_output=True, text=True, check=True)
    rows = []
    for line in p.stdout.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[.\]\s+(.*)$", line)
        if m:
            rows.append((float(m.group(1)), m.group(2), m.group(3).strip()))
    return rows


def group_of(library, symbol):
    for name, pattern in GROUPS:
        if re.search(pattern, symbol) or re.search(pattern, library):
            return name
    return "other"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", default="native-nest",
                    help="native-nest, or a pynn-hpc backend (nest, neuron, brian2:standalone)")
    ap.add_argument("--preset", default="desktop")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--frequency", type=int, default=499, help="samples per second and thread")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    from pynn_hpc.presets import resolve
    net = resolve(args.preset, threads=args.threads, seed=args.seed)
    cmd, out = command(args.engine, net, args.threads, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "perf.data"
        p = subprocess.run(["perf", "record", "-e", "cpu-clock", "-F", str(args.frequency),
                            "-o", str(data), "--"] + cmd, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"profile_simulate: the run failed: {p.stderr.strip()[-500:]}")
        rows = symbols(data)
    if out is not None:
        r = json.loads((out / "results.json").read_text())
    else:
        r = json.loads(p.stdout.strip().splitlines()[-1])
    t = r["timings"]
    total = sum(v for k, v in t.items() if k.startswith("time_"))
    groups = defaultdict(float)
    for percent, library, symbol in rows:
        groups[group_of(library, symbol)] += percent
    print(f"{args.engine}, {args.preset}, {args.threads} thread(s), seed {args.seed}: "
          f"simulate {t['time_simulate']:.1f} s of {total:.1f} s timed "
          f"({100 * t['time_simulate'] / total:.0f} %), rate {r['rate_hz']:.2f} Hz")
    print("\n| what | share of samples |\n|---|---|")
    for name, share in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {share:.1f} % |")
    print("\n| function | library | share | group |\n|---|---|---|---|")
    for percent, library, symbol in rows[:args.top]:
        print(f"| `{symbol[:70]}` | {Path(library).name} | {percent:.1f} % | "
              f"{group_of(library, symbol)} |")
    print(json.dumps({"engine": args.engine, "preset": args.preset, "threads": args.threads,
                      "timings": t, "rate_hz": r["rate_hz"], "groups": dict(groups),
                      "top": rows[:args.top]}))


if __name__ == "__main__":
    main()
