"""The seed's hpc_benchmark network hand-written in PyNEST 3 (the reference for our NEST backend).

A line-by-line port of the seed, NEST 2.x's hpc_benchmark.py, to the NEST 3 API:
one poisson_generator connected all-to-all, ``_hpc`` synapses, fixed indegree,
on-grid spikes.  Prints one JSON object with the same field names as
``pynn-hpc run`` (timings in s, peak RSS in MB, rate after the presimulation).

    python benchmarks/native_nest.py --scale 1 --threads 2 --simtime 250 --presim 50 --seed 1
    python benchmarks/native_nest.py --scale 1 --indegree-scale 0.2 --dc-rate 0 \
        --presim 100 --simtime 1000          # the desktop preset

``--indegree-scale k`` (default 1: the seed) reduces the network as ``pynn_hpc.derived`` says
(van Albada et al. 2015): indegrees round(k C), recurrent weights J sqrt(C / C_k), the power
law's reference weight w0 = 1 pA x sqrt(CE / CE_k) (NEST's lambda x w0^(1-mu), alpha / the
same), a DC current I_e for the recurrent mean at ``--dc-rate`` Hz, the drive unchanged.
"""
import argparse
import json
import os
import resource
import time

os.environ.setdefault("PYNEST_QUIET", "1")
import numpy as np  # noqa: E402
import nest  # noqa: E402
from scipy.special import lambertw  # noqa: E402


def convert_synapse_weight(tau_m, tau_syn, C_m):
    a = tau_m / tau_syn
    b = 1.0 / tau_syn - 1.0 / tau_m
    t_rise = 1.0 / b * (-lambertw(-np.exp(-1.0 / a) / a, k=-1).real - 1.0 / a)
    v_max = np.exp(1.0) / (tau_syn * C_m * b) * (
        (np.exp(-t_rise / tau_m) - np.exp(-t_rise / tau_syn)) / b - t_rise * np.exp(-t_rise / tau_syn))
    return 1.0 / v_max


tau_syn = 0.32582722403722841
model_params = {"E_L": 0.0, "C_m": 250.0, "tau_m": 10.0, "t_ref": 0.5, "V_th": 20.0,
                "V_reset": 0.0, "tau_syn_ex": tau_syn, "tau_syn_in": tau_syn,
                "tau_minus": 30.0, "V_m": 5.7}
stdp_params = {"delay": 1.5, "alpha": 0.0513, "lambda": 0.1, "mu": 0.4, "tau_plus": 15.0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--simtime", type=float, default=250.0)
    ap.add_argument("--presim", type=float, default=50.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--indegree-scale", type=float, default=1.0, dest="k")
    ap.add_argument("--dc-rate", type=float, default=10.0, dest="dc_rate",
                    help="Hz (pynn_hpc's default); no effect at --indegree-scale 1")
    ap.add_argument("--spikes", help="save the recorded spikes (index in E, time in ms) as .npz")
    a = ap.parse_args()

    NE, NI = int(9000 * a.scale), int(2250 * a.scale)
    Nrec = min(1000, NE)
    CE_full, CI_full = 9000, 2250
    CE, CI = int(round(a.k * CE_full)), int(round(a.k * CI_full))
    t = {}
    tic = time.perf_counter()
    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.SetKernelStatus({"local_num_threads": a.threads, "resolution": 0.1, "rng_seed": a.seed})
    nest.SetDefaults("iaf_psc_alpha", model_params)
    E = nest.Create("iaf_psc_alpha", NE)
    I = nest.Create("iaf_psc_alpha", NI)
    # the seed draws V_m with numpy's RandomState; one stream for E then I, as pynn_hpc (NumpyRNG),
    # seeded with child 0 of SeedSequence(seed) (V_m's own stream, pynn_hpc/seeds.py)
    v_seed = np.random.SeedSequence(a.seed).spawn(2)[0].generate_state(1, np.uint32)[0]
    rs = np.random.RandomState(int(v_seed))
    E.V_m = rs.normal(5.7, 7.2, NE)
    I.V_m = rs.normal(5.7, 7.2, NI)
    JE_full = convert_synapse_weight(10.0, tau_syn, 250.0) * 0.14
    nu_thresh = 20.0 / (CE_full * 10.0 / 250.0 * JE_full * np.exp(1.0) * tau_syn)
    nu_ext = nu_thresh * 1.685
    stim = nest.Create("poisson_generator", 1, {"rate": nu_ext * CE_full * 1000.0})
    # indegree scaling (module doc); at k = 1 every factor is 1 and I_e 0: the seed
    JE_pA, JI_pA = JE_full * np.sqrt(CE_full / CE), -5.0 * JE_full * np.sqrt(CI_full / CI)
    i_dc = ((CE_full * JE_full - 5.0 * CI_full * JE_full) - (CE * JE_pA + CI * JI_pA)) \
        * np.exp(1.0) * tau_syn * a.dc_rate / 1000.0
    if a.k != 1.0:
        E.I_e, I.I_e = i_dc, i_dc
    w0_factor = np.sqrt(CE_full / CE) ** (1.0 - stdp_params["mu"])
    stdp = dict(stdp_params, weight=JE_pA, alpha=stdp_params["alpha"] / w0_factor)
    stdp["lambda"] = stdp_params["lambda"] * w0_factor
    rec = nest.Create("spike_recorder")
    t["time_create"] = time.perf_counter() - tic

    tic = time.perf_counter()
    nest.SetDefaults("static_synapse_hpc", {"delay": 1.5})
    nest.CopyModel("static_synapse_hpc", "syn_ex", {"weight": JE_pA})
    nest.CopyModel("static_synapse_hpc", "syn_in", {"weight": JI_pA})
    drive = "syn_ex"                       # the seed's: the drive's weight is JE
    if a.k != 1.0:
        drive = "syn_drive"
        nest.CopyModel("static_synapse_hpc", drive, {"weight": JE_full})
    nest.SetDefaults("stdp_pl_synapse_hom_hpc", stdp)
    nest.Connect(stim, E, "all_to_all", {"synapse_model": drive})
    nest.Connect(stim, I, "all_to_all", {"synapse_model": drive})
    fixed = dict(rule="fixed_indegree", allow_autapses=False, allow_multapses=True)
    nest.Connect(E, E, dict(fixed, indegree=CE), {"synapse_model": "stdp_pl_synapse_hom_hpc"})
    nest.Connect(I, E, dict(fixed, indegree=CI), {"synapse_model": "syn_in"})
    nest.Connect(E, I, dict(fixed, indegree=CE), {"synapse_model": "syn_ex"})
    nest.Connect(I, I, dict(fixed, indegree=CI), {"synapse_model": "syn_in"})
    nest.Connect(E[:Nrec], rec, "all_to_all", "static_synapse_hpc")
    t["time_connect"] = time.perf_counter() - tic

    tic = time.perf_counter()
    nest.Simulate(a.presim)
    t["time_presimulate"] = time.perf_counter() - tic
    tic = time.perf_counter()
    nest.Simulate(a.simtime)
    t["time_simulate"] = time.perf_counter() - tic

    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    times = rec.get("events", "times")
    n_after = int(np.count_nonzero(times > a.presim))
    if a.spikes:
        senders = rec.get("events", "senders")
        np.savez(a.spikes, index=senders - E[0].global_id, times=times)
    w = nest.GetConnections(source=E[:min(100, NE)], target=E[:min(200, NE)],
                            synapse_model="stdp_pl_synapse_hom_hpc").get("weight")
    print(json.dumps({
        "backend": "native-nest", "simulator_version": nest.__version__,
        "scale": a.scale, "indegree_scale": a.k, "threads": a.threads, "seed": a.seed,
        "n_neurons": NE + NI,
        # network synapses: the recorder's Nrec connections are not part of the network
        "n_connections": nest.GetKernelStatus("num_connections") - Nrec,
        "timings": t, "real_time_factor": t["time_simulate"] / (a.simtime / 1000.0),
        "peak_rss_mb": peak_rss_mb,
        "n_spikes": n_after,
        "rate_hz": n_after / (Nrec * a.simtime / 1000.0),
        "weights_EE_mean": float(np.mean(w)) / 1000.0,
    }))


if __name__ == "__main__":
    main()
