TITLE sPyNNaker 7.4.1's IF_curr_alpha neuron in integers: two alpha synapses and the LIF membrane

COMMENT
One neuron as a SpiNNaker neuron core updates it, one update per NEURON time step,
with the SAME C as the host harness (pynn_hpc.backends.spinnaker.neuron_numerics,
c/host/neuron.c): ../../spinnaker/c/alpha_synapse.h and lif_neuron.h on raw s16.15
bits (s1615.h).  No section current: the membrane is this mechanism's V (vm, mV);
the section it sits in only hosts it.

Update of step n (NEURON's step from t_n to t_n+1; runs in nrn_state, after NEURON has
delivered the events of t_n and before those of t_n+1):

    units_r = min(rint(|sum of the weights (nA) arrived at t_n on receptor r| / lsb_r), 0xffff)
              with lsb_r = 2^shift_r / 2^15 nA                   (the ring buffer's step sum)
    if units_r > 0: alpha_synapse_add_input(r, units_r << shift_r)
    exc, inh = alpha_synapse_current(E), (I)
    spike = lif_neuron_step(exc, inh)          -> net_event(t_n+1): NEST's and NEURON's stamp
    alpha_synapse_shape(E), (I)

i.e. c/host/neuron.c's loop with exc_units[n] = units_E: V after step n (vm at t_n+1)
equals its v_out[n] and a spike at t_n+1 is its spike step n.  Weights that are whole
multiples of lsb (the quantised weights of sPyNNaker) arrive exactly; others are rounded
once per step sum.  Inhibitory weights may be negative (PyNN) or positive: the magnitude
is used, as sPyNNaker stores |w| on the inhibitory receptor.

Input: a SynapticMatrix adds the weights of arriving spikes to this cell's slots slot_E,
slot_I (claim_slot_E(), claim_slot_I()) in pynn_hpc_pending (the NEURON backend's table of
receptor slots, ../../neuron/nmodl/synaptic_matrix.h); a NetCon adds its weight (nA) with
NET_RECEIVE: w > 0 to the excitatory receptor, w < 0 to the inhibitory.
Poisson drive on the excitatory receptor as AlphaISynExact's (the same Random123 draws
at the same steps: drive_stream ids give the same train): n spikes of drive_weight drawn at
the end of each step (t_n+1 > drive_start, <= drive_stop) arrive at t_n+1.

Parameters in PyNN units and names, but taum for tau_m (a parameter name in lif_neuron.h,
and nocmodl turns RANGE names into macros); INITIAL turns them into the S1615 words
sPyNNaker writes (nearest, ties to even, as fixedpoint.to_s1615) and derives R, exp_TC,
T_refract and per receptor dt/tau^2 and decay with lif_neuron_init / alpha_synapse_init,
the two exponentials as the host harness takes them (libm: floor(exp(x) 2^15) for expk,
floor(exp(x) 2^32) for expulr; tests/test_spinnaker_cell.py checks the words are its).

Switches, so that each of sPyNNaker's deviations can be on alone (both 1 by default):
    spinnaker_alpha = 0   PyNN's alpha synapse instead (peak = weight), exact in double
                          (alpha_exact.inc's recursion), weights as given; the LIF gets
                          its current at t_n (the inputs of t_n not yet in), rounded to s16.15
    spinnaker_alpha = 2   the correction: ../../spinnaker/c/alpha_exact_synapse.h, PyNN's
                          alpha current propagated exactly in fixed point on the ring buffer's
                          step sums (as 1, the same place in the step, any load)
    spinnaker_lif = 0     the membrane in double instead: V = a - exp(-dt/taum) (a - V),
                          a = (I + i_offset) taum/cm + v_rest, exact for the current I =
                          exc - inh held over the step; threshold V >= v_thresh, reset, and
                          T_refract steps held as sPyNNaker does (5 at 0.5 ms, as NEST)
i_syn (nA) is the current a step used, vm the membrane after it.  Fixed step only.
ENDCOMMENT

NEURON {
    POINT_PROCESS SpiNNakerLIFAlpha
    RANGE cm, taum, v_rest, v_reset, v_thresh, tau_refrac, i_offset, tau_syn_E, tau_syn_I
    RANGE v_init, shift_E, shift_I, spinnaker_alpha, spinnaker_lif
    RANGE vm, i_syn, refractory, a_E, b_E, a_I, b_I
    RANGE slot_E, slot_I
    RANGE drive_rate, drive_weight, drive_start, drive_stop
    RANGE R_word, exp_TC_word, T_refract_steps, init_E_word, decay_E_word, init_I_word, decay_I_word
    RANGE gain_E_word, gain_I_word, exact_decay_E_word, exact_decay_I_word
    RANDOM drive_stream
    THREADSAFE
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (nF) = (nanofarad)
}

PARAMETER {
    cm = 0.25 (nF)
    taum = 10 (ms)
    v_rest = 0 (mV)
    v_reset = 0 (mV)
    v_thresh = 20 (mV)
    tau_refrac = 0.5 (ms)
    i_offset = 0 (nA)
    tau_syn_E = 0.32582722403722841 (ms)
    tau_syn_I = 0.32582722403722841 (ms)
    v_init = 0 (mV)                 : V at initialisation (set by the cell's memb_init)
    shift_E = 0                     : ring-buffer left shift of the excitatory receptor
    shift_I = 0                     : and of the inhibitory one (lsb = 2^shift / 2^15 nA)
    spinnaker_alpha = 1             : 0: PyNN's exact alpha synapse in double, 2: in s16.15
    spinnaker_lif = 1               : 0: the membrane in double instead
    drive_rate = 0 (/s)
    drive_weight = 0 (nA)
    drive_start = 0 (ms)
    drive_stop = 1e12 (ms)
    slot_E = -1
    slot_I = -1
}

ASSIGNED {
    dt (ms)
    vm (mV)
    i_syn (nA)
    refractory
    fired               : 1 after a step that spiked
    in_E (nA)           : weights arrived through NET_RECEIVE since the last update
    in_I (nA)
    drive_next          : drive spikes drawn for the next update
    R_word              : derived words (raw s16.15, decays as u0.32), see COMMENT
    exp_TC_word
    T_refract_steps
    init_E_word
    decay_E_word
    init_I_word
    decay_I_word
    gain_E_word         : alpha_exact_synapse.h's e dt / tau per receptor (spinnaker_alpha = 2)
    gain_I_word
    exact_decay_E_word  : and its exp(-dt / tau), u0.32
    exact_decay_I_word
    lin_E               : synapse states, raw s16.15
    exp_E
    q_E
    lin_I
    exp_I
    q_I
    V_word              : membrane, raw s16.15 mV
    v_rest_word         : parameter words the step uses
    i_offset_word
    v_reset_word
    v_thresh_word
    decay_E_double      : exp(-dt/tau_syn_E), exp(-dt/tau_syn_I), exp(-dt/taum)
    decay_I_double
    decay_m_double
    a_E (nA)            : spinnaker_alpha = 0: PyNN alpha current and its slope, per receptor
    b_E (nA/ms)
    a_I (nA)
    b_I (nA/ms)
    v_exact (mV)        : spinnaker_lif = 0: the membrane in double
}

VERBATIM
#include <math.h>
#include <vector>
#include "s1615.h"
#include "alpha_synapse.h"
#define ALPHA_EXACT_HOST_WORDS
#include "alpha_exact_synapse.h"
#include "lif_neuron.h"
#include "synaptic_matrix.h"        /* pynn_hpc_pending: the NEURON backend's */

static s1615_t sl_word(double value) {               /* fixedpoint.to_s1615: nearest, ties even */
    return (s1615_t) nearbyint(value * 32768.0);
}
static s1615_t sl_expk(s1615_t x) {                  /* as c/host/neuron.c's host_expk */
    return (s1615_t) floor(exp(x / 32768.0) * 32768.0);
}
static u032_t sl_expulr(s1615_t x) {                 /* as c/host/neuron.c's host_expulr */
    double w = floor(exp(x / 32768.0) * 4294967296.0);
    return w >= 4294967295.0 ? 0xffffffffu : (u032_t) w;
}
static double sl_take(double slot) {                 /* this step's weights at a slot, emptied */
    if (slot < 0) {
        return 0.0;
    }
    double& arrived = pynn_hpc_pending[(size_t) slot];
    double w = arrived;
    arrived = 0.0;
    return w;
}
static uint32_t sl_units(double nA, double shift) {  /* the ring buffer's saturated step sum */
    double u = nearbyint(fabs(nA) / (ldexp(1.0, (int) shift) / 32768.0));
    return u >= 65535.0 ? 0xffffu : (uint32_t) u;
}
ENDVERBATIM

INITIAL {
    in_E = 0
    in_I = 0
    drive_next = 0
    a_E = 0
    b_E = 0
    a_I = 0
    b_I = 0
    i_syn = 0
    random_setseq(drive_stream, 0)
VERBATIM
    {
        s1615_t ts = sl_word(dt);
        lif_neuron_t n;
        alpha_synapse_t e, i;
        lif_neuron_init(&n, ts, sl_word(v_init), sl_word(v_rest), sl_word(cm), sl_word(taum),
                        sl_word(i_offset), sl_word(v_reset), sl_word(tau_refrac),
                        sl_word(v_thresh), sl_expk(lif_neuron_decay_argument(ts, sl_word(taum))));
        alpha_synapse_init(&e, ts, sl_word(tau_syn_E),
                           sl_expulr(alpha_synapse_decay_argument(ts, sl_word(tau_syn_E))));
        alpha_synapse_init(&i, ts, sl_word(tau_syn_I),
                           sl_expulr(alpha_synapse_decay_argument(ts, sl_word(tau_syn_I))));
        s1615_t gain;
        u032_t decay;
        alpha_exact_words(ts, sl_word(tau_syn_E), &gain, &decay);
        gain_E_word = gain;
        exact_decay_E_word = decay;
        alpha_exact_words(ts, sl_word(tau_syn_I), &gain, &decay);
        gain_I_word = gain;
        exact_decay_I_word = decay;
        R_word = n.R;
        exp_TC_word = n.exp_TC;
        T_refract_steps = n.T_refract;
        init_E_word = e.init;
        decay_E_word = e.decay;
        init_I_word = i.init;
        decay_I_word = i.decay;
        lin_E = 0; exp_E = 0; q_E = 0;
        lin_I = 0; exp_I = 0; q_I = 0;
        V_word = n.V;
        v_rest_word = n.V_rest;
        i_offset_word = n.I_offset;
        v_reset_word = n.V_reset;
        v_thresh_word = n.V_thresh;
        decay_E_double = exp(-dt / tau_syn_E);
        decay_I_double = exp(-dt / tau_syn_I);
        decay_m_double = exp(-dt / taum);
        refractory = 0;
        vm = spinnaker_lif ? n.V / 32768.0 : v_init;
        v_exact = v_init;
        if (slot_E >= 0) pynn_hpc_pending[(size_t) slot_E] = 0;
        if (slot_I >= 0) pynn_hpc_pending[(size_t) slot_I] = 0;
    }
ENDVERBATIM
}

BREAKPOINT {
    SOLVE update
}

PROCEDURE update() {
    fired = 0
VERBATIM
    {
        double sum_E = in_E + sl_take(slot_E) + drive_next * drive_weight;
        double sum_I = in_I + sl_take(slot_I);
        in_E = 0;
        in_I = 0;
        drive_next = 0;
        s1615_t exc, inh;
        if (!spinnaker_alpha) {
            /* PyNN's alpha current, peak = weight: a spike of w adds w e / tau to the slope */
            b_E += fabs(sum_E) * M_E / tau_syn_E;
            b_I += fabs(sum_I) * M_E / tau_syn_I;
            exc = sl_word(a_E);
            inh = sl_word(a_I);
            a_E = (a_E + dt * b_E) * decay_E_double;
            b_E = b_E * decay_E_double;
            a_I = (a_I + dt * b_I) * decay_I_double;
            b_I = b_I * decay_I_double;
        } else if (spinnaker_alpha == 2) {
            /* the correction: its s33.30 states in lin_ (current) and exp_ (c): doubles hold
               them exactly below 2^53, i.e. 8 mA */
            alpha_exact_synapse_t e = {(int64_t) lin_E, (int64_t) exp_E, (s1615_t) gain_E_word,
                                       (u032_t) exact_decay_E_word};
            alpha_exact_synapse_t i = {(int64_t) lin_I, (int64_t) exp_I, (s1615_t) gain_I_word,
                                       (u032_t) exact_decay_I_word};
            alpha_exact_add_input(&e, (s1615_t) (sl_units(sum_E, shift_E) << (int) shift_E));
            alpha_exact_add_input(&i, (s1615_t) (sl_units(sum_I, shift_I) << (int) shift_I));
            exc = alpha_exact_current(&e);
            inh = alpha_exact_current(&i);
            alpha_exact_shape(&e);
            alpha_exact_shape(&i);
            lin_E = e.current; exp_E = e.c;
            lin_I = i.current; exp_I = i.c;
        } else {
            alpha_synapse_t e = {(s1615_t) lin_E, (s1615_t) exp_E, (s1615_t) init_E_word,
                                 (u032_t) decay_E_word, (s1615_t) q_E};
            alpha_synapse_t i = {(s1615_t) lin_I, (s1615_t) exp_I, (s1615_t) init_I_word,
                                 (u032_t) decay_I_word, (s1615_t) q_I};
            uint32_t ue = sl_units(sum_E, shift_E), ui = sl_units(sum_I, shift_I);
            if (ue > 0) {
                alpha_synapse_add_input(&e, (s1615_t) (ue << (int) shift_E));
            }
            if (ui > 0) {
                alpha_synapse_add_input(&i, (s1615_t) (ui << (int) shift_I));
            }
            exc = alpha_synapse_current(&e);
            inh = alpha_synapse_current(&i);
            alpha_synapse_shape(&e);
            alpha_synapse_shape(&i);
            lin_E = e.lin; exp_E = e.exp; q_E = e.q;
            lin_I = i.lin; exp_I = i.exp; q_I = i.q;
        }
        i_syn = (exc - inh) / 32768.0;
        if (!spinnaker_lif) {
            if (refractory <= 0) {
                double a = (i_syn + i_offset) * taum / cm + v_rest;
                v_exact = a - decay_m_double * (a - v_exact);
            } else {
                refractory -= 1;
            }
            if (v_exact >= v_thresh) {
                v_exact = v_reset;
                refractory = T_refract_steps;
                fired = 1;
            }
            vm = v_exact;
        } else {
            lif_neuron_t n = {(s1615_t) V_word, (s1615_t) v_rest_word, (s1615_t) R_word,
                              (s1615_t) exp_TC_word, (s1615_t) i_offset_word,
                              (int32_t) refractory, (s1615_t) v_reset_word,
                              (int32_t) T_refract_steps, (s1615_t) v_thresh_word};
            fired = lif_neuron_step(&n, exc, inh);
            V_word = n.V;
            refractory = n.refract_timer;
            vm = n.V / 32768.0;
        }
    }
ENDVERBATIM
    if (fired) {
        emit()
    }
    if (drive_rate > 0 && t > drive_start && t <= drive_stop) {
        drive_next = poisson_count(drive_rate*dt*0.001)
    }
}

PROCEDURE emit() {
    : a spike at this step's end (t), sent to every NetCon from this cell
VERBATIM
    net_event(_ppvar[1].get<Point_process*>(), t);
ENDVERBATIM
}

PROCEDURE claim_slot_E() {
VERBATIM
    if (slot_E < 0) {
        slot_E = (double) pynn_hpc_pending.size();
        pynn_hpc_pending.push_back(0.0);
    }
ENDVERBATIM
}

PROCEDURE claim_slot_I() {
VERBATIM
    if (slot_I < 0) {
        slot_I = (double) pynn_hpc_pending.size();
        pynn_hpc_pending.push_back(0.0);
    }
ENDVERBATIM
}

FUNCTION poisson_count(mean) {
    : AlphaISynExact.mod's, draw for draw (the same train from the same stream ids)
    LOCAL u, p, s, k, m, rest
    poisson_count = 0
    rest = mean
    while (rest > 0) {
        m = rest
        if (m > 100) {
            m = 100
        }
        rest = rest - m
        u = random_uniform(drive_stream)
        k = 0
        p = exp(-m)
        s = p
        while (u > s && p > 0) {
            k = k + 1
            p = p*m/k
            s = s + p
        }
        poisson_count = poisson_count + k
    }
}

NET_RECEIVE(w (nA)) {
    : PyNN's current-based convention: w > 0 excitatory, w < 0 inhibitory
    if (flag == 0) {
        if (w < 0) {
            in_I = in_I + w
        } else {
            in_E = in_E + w
        }
    } else {
        net_event(t)        : never sent: registers the cell as a spike source
    }
}
