#!/bin/sh
# Draws the plots of one training run from its CSV logs with gnuplot:
#   infoplane.png   H(T) against I(T;Y) per layer, each step colored by epoch
#   curves.png      loss and cross-entropy per step, test accuracy per epoch
#   energy.png      energy per step by component and backend (log scale;
#                   a part that is not estimated, such as static power on a
#                   CPU backend, has no bar), when
#                   energy-*.json summaries from `crrm energy` are present
# Usage: scripts/plots.sh RUNDIR   (RUNDIR holds steps.csv, steps-epochs.csv)
set -eu
dir=${1:-build/run}
steps="$dir/steps.csv"
epochs="$dir/steps-epochs.csv"
for f in "$steps" "$epochs"; do
    if [ ! -s "$f" ]; then
        echo "plots: $f is missing or empty; train with --log $steps first" \
             "(make run writes it)" >&2
        exit 1
    fi
done
if ! command -v gnuplot >/dev/null 2>&1; then
    echo "plots: gnuplot not found; run scripts/install-deps.sh" >&2
    exit 1
fi
out="$dir/plots"
mkdir -p "$out"

gnuplot <<GNUPLOT
set datafile separator ","
set terminal pngcairo size 1200,500 font ",10"
set output "$out/infoplane.png"
set multiplot layout 1,2 title "Information plane (per-step batch estimates; color = epoch)"
set xlabel "sum_j H(T_j) (bits, upper bound on I(X;T))"
set ylabel "max_j I(T_j;Y) (bits, lower bound on I(T;Y))"
set cblabel "epoch"
set cbrange [1:*]
set palette rgbformulae 33,13,10
set title "layer 1"
plot "$steps" using 6:8:2 every ::1 with points pt 7 ps 0.4 palette notitle, \
     "$epochs" using 6:8 every ::1 with linespoints lw 2 lc rgb "black" title "test set, per epoch"
set title "layer 2"
plot "$steps" using 7:9:2 every ::1 with points pt 7 ps 0.4 palette notitle, \
     "$epochs" using 7:9 every ::1 with linespoints lw 2 lc rgb "black" title "test set, per epoch"
unset multiplot

set output "$out/curves.png"
set multiplot layout 1,2 title "Training curves"
unset colorbox
set title "loss per step"
set xlabel "step"
set ylabel "ce (nats) + beta * MI term (bits)"
set logscale y
plot "$steps" using 1:3 every ::1 with lines lc rgb "#3060c0" title "CRRM loss", \
     "$steps" using 1:4 every ::1 with lines lc rgb "#c03030" title "cross-entropy"
unset logscale y
set title "accuracy"
set xlabel "epoch"
set key bottom right
set ylabel "%"
plot "$epochs" using 1:(100*\$3) every ::1 with linespoints lw 2 title "test accuracy"
unset multiplot
GNUPLOT
echo "plots: wrote $out/infoplane.png and $out/curves.png"

# Energy breakdown: one bar per backend, stacked by component.
set -- "$dir"/energy-*.json
if [ -e "$1" ]; then
    table="$out/energy.dat"
    echo "backend mac onchip device transfer static" > "$table"
    for f in "$@"; do
        get() { sed -n "s/^ *\"$1\": *\([^,]*\),*\$/\1/p" "$f" | head -1; }
        echo "$(get backend | tr -d '"') $(get mac_joules) $(get onchip_joules)" \
             "$(get device_memory_joules) $(get transfer_joules) $(get static_joules)" >> "$table"
    done
    gnuplot <<GNUPLOT
set terminal pngcairo size 800,500 font ",10"
set output "$out/energy.png"
set title "Estimated energy per training step by component (log scale; see each energy-*.json)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [1e-6:*]
set ylabel "joules per step"
set key outside right
plot "$table" using 2:xtic(1) title columnheader(2), '' using 3 title columnheader(3), \
     '' using 4 title columnheader(4), '' using 5 title columnheader(5), \
     '' using 6 title columnheader(6)
GNUPLOT
    echo "plots: wrote $out/energy.png"
fi
