//! \file
//! \brief Reads the power-law weight dependence's parameters (weight_power_law_impl.h)
#include "weight_power_law_impl.h"

//! The rule's parameters per receptor, in DTCM
plasticity_weight_region_data_t *plasticity_weight_region_data;

//! The ring-buffer left shift per receptor: stored weight << shift = s16.15
uint32_t *weight_shift;

//! State of the generator of the stochastic write-back rounding (non-zero)
uint32_t pl_random_state;

/*
 * SDRAM layout, per synapse type: a_minus (u0.31), mu (2.30), log2_c (s15.16),
 * written by pynn_hpc.backends.spinnaker.fixedpoint.parameter_words.
 */
address_t weight_initialise(
        address_t address, uint32_t n_synapse_types,
        uint32_t *ring_buffer_to_input_buffer_left_shifts) {
    log_debug("weight_initialise: power law");
    plasticity_weight_region_data_t *config = (plasticity_weight_region_data_t *) address;

    plasticity_weight_region_data =
            spin1_malloc(sizeof(plasticity_weight_region_data_t) * n_synapse_types);
    weight_shift = spin1_malloc(sizeof(uint32_t) * n_synapse_types);
    if (plasticity_weight_region_data == NULL || weight_shift == NULL) {
        log_error("Could not initialise weight region data");
        return NULL;
    }
    for (uint32_t s = 0; s < n_synapse_types; s++, config++) {
        plasticity_weight_region_data[s] = *config;
        weight_shift[s] = ring_buffer_to_input_buffer_left_shifts[s];
        log_debug("\tSynapse type %u: A-:%u mu:%d log2_c:%d shift:%u", s,
                config->a_minus, config->mu, config->log2_c, weight_shift[s]);
    }

    // a different rounding sequence on every core
    pl_random_state = 0x9e3779b9u ^ (spin1_get_chip_id() << 5) ^ spin1_get_core_id();
    if (pl_random_state == 0) {
        pl_random_state = 1;
    }
    return (address_t) config;
}
