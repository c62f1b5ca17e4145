#!/bin/sh
# Trains the dense baseline, the low-rank model without the MI term and the
# low-rank model with CRRM on Fashion-MNIST, and prints the table of
# docs/results.md. Usage: scripts/results.sh [OUTDIR] [extra train options]
set -eu
out=${1:-build/results}
[ $# -gt 0 ] && shift
mkdir -p "$out"
crrm=build/crrm

run() {
    name=$1
    shift
    echo "results: $name: $crrm train $*" >&2
    "$crrm" train --quiet --json "$out/$name.json" --log "$out/$name.csv" "$@"
}

field() {
    sed -n "s/^  \"$2\": \\(.*\\),\$/\\1/p" "$out/$1.json"
}

run dense --dense --beta 0 "$@"
run lowrank --beta 0 "$@"
for beta in 0.001 0.003 0.01; do
    run "crrm-$beta" --beta "$beta" "$@"
done

echo "| model | beta | params | compression | test accuracy | MI term (bits) | I(T;Y) (bits) | seconds |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for name in dense lowrank crrm-0.001 crrm-0.003 crrm-0.01; do
    printf '| %s | %s | %s | %sx | %s | %s | %s | %s |\n' "$name" \
        "$(field "$name" beta)" "$(field "$name" params)" \
        "$(field "$name" compression_ratio)" "$(field "$name" test_accuracy)" \
        "$(field "$name" mi_bits)" "$(field "$name" ity_bits)" \
        "$(field "$name" seconds)"
done
