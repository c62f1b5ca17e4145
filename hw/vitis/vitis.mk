# vitis.mk - `make xclbin`: builds the three HLS C kernels of hw/hls/ into
# one xclbin with Vitis (included by host/xrt.mk).
#
# | variable | default                               | meaning                    |
# |----------|---------------------------------------|----------------------------|
# | TARGET   | hw                                    | hw (bitstream) or hw_emu   |
# | PLATFORM | xilinx_u250_gen3x16_xdma_4_1_202210_1 | Vitis platform of the card |
# | VPP      | v++                                   | the Vitis compiler         |
#
# Each kernel is compiled with `v++ -c` into a .xo, and the three are linked
# with `v++ -l` and the connectivity file of the card (hw/vitis/u250.cfg,
# u280.cfg or u55c.cfg, chosen from the platform name). Everything goes to
# bitstreams/<platform>/<target>/; the xclbin is crrm.xclbin there. For
# hw_emu the directory also gets emconfig.json from emconfigutil.
# `make -n xclbin ...` prints the commands without running them.

TARGET   ?= hw
PLATFORM ?= xilinx_u250_gen3x16_xdma_4_1_202210_1
VPP      ?= v++
EMCONFIGUTIL ?= emconfigutil

VITIS_OUT  := bitstreams/$(PLATFORM)/$(TARGET)
VITIS_CARD := $(firstword $(foreach card,u250 u280 u55c,$(if $(findstring _$(card)_,$(PLATFORM)),$(card))))
VITIS_CFG  := hw/vitis/$(if $(VITIS_CARD),$(VITIS_CARD),unknown).cfg
VITIS_XO   := $(patsubst hw/hls/%.c,$(VITIS_OUT)/%.xo,$(wildcard hw/hls/*.c))
VITIS_XCLBIN := $(VITIS_OUT)/crrm.xclbin
VITIS_FLAGS := -t $(TARGET) --platform $(PLATFORM) -I hw/hls \
               --temp_dir $(VITIS_OUT)/tmp --log_dir $(VITIS_OUT)/log \
               --report_dir $(VITIS_OUT)/report

.PHONY: xclbin vitis-check

xclbin: $(VITIS_XCLBIN) $(if $(filter hw_emu,$(TARGET)),$(VITIS_OUT)/emconfig.json)

# Stops at once, before any v++ step, when a tool or setting is missing.
vitis-check:
	@scripts/vitis-check.sh "$(VPP)" "$(TARGET)" "$(PLATFORM)" "$(VITIS_CFG)"

# One .xo per kernel source; the kernel is the file name with crrm_ before.
$(VITIS_OUT)/%.xo: hw/hls/%.c hw/hls/crrm_kernels.h hw/hls/crrm_hls_compat.h | vitis-check
	@mkdir -p $(VITIS_OUT)
	$(VPP) -c $(VITIS_FLAGS) -k crrm_$* -o $@ $<

$(VITIS_XCLBIN): $(VITIS_XO) $(VITIS_CFG) | vitis-check
	$(VPP) -l $(VITIS_FLAGS) --config $(VITIS_CFG) -o $@ $(VITIS_XO)

$(VITIS_OUT)/emconfig.json: | vitis-check
	$(EMCONFIGUTIL) --platform $(PLATFORM) --od $(VITIS_OUT)
