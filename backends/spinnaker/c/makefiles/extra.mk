# As sPyNNakerNewModelTemplate's c_models/makefiles/extra.mk, extra_neuron.mk and extra_synapse.mk:
# our sources are in backends/spinnaker/c/, the binary goes to backends/spinnaker/model_binaries/.
# The APP's name picks sPyNNaker's build: synapses_* a synapse-only binary, *_neuron a neuron-only
# one (split neuron and synapse cores, sPyNNaker's default), any other a neuron binary with its
# own static synapses.
ifndef NEURAL_MODELLING_DIRS
    $(error NEURAL_MODELLING_DIRS is not set: point it at sPyNNaker 7.4.1's neural_modelling folder (docs: Backends, Building the binaries))
endif

EXTRA_MAKEFILE_PATH := $(abspath $(lastword $(MAKEFILE_LIST)))

APP_OUTPUT_DIR := $(abspath $(dir $(EXTRA_MAKEFILE_PATH))../../model_binaries/)

EXTRA_SRC_DIR := $(abspath $(dir $(EXTRA_MAKEFILE_PATH))/..)

SOURCE_DIRS += $(EXTRA_SRC_DIR)
CFLAGS += -I$(EXTRA_SRC_DIR)

BUILD_DIR := $(abspath $(dir $(EXTRA_MAKEFILE_PATH))/../build/$(APP))/

ifneq ($(filter synapses_%,$(APP)),)
    include $(NEURAL_MODELLING_DIRS)/makefiles/synapse_only/synapse_build.mk
else ifneq ($(filter %_neuron,$(APP)),)
    include $(NEURAL_MODELLING_DIRS)/makefiles/neuron_only/neuron_build.mk
else
    include $(NEURAL_MODELLING_DIRS)/makefiles/neuron/neural_build.mk
endif
