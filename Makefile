# Every entry point of the project. `make help` lists them.

CC       ?= gcc
BUILD    := build
CFLAGS   := -std=c11 -O3 -g -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L \
            -ffp-contract=off -Ihw/hls -Ihost
# The kernels are integer-only, so tuning them for this CPU cannot change a
# single result bit; the float host code keeps the portable baseline.
KERNEL_ARCH ?= -march=native
# Loop labels name the loops in HLS synthesis reports; gcc sees them unused.
KERNEL_CFLAGS := $(CFLAGS) -O3 $(KERNEL_ARCH) -Wno-unknown-pragmas -Wno-unused-label
LDLIBS   := -lz -lm

KERNEL_SRC := $(wildcard hw/hls/*.c)
HOST_SRC   := $(filter-out host/main.c,$(wildcard host/*.c))
TEST_SRC   := $(wildcard tests/test_*.c)

KERNEL_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(KERNEL_SRC))
HOST_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(HOST_SRC))
LIB        := $(BUILD)/libcrrm.a
TEST_BIN   := $(BUILD)/crrm_tests

# Extra backends add their objects and libraries here from their own .mk
# files (sim/sim.mk: the Verilator model), so this file stays their index.
BACKEND_OBJ    :=
BACKEND_LDLIBS :=
TEST_DEPS      :=
-include sim/sim.mk
-include host/opencl.mk
-include host/xrt.mk

# `make run` trains with the defaults plus RUN_ARGS and keeps its summary
# and logs in RUN_DIR, where `make plots` finds them.
RUN_ARGS ?=
RUN_DIR  ?= $(BUILD)/run

.PHONY: all deps run test plots synth help clean

all: $(BUILD)/crrm

help:
	@echo "make            build build/crrm"
	@echo "make run        install dependencies, build, train on Fashion-MNIST"
	@echo "make test       install dependencies, build, run every test"
	@echo "make plots      energy per step (sw, sim) and plots of the last run"
	@echo "make synth      yosys resource report of the RTL at several sizes"
	@echo "make clean      remove build/"

deps:
	@scripts/install-deps.sh

$(BUILD)/hw/hls/%.o: hw/hls/%.c hw/hls/crrm_kernels.h hw/hls/crrm_hls_compat.h
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/host/%.o: host/%.c $(wildcard host/*.h) hw/hls/crrm_kernels.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c $(wildcard host/*.h tests/*.h) hw/hls/crrm_kernels.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -c $< -o $@

$(LIB): $(KERNEL_OBJ) $(HOST_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/crrm: $(BUILD)/host/main.o $(LIB) $(BACKEND_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(BACKEND_LDLIBS) $(LDLIBS)

$(TEST_BIN): $(patsubst %.c,$(BUILD)/%.o,$(TEST_SRC)) $(LIB) $(BACKEND_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(BACKEND_LDLIBS) $(LDLIBS) -lcriterion

run: deps
	$(MAKE) $(BUILD)/crrm
	@mkdir -p $(RUN_DIR)
	$(BUILD)/crrm train --json $(RUN_DIR)/summary.json --log $(RUN_DIR)/steps.csv $(RUN_ARGS)

# Energy per step on each backend of ENERGY_BACKENDS, then the plots.
ENERGY_BACKENDS ?= sw sim
plots: deps
	@test -s $(RUN_DIR)/steps.csv || { echo "plots: $(RUN_DIR)/steps.csv" \
	    "is missing; run make run first" >&2; exit 1; }
	$(MAKE) $(BUILD)/crrm
	for backend in $(ENERGY_BACKENDS); do \
	    $(BUILD)/crrm energy --backend $$backend --steps 3 \
	        --json $(RUN_DIR)/energy-$$backend.json || exit 1; \
	done
	scripts/plots.sh $(RUN_DIR)

# yosys resource report of the RTL at several array sizes (minutes each).
SYNTH_SIZES ?= 4x4 8x8 16x16
synth: deps
	scripts/synth-report.sh "$(SYNTH_SIZES)" bitstreams/reports
	scripts/fit-report.sh bitstreams/reports/synth.md | tee bitstreams/reports/fit.md

test: deps
	$(MAKE) $(BUILD)/crrm $(TEST_BIN) $(TEST_DEPS)
	$(TEST_BIN) --jobs 2

clean:
	rm -rf $(BUILD)
