#!/bin/sh
# ../alpha_exact_synapse.h gives the same bits on SpiNNaker's ARM968 as on the host: alpha_exact_arm.c
# (300,000 steps, two receptors) built with the host cc and with arm-none-eabi-gcc as sPyNNaker
# builds (-march=armv5te -Ofast, ARM mode), the latter run under qemu-arm: same checksum.  The ARM
# build also steps ../synapse_types_alpha_exact_impl.h through sPyNNaker's synapse-type calls and
# counts the steps whose bits differ from the header's (must be 0).  sPyNNaker's own headers are
# not on this machine: the shim below declares only what the synapse type uses from them
# (input_t = accum, index_t, bitsk/kbits, log_*/rt_error); the build against sPyNNaker 7.4.1
# itself happens with the binary (docs: "Porting to SpiNNaker").
# Needs: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-user
set -e
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/neuron/synapse_types"
cat > "$tmp/debug.h" <<'SHIM'
#include <stdio.h>
#include <stdlib.h>
#define log_error(...) fprintf(stderr, __VA_ARGS__)
#define log_debug(...) ((void) 0)
#define RTE_SWERR 1
#define rt_error(code) exit(code)
SHIM
cat > "$tmp/neuron/synapse_types/synapse_types.h" <<'SHIM'
#include <stdint.h>
#include <stdfix.h>
typedef accum input_t;
typedef uint32_t index_t;
static inline int32_t bitsk(accum a) { union { accum a; int32_t i; } u; u.a = a; return u.i; }
static inline accum kbits(int32_t i) { union { accum a; int32_t i; } u; u.i = i; return u.a; }
struct synapse_types_params_t; typedef struct synapse_types_params_t synapse_types_params_t;
struct synapse_types_t; typedef struct synapse_types_t synapse_types_t;
SHIM
cc -O2 -std=c99 -Wall -Wextra "$here/alpha_exact_arm.c" -o "$tmp/host"
# (-Wno-unused-parameter: log_debug compiles to nothing, as in sPyNNaker's release builds)
arm-none-eabi-gcc -mthumb-interwork -march=armv5te -marm -Ofast -std=gnu99 -Wall -Wextra \
    -Wno-unused-parameter --specs=rdimon.specs -DSYNAPSE_TYPE_SHIM -I"$tmp" -I"$here/.." \
    "$here/alpha_exact_arm.c" -o "$tmp/arm"
host=$("$tmp/host"); arm=$(qemu-arm -cpu arm926 "$tmp/arm")
arm_sum=$(echo "$arm" | head -1); differing=$(echo "$arm" | tail -1)
echo "host: $host"; echo "arm:  $arm_sum"
echo "steps where sPyNNaker's interface differs from the header: $differing"
if [ "$host" = "$arm_sum" ] && [ "$differing" = "0" ]; then echo "identical"; else echo "DIFFERENT"; exit 1; fi
