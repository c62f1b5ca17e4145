#!/bin/sh
# synth-check.sh - synthesizes hw/rtl/crrm_top.sv with yosys synth_xilinx
# -family xcup (UltraScale+) at a small size and checks the netlist: no
# latches, and exactly P*Q DSP48E2 (one per processing element).
#
# usage: scripts/synth-check.sh P Q REPORT_DIR
# The small tiles keep the run to well under a minute; the array size is
# what the DSP check is about. The full yosys log and the statistics stay in
# REPORT_DIR/synth_<P>x<Q>.log and REPORT_DIR/synth_<P>x<Q>.stat.
set -eu

P=${1:?usage: synth-check.sh P Q REPORT_DIR}
Q=${2:?usage: synth-check.sh P Q REPORT_DIR}
OUT=${3:?usage: synth-check.sh P Q REPORT_DIR}
YOSYS=${YOSYS:-yosys}
LOG="$OUT/synth_${P}x${Q}.log"
STAT="$OUT/synth_${P}x${Q}.stat"

mkdir -p "$OUT"
TM=$((P * 2))
TN=$((Q * 2))

# synth_run: read, elaborate at the small size, map to UltraScale+.
if ! "$YOSYS" -q -l "$LOG" -p "
    read_verilog -sv $(ls hw/rtl/*.sv | tr '\n' ' ')
    hierarchy -check -top crrm_top -chparam P $P -chparam Q $Q \
        -chparam TILE_M $TM -chparam TILE_N $TN -chparam TILE_K 16 \
        -chparam HIST_BANKS 4 -chparam HIST_CHUNK 16
    synth_xilinx -family xcup -top crrm_top -flatten
    tee -o $STAT stat
" >/dev/null; then
    echo "synth-check: yosys failed; see $LOG" >&2
    exit 1
fi

# synth_checks: latches and DSP count.
latches=$(grep -E '^ +(LDCE|LDPE|\$_DLATCH)' "$STAT" | awk '{s += $2} END {print s + 0}')
dsps=$(grep -E '^ +DSP48E2 ' "$STAT" | awk '{s += $2} END {print s + 0}')
want=$((P * Q))
echo "synth-check: ${P}x${Q} array: $dsps DSP48E2 (want $want), $latches latches; report $STAT"
if [ "$latches" -ne 0 ]; then
    echo "synth-check: the netlist has $latches latches; see $STAT" >&2
    exit 1
fi
if [ "$dsps" -ne "$want" ]; then
    echo "synth-check: $dsps DSP48E2 but P*Q = $want; see $STAT" >&2
    exit 1
fi
