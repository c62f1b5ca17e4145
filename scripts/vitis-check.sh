#!/bin/sh
# vitis-check.sh - checks that `make xclbin` can run: v++ on PATH, a known
# TARGET and a connectivity file for PLATFORM. Prints what is missing and
# how to get it, and exits 1, so the build stops before its first v++ step.
#
# usage: scripts/vitis-check.sh VPP TARGET PLATFORM CONNECTIVITY_FILE
set -eu

vpp=$1
target=$2
platform=$3
cfg=$4

case "$target" in
    hw|hw_emu) ;;
    *)
        echo "make xclbin: TARGET=$target is not hw or hw_emu" >&2
        exit 1
        ;;
esac

if [ ! -f "$cfg" ]; then
    echo "make xclbin: no connectivity file for PLATFORM=$platform;" \
         "hw/vitis/ has u250.cfg, u280.cfg and u55c.cfg, chosen by _u250_," \
         "_u280_ or _u55c_ in the platform name (docs/alveo.md)" >&2
    exit 1
fi

if ! command -v "$vpp" >/dev/null 2>&1; then
    echo "make xclbin: $vpp (the Vitis compiler) not found on PATH." >&2
    echo "  Install AMD Vitis 2022.2 or later with the platform $platform," >&2
    echo "  then run: source <Vitis install>/settings64.sh" >&2
    echo "  and: source /opt/xilinx/xrt/setup.sh" >&2
    echo "  See docs/alveo.md. \`make -n xclbin\` prints the commands." >&2
    exit 1
fi
