#!/bin/sh
# Trains the dense baseline, the low-rank model without the MI term and the
# low-rank model with CRRM at several beta on Fashion-MNIST, each with
# several seeds, and prints the table of docs/results.md (mean +- standard
# deviation over the seeds).
#
# Usage: scripts/results.sh [OUTDIR] [extra train options]
# Environment: SEEDS (default "1 2 3"), BETAS (default "0.001 0.003 0.01").
set -eu
out=${1:-build/results}
[ $# -gt 0 ] && shift
seeds=${SEEDS:-1 2 3}
betas=${BETAS:-0.001 0.003 0.01}
crrm=${CRRM:-build/crrm}
mkdir -p "$out"

run() {
    name=$1
    shift
    for seed in $seeds; do
        echo "results: $name seed $seed: $crrm train --seed $seed $*" >&2
        "$crrm" train --quiet --seed "$seed" --json "$out/$name-s$seed.json" \
            --log "$out/$name-s$seed.csv" "$@"
    done
}

# Prints "mean +- sd" of one JSON field over the seeds of a run.
stat() {
    for seed in $seeds; do
        sed -n "s/^  \"$2\": \\(.*\\),\$/\\1/p" "$out/$1-s$seed.json"
    done | awk -v scale="$3" -v digits="$4" '
        $1 != "null" { n++; x = $1 * scale; sum += x; sq += x * x }
        END {
            if (n == 0) { print "n/a"; exit }
            mean = sum / n; var = n > 1 ? (sq - n * mean * mean) / (n - 1) : 0
            if (var < 0) var = 0
            printf "%.*f +- %.*f\n", digits, mean, digits, sqrt(var)
        }'
}

run dense --dense --beta 0 "$@"
run lowrank --beta 0 "$@"
names="dense lowrank"
for beta in $betas; do
    run "crrm-$beta" --beta "$beta" "$@"
    names="$names crrm-$beta"
done

echo "| run | params | compression | test accuracy (%) | train accuracy (%) | MI term (bits) | I(T;Y) (bits) | seconds |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
first=$(echo "$seeds" | cut -d' ' -f1)
for name in $names; do
    json="$out/$name-s$first.json"
    params=$(sed -n 's/^  "params": \(.*\),$/\1/p' "$json")
    ratio=$(sed -n 's/^  "compression_ratio": \(.*\),$/\1/p' "$json")
    printf '| %s | %s | %.2fx | %s | %s | %s | %s | %s |\n' "$name" "$params" \
        "$ratio" "$(stat "$name" test_accuracy 100 2)" \
        "$(stat "$name" train_accuracy 100 2)" "$(stat "$name" mi_bits 1 1)" \
        "$(stat "$name" ity_bits 1 3)" "$(stat "$name" seconds 1 1)"
done
