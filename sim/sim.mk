# sim.mk - builds the Verilator model of hw/rtl/ into the sim backend and
# adds the RTL checks to `make test`. Included by the top-level Makefile.
#
# | variable | default | meaning                                           |
# |----------|---------|---------------------------------------------------|
# | SIM_P    | 4       | systolic array rows of the model                  |
# | SIM_Q    | 4       | systolic array columns                            |
# | SIM_DATA_W | 256   | AXI4 data bus width of the model: 64, 128, 256    |
# |          |         | or 512 bits                                       |
# | SYNTH_P  | 4       | array rows of the yosys check (synth-check)       |
# | SYNTH_Q  | 4       | array columns of the yosys check                  |
#
# Each P x Q gets its own build directory, build/sim_<P>x<Q>/ (with a
# suffix _w<DATA_W> for a bus width other than 256), so
# `make SIM_P=8 SIM_Q=8 build/crrm` does not disturb the default model.
# The model is built with --x-initial unique, so a run may start from random
# register values (crrm_sim_config.random_reset, the +verilator+rand+reset+2
# and +verilator+seed+N plusargs).

SIM_P ?= 4
SIM_Q ?= 4
SIM_DATA_W ?= 256
SYNTH_P ?= 4
SYNTH_Q ?= 4
VERILATOR ?= verilator
YOSYS ?= yosys

RTL_SRC  := $(wildcard hw/rtl/*.sv)
SIM_DIR  := $(BUILD)/sim_$(SIM_P)x$(SIM_Q)$(if $(filter-out 256,$(SIM_DATA_W)),_w$(SIM_DATA_W))
SIM_OBJ  := $(SIM_DIR)/obj
SIM_LIBS := $(SIM_DIR)/libcrrm_sim.a $(SIM_OBJ)/Vcrrm_top__ALL.a
VL_RUNTIME := $(SIM_OBJ)/verilated.o $(SIM_OBJ)/verilated_fst_c.o $(SIM_OBJ)/verilated_threads.o
VL_INC   := $(shell $(VERILATOR) --getenv VERILATOR_ROOT 2>/dev/null)/include

CFLAGS         += -DCRRM_HAVE_SIM -Isim
BACKEND_OBJ    += $(SIM_LIBS)
BACKEND_LDLIBS += -lstdc++ -lpthread -lz
TEST_DEPS      += rtl-lint synth-check

.PHONY: sim-model rtl-lint synth-check

sim-model: $(SIM_LIBS)

# The verilated C++ model and Verilator's runtime, built by Verilator's own
# makefile (two jobs at most). A parameter out of its limit ($error in the
# RTL) stops the build even though other warnings do not.
$(SIM_OBJ)/Vcrrm_top__ALL.a $(VL_RUNTIME) &: $(RTL_SRC) sim/sim.mk
	@mkdir -p $(SIM_OBJ)
	$(VERILATOR) --cc --trace-fst --x-initial unique --x-assign unique \
	    -Wall -Wno-fatal -Werror-USERERROR -O3 --top-module crrm_top --prefix Vcrrm_top \
	    -GP=$(SIM_P) -GQ=$(SIM_Q) -GDATA_W=$(SIM_DATA_W) --Mdir $(SIM_OBJ) $(RTL_SRC)
	$(MAKE) -j2 -C $(SIM_OBJ) -f Vcrrm_top.mk OPT_FAST=-O2 OPT_SLOW=-O1 \
	    Vcrrm_top__ALL.a $(notdir $(VL_RUNTIME))

$(SIM_DIR)/crrm_sim.o: sim/crrm_sim.cpp sim/crrm_sim.h $(SIM_OBJ)/Vcrrm_top__ALL.a
	$(CXX) -std=c++17 -O2 -g -Wall -Wextra -Wno-unused-parameter -I$(SIM_OBJ) -I$(VL_INC) \
	    -I$(VL_INC)/vltstd -DVM_TRACE=1 -DVM_TRACE_FST=1 -c $< -o $@

# The wrapper and Verilator's runtime in one archive.
$(SIM_DIR)/libcrrm_sim.a: $(SIM_DIR)/crrm_sim.o $(VL_RUNTIME)
	rm -f $@
	ar rcs $@ $^

# verilator -Wall on every RTL file: the default (4 x 4, 256-bit bus),
# 16 x 16, and the narrowest and widest bus.
rtl-lint:
	$(VERILATOR) --lint-only -Wall --top-module crrm_top $(RTL_SRC)
	$(VERILATOR) --lint-only -Wall --top-module crrm_top -GP=16 -GQ=16 $(RTL_SRC)
	$(VERILATOR) --lint-only -Wall --top-module crrm_top -GDATA_W=64 $(RTL_SRC)
	$(VERILATOR) --lint-only -Wall --top-module crrm_top -GP=8 -GQ=8 -GDATA_W=512 $(RTL_SRC)

# yosys synth_xilinx -family xcup on a small top: no latches, one DSP48E2
# per PE. The report stays in bitstreams/reports/.
synth-check:
	@mkdir -p bitstreams/reports
	scripts/synth-check.sh $(SYNTH_P) $(SYNTH_Q) bitstreams/reports
