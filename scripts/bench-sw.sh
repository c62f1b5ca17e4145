#!/bin/sh
# Times training steps and epochs of the sw backend on Fashion-MNIST for the
# default low-rank model and the dense baseline, and prints a Markdown table
# for docs/benchmarks.md. Usage: scripts/bench-sw.sh [EPOCHS]
set -eu
epochs=${1:-2}
crrm=${CRRM:-build/crrm}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

field() {
    sed -n "s/^  \"$2\": \\(.*\\),\$/\\1/p" "$out/$1.json"
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "command: $crrm train --epochs $epochs [--dense] --quiet --json FILE"
echo
echo "| model | params | ms per step (batch 128) | s per epoch (with test evaluation) | steps |"
echo "| --- | --- | --- | --- | --- |"
for model in lowrank dense; do
    flag=""
    [ "$model" = dense ] && flag="--dense"
    # shellcheck disable=SC2086
    "$crrm" train --epochs "$epochs" $flag --quiet --json "$out/$model.json"
    awk -v name="$model" -v params="$(field "$model" params)" \
        -v step="$(field "$model" step_seconds)" \
        -v total="$(field "$model" seconds)" -v epochs="$epochs" \
        -v steps="$(field "$model" steps)" \
        'BEGIN { printf "| %s | %s | %.2f | %.2f | %s |\n", name, params,
                 1000 * step, total / epochs, steps }'
done
