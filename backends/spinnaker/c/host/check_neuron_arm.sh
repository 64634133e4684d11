#!/bin/sh
# The neuron numerics on raw bits (../alpha_synapse.h, ../lif_neuron.h) give the same bits as gcc's
# `accum` arithmetic on SpiNNaker's ARM968: neuron_accum_arm.c under qemu-arm prints 0 differing steps.
# Needs: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-user
set -e
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
arm-none-eabi-gcc -mcpu=arm968e-s -marm -O2 -std=gnu99 -Wall -Wextra --specs=rdimon.specs \
    "$here/neuron_accum_arm.c" -o "$tmp/arm"
differing=$(qemu-arm -cpu arm926 "$tmp/arm" | tail -1)
echo "steps differing from accum arithmetic: $differing"
[ "$differing" = "0" ]
