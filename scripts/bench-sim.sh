#!/bin/sh
# bench-sim.sh - simulation benchmark of the RTL accelerator (sim backend).
# It builds the Verilator model at each systolic array size and trains a few
# steps of the default low-rank model on Fashion-MNIST at batch 128 with
# CRRM_SIM_PROFILE set. It prints Markdown for docs/benchmarks.md:
# cycles per training step, PE utilization of every kernel call of a step,
# of the GEMM phases and of the whole step, and simulated cycles per wall
# second.
#
# usage: scripts/bench-sim.sh [STEPS] [SIZES]
#
# | argument | default | meaning                                          |
# |----------|---------|--------------------------------------------------|
# | STEPS    | 4       | training steps per size (step 1 is left out of   |
# |          |         | the per-call table: it calibrates the T shifts)  |
# | SIZES    | "8 16"  | array sizes N (an N x N array each)              |
#
# Each size is built with `make SIM_P=N SIM_Q=N build/crrm` (the model's
# AXI4 data width is SIM_DATA_W, default 256 bits) and copied to
# build/crrm-simNxN. build/crrm is relinked with the default model at the
# end. The runs pass --no-eval, so the wall time is the training steps only.
set -eu
# No random AXI backpressure unless the caller asks for it (it is the sim
# backend's default too), so the cycles show the design.
export CRRM_SIM_STALL="${CRRM_SIM_STALL:-0}"
steps=${1:-4}
sizes=${2:-8 16}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

field() {
    sed -n "s/^  \"$2\": \\(.*\\),\$/\\1/p" "$1"
}

# build_size: builds the model of one size and keeps it as build/crrm-simNxN.
for n in $sizes; do
    rm -f build/crrm
    make -j2 SIM_P="$n" SIM_Q="$n" SIM_DATA_W="${SIM_DATA_W:-256}" build/crrm >"$out/build-$n.log" 2>&1 || {
        echo "bench-sim: building the ${n}x${n} model failed; the end of its log follows:" >&2
        tail -20 "$out/build-$n.log" >&2
        exit 1
    }
    cp build/crrm "build/crrm-sim${n}x${n}"
done
rm -f build/crrm
make -j2 build/crrm >"$out/build-default.log" 2>&1 || {
    echo "bench-sim: relinking build/crrm with the default model failed; run 'make build/crrm'" >&2
    exit 1
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "memory model: latency ${CRRM_SIM_LATENCY:-16} cycles, backpressure $CRRM_SIM_STALL %, AXI4 data ${SIM_DATA_W:-256} bits"
echo

for n in $sizes; do
    bin="build/crrm-sim${n}x${n}"
    json="$out/$n.json"
    prof="$out/$n.csv"
    cmd="CRRM_SIM_STALL=$CRRM_SIM_STALL CRRM_SIM_PROFILE=$prof $bin train --backend sim --steps $steps --epochs 1 --batch 128 --no-eval --quiet --json $json"
    start=$(date +%s)
    CRRM_SIM_PROFILE="$prof" "$bin" train --backend sim --steps "$steps" --epochs 1 \
        --batch 128 --no-eval --quiet --json "$json" >"$out/$n.log" 2>&1 || {
        echo "bench-sim: the ${n}x${n} training run failed; its output follows:" >&2
        cat "$out/$n.log" >&2
        exit 1
    }
    end=$(date +%s)
    echo "### ${n} x ${n} array"
    echo
    echo "command: \`$cmd\` ($((end - start)) s wall)"
    echo
    # profile_table: splits the profile into steps, drops step 1 and
    # averages the others call by call. A step starts at the forward pass of
    # layer 1 and contains GEMMs, which evaluation chunks do not. The last
    # three columns are lower bounds on busy cycles: MACs / (P x Q) for the
    # array, R beats and W beats of the AXI4 port (one beat per cycle each;
    # bytes per beat from the profile's beat_bytes column).
    awk -F, -v pq="$((n * n))" -v step_s="$(field "$json" step_seconds)" \
        -v json_cps="$(field "$json" cycles_per_step)" '
    NR == 1 { next }
    {
        is_fwd1 = ($1 == "lowrank_fwd" && $2 ~ / in=784 /)
        if (is_fwd1 && !prev_fwd1) { step++; calls[step] = 0; has_gemm[step] = 0 }
        prev_fwd1 = is_fwd1
        if (step == 0) next
        c = ++calls[step]
        kind[step, c] = $1; shape[step, c] = $2
        busy[step, c] = $5; stall[step, c] = $6; macs[step, c] = $7
        rd[step, c] = $9; wr[step, c] = $10; bb = $12
        if ($1 == "gemm") has_gemm[step] = 1
    }
    END {
        split("dU layer 2,dT layer 2,dV layer 2,dX layer 2 (input of layer 2),dU layer 1,dT layer 1,dV layer 1", gemm_name, ",")
        used = 0
        for (st = 2; st <= step; st++) {
            if (!has_gemm[st]) continue
            used++
            if (used == 1) { ref = st; ncalls = calls[st] }
            if (calls[st] != ncalls) { print "bench-sim: steps differ in their calls" > "/dev/stderr"; exit 1 }
            for (c = 1; c <= ncalls; c++) {
                busy_sum[c] += busy[st, c]; stall_sum[c] += stall[st, c]
                macs_sum[c] += macs[st, c]; rd_sum[c] += rd[st, c]; wr_sum[c] += wr[st, c]
            }
        }
        if (!used) { print "bench-sim: need at least 2 steps" > "/dev/stderr"; exit 1 }
        print "| kernel call | shape | busy cycles | stall cycles | MACs | PE utilization | MACs / PQ | R beats | W beats |"
        print "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
        gemm_index = 0
        for (c = 1; c <= ncalls; c++) {
            k = kind[ref, c]; s = shape[ref, c]
            if (k == "lowrank_fwd")
                name = (s ~ / in=784 /) ? "forward layer 1" : "forward layer 2"
            else if (k == "gemm")
                name = gemm_name[++gemm_index]
            else
                name = (s ~ /units=32 /) ? "histogram layer 1" : "histogram layer 2"
            b = busy_sum[c] / used; m = macs_sum[c] / used
            total_busy += b; total_macs += m
            if (k != "mi_hist") { gemm_busy += b; gemm_macs += m }
            printf "| %s | %s %s | %.0f | %.0f | %.0f | %.1f %% | %.0f | %.0f | %.0f |\n", name, k, s,
                   b, stall_sum[c] / used, m, 100 * m / (b * pq), m / pq,
                   rd_sum[c] / used / bb, wr_sum[c] / used / bb
        }
        printf "| **GEMM phases** (gemm + lowrank_fwd) | | %.0f | | %.0f | **%.1f %%** | | | |\n",
               gemm_busy, gemm_macs, 100 * gemm_macs / (gemm_busy * pq)
        printf "| **whole step** | | %.0f | | %.0f | **%.1f %%** | | | |\n",
               total_busy, total_macs, 100 * total_macs / (total_busy * pq)
        print ""
        printf "Steps averaged: %d (steps 2 to %d). Cycles per step: %.0f (crrm --json cycles_per_step, over all steps with step 1: %s).\n",
               used, used + 1, total_busy, json_cps
        printf "Wall time per step %.2f s: %.0f simulated cycles per wall second.\n",
               step_s, total_busy / step_s
    }' "$prof"
    echo
done
