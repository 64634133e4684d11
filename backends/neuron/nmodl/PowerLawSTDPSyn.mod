TITLE Alpha-current synapse with power-law STDP (NEST's stdp_pl_synapse_hom)

COMMENT
One instance per postsynaptic neuron and plastic projection; each connection is
a NetCon onto it whose weight vector holds the connection's state
(w, Kplus, t_last).  The synaptic current is the exact alpha current of
alpha_exact.inc; the weight is the current's amplitude (nA).

Rule (Morrison et al. 2007), all-to-all pairs, all of the delay d dendritic.
Times are taken where the events arrive here: a presynaptic spike t_pre at
T = t_pre + d (its NetCon's delay), a postsynaptic spike t_post at
T_post = t_post + 2 d (the post NetCon, delay 2 d, marked by weight -1).
Differences between arrival times are NEST's t_post + d - t_pre, so:

 * at each postsynaptic arrival T_post, for every connection that has fired
   (FOR_NETCONS), in turn:
       w <- w + A_plus w0^(1-mu) w^mu Kplus exp(-(T_post - t_last)/tau_plus)
   (NEST does these steps lazily at the next presynaptic spike, in the same
   order and from the same values: the weight changes only here and at its
   presynaptic spikes);
 * at each presynaptic arrival T of a connection:
       w <- max(0, w - A_minus w Kminus(T))
   with Kminus(T) = sum over postsynaptic arrivals T_post < T (strictly) of
   exp(-(T - T_post)/tau_minus); the spike is then transmitted with the new w;
       Kplus <- Kplus exp(-(T - t_last)/tau_plus) + 1,   t_last <- T.

A pair at exactly zero time difference does nothing; w >= 0, no upper bound.

Events of the same time may come in any order (NEURON's queues do not order
them, the fixed-step bin queue least of all).  NEST's order at a time T where
both arrive is: potentiation by the postsynaptic spike, then depression, then
transmission.  If the presynaptic spike came first, the postsynaptic arrival
finds t_last = T and redoes it in NEST's order: w_before = w / dep (dep the
depression factor max(0, 1 - A_minus Kminus(T)), the same at both arrivals),
potentiation with the trace before T's spike (Kplus - 1), depression again,
and the difference of the weights added to the current already sent at T
(exact: the alpha current is linear in its weights).
Units: nA, ms.
ENDCOMMENT

NEURON {
    POINT_PROCESS PowerLawSTDPSyn
    RANGE tau, tau_m, i, I, D
    RANGE tau_plus, tau_minus, A_plus, A_minus, mu, w0
    RANGE kminus, kminus_before, t_kminus
    NONSPECIFIC_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
}

PARAMETER {
    tau = 0.5 (ms) <1e-9, 1e9>      : synaptic time constant
    tau_m = 10 (ms) <1e-9, 1e9>     : membrane time constant of the cell (exact step response)
    tau_plus = 20 (ms)
    tau_minus = 20 (ms)
    A_plus = 0.01                   : lambda
    A_minus = 0.01                  : lambda alpha
    mu = 0.4
    w0 = 0.001 (nA)                 : reference weight of the power law
    eps = 1e-6 (ms)                 : times closer than this are the same time (NEST's stdp eps)
}

ASSIGNED {
    i (nA)
    I (nA)
    D (nA/ms)
    p_I (1/ms)
    p_D
    decay
    h_step (ms)
    dt (ms)
    kminus                          : postsynaptic trace just after the last postsynaptic arrival
    kminus_before                   : the same just before it
    t_kminus (ms)                   : arrival time of the last postsynaptic spike
}

INCLUDE "alpha_exact.inc"

INITIAL {
    I = 0
    D = 0
    kminus = 0
    kminus_before = 0
    t_kminus = -1e9
    propagators()
}

BREAKPOINT {
    SOLVE advance
    i = -(p_I*I + p_D*D)
}

PROCEDURE advance() {
    propagate()
}

NET_RECEIVE(w (nA), kplus, t_last (ms)) {
    LOCAL km, dep, lam, w_before, w_new
    INITIAL {
        kplus = 0
        t_last = -1e9
    }
    if (w < 0) {
        : postsynaptic spike (the post NetCon), arriving at t
        kminus_before = kminus*exp(-(t - t_kminus)/tau_minus)
        kminus = kminus_before + 1
        t_kminus = t
        lam = A_plus*pow(w0, 1 - mu)
        dep = 1 - A_minus*kminus_before
        if (dep < 0) {
            dep = 0
        }
        FOR_NETCONS(wj (nA), kj, tj (ms)) {
            if (wj >= 0 && kj > 0) {
                if (t - tj > eps) {
                    wj = wj + lam*pow(wj, mu)*kj*exp(-(t - tj)/tau_plus)
                } else if (dep > 0) {
                    : its presynaptic spike of this same time came first: redo in NEST's order
                    w_before = wj/dep
                    w_new = (w_before + lam*pow(w_before, mu)*(kj - 1))*dep
                    D = D + (w_new - wj)*exp(1)/tau
                    wj = w_new
                }
            }
        }
    } else {
        : presynaptic spike of this connection, arriving at t
        if (t - t_kminus > eps) {
            km = kminus*exp(-(t - t_kminus)/tau_minus)
        } else {
            km = kminus_before
        }
        w = w - A_minus*w*km
        if (w < 0) {
            w = 0
        }
        kplus = kplus*exp(-(t - t_last)/tau_plus) + 1
        t_last = t
        D = D + w*exp(1)/tau
    }
}
