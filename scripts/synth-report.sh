#!/bin/sh
# synth-report.sh - yosys synthesis of hw/rtl/crrm_top.sv for UltraScale+
# (synth_xilinx -family xcup) at several array sizes with the RTL's default
# tile sizes, and a resource table: LUT, FF, DSP48E2, BRAM (RAMB36E2 +
# RAMB18E2 / 2) and URAM per size. Fails on a latch or on a DSP count that
# is not P * Q.
#
# usage: scripts/synth-report.sh [SIZES] [REPORT_DIR]
#   SIZES       space-separated PxQ list, default "4x4 8x8 16x16"
#   REPORT_DIR  default bitstreams/reports
# Writes REPORT_DIR/synth_full_<P>x<Q>.{log,stat} and REPORT_DIR/synth.md.
set -eu

sizes=${1:-4x4 8x8 16x16}
out=${2:-bitstreams/reports}
YOSYS=${YOSYS:-yosys}
mkdir -p "$out"
table="$out/synth.md"

# count NAME... : sum of the given cell counts in the current stat file.
count() {
    pattern=$(echo "$@" | sed 's/ /|/g')
    grep -E "^ +($pattern) +[0-9]+$" "$stat" | awk '{s += $2} END {print s + 0}'
}

{
    echo "| array | LUT | FF | DSP48E2 | BRAM36 | URAM | latches | yosys seconds |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
} > "$table"

for size in $sizes; do
    p=${size%x*}
    q=${size#*x}
    log="$out/synth_full_${size}.log"
    stat="$out/synth_full_${size}.stat"
    echo "synth-report: ${size}: yosys synth_xilinx -family xcup (log $log)" >&2
    start=$(date +%s)
    if ! "$YOSYS" -q -l "$log" -p "
        read_verilog -sv $(ls hw/rtl/*.sv | tr '\n' ' ')
        hierarchy -check -top crrm_top -chparam P $p -chparam Q $q
        synth_xilinx -family xcup -top crrm_top -flatten
        tee -o $stat stat
    " >/dev/null; then
        echo "synth-report: yosys failed at ${size}; see $log" >&2
        exit 1
    fi
    seconds=$(( $(date +%s) - start ))

    luts=$(count LUT1 LUT2 LUT3 LUT4 LUT5 LUT6 LUT6_2 RAM32M RAM32M16 RAM64M \
                 RAM64M8 RAM32X1D RAM64X1D RAM128X1D RAM256X1D SRL16E SRLC32E)
    ffs=$(count FDRE FDSE FDCE FDPE)
    dsps=$(count DSP48E2)
    b36=$(count RAMB36E2)
    b18=$(count RAMB18E2)
    urams=$(count URAM288)
    latches=$(count LDCE LDPE '\$_DLATCH_[NP]_')
    bram=$(awk -v a="$b36" -v b="$b18" 'BEGIN { printf "%g", a + b / 2 }')
    echo "| ${size} | $luts | $ffs | $dsps | $bram | $urams | $latches | $seconds |" >> "$table"
    echo "synth-report: ${size}: $luts LUT, $ffs FF, $dsps DSP48E2, $bram BRAM36, $urams URAM, $latches latches" >&2

    if [ "$latches" -ne 0 ]; then
        echo "synth-report: ${size} has $latches latches; see $stat" >&2
        exit 1
    fi
    if [ "$dsps" -ne $((p * q)) ]; then
        echo "synth-report: ${size} maps to $dsps DSP48E2, not P*Q = $((p * q)); see $stat" >&2
        exit 1
    fi
done
cat "$table"
