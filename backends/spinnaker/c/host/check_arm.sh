#!/bin/sh
# Same results on SpiNNaker's ARM968 as on the host: build same_on_arm.c with the host cc and with
# arm-none-eabi-gcc (-mcpu=arm968e-s, newlib's rdimon semihosting), run the latter under qemu-arm.
# Needs: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-user
set -e
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -std=c99 -Wall -Wextra "$here/same_on_arm.c" -o "$tmp/host"
arm-none-eabi-gcc -mcpu=arm968e-s -marm -O3 -std=gnu99 -Wall -Wextra --specs=rdimon.specs \
    "$here/same_on_arm.c" -o "$tmp/arm"
host=$("$tmp/host"); arm=$(qemu-arm -cpu arm926 "$tmp/arm")
echo "host: $host"; echo "arm:  $arm"
[ "$host" = "$arm" ] && echo "identical" || { echo "DIFFERENT"; exit 1; }
