#!/bin/sh
# fit-report.sh - projects the largest systolic array that fits an Alveo
# U250 and U280 from the yosys resource table of scripts/synth-report.sh.
#
# Each resource is fitted as a + b * P * Q by least squares over the
# synthesized sizes, and the largest square array N x N is the one whose
# every resource stays within USABLE percent of the part (default 70, to
# leave room for the platform shell and for routing). A projection, not a
# place-and-route result: yosys is not Vivado, and the shell's own use of
# each part differs by platform.
#
# usage: scripts/fit-report.sh [SYNTH_TABLE] [USABLE]
set -eu
table=${1:-bitstreams/reports/synth.md}
usable=${2:-70}
if [ ! -s "$table" ]; then
    echo "fit-report: $table is missing; run make synth first" >&2
    exit 1
fi

# Device totals of the FPGAs on the cards: XCU250 and XCU280.
# NOTE: quoted from AMD's Alveo product tables, not read from a file in
# this repository; `platforminfo -p PLATFORM` shows what a shell leaves.
parts="U250 1728000 3456000 12288 2688
U280 1304000 2607000 9024 2016"

echo "| part | limiting resource | largest N x N (projection) | largest power of two | DSPs used |"
echo "| --- | --- | --- | --- | --- |"
echo "$parts" | while read -r part lut ff dsp bram; do
    grep -E '^\| [0-9]+x[0-9]+ \|' "$table" | awk -F'|' \
        -v part="$part" -v lut="$lut" -v ff="$ff" -v dsp="$dsp" \
        -v bram="$bram" -v usable="$usable" '
    {
        split($2, pq, "x"); x = pq[1] * pq[2]
        n++; sx += x; sxx += x * x
        for (r = 1; r <= 4; r++) { y = $(2 + r) + 0; sy[r] += y; sxy[r] += x * y }
    }
    END {
        cap[1] = lut; cap[2] = ff; cap[3] = dsp; cap[4] = bram
        name[1] = "LUT"; name[2] = "FF"; name[3] = "DSP"; name[4] = "BRAM"
        best = -1
        for (r = 1; r <= 4; r++) {
            d = n * sxx - sx * sx
            b = d != 0 ? (n * sxy[r] - sx * sy[r]) / d : 0
            a = (sy[r] - b * sx) / n
            limit = cap[r] * usable / 100
            pes = b > 0 ? (limit - a) / b : 1e12
            if (best < 0 || pes < best) { best = pes; which = name[r] }
        }
        side = int(sqrt(best > 0 ? best : 0))
        pow2 = 1; while (pow2 * 2 <= side) pow2 *= 2
        printf "| %s | %s | %d x %d | %d x %d | %d |\n", part, which, side, side,
               pow2, pow2, side * side
    }'
done
echo
echo "Fitted over the sizes in $table, within $usable% of each resource of the part."
