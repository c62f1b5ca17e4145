# xrt.mk - builds the xrt backend when XRT's development files are installed
# (Debian: libxrt-dev, uuid-dev), and the Vitis flow `make xclbin`.
#
# The xrt backend uses XRT's native C API. Debian's xrt.pc carries a doubled
# prefix, so the flags are written out here: -I/usr/include/xrt for the
# headers, -lxrt_coreutil -luuid for the libraries. The include flag is
# added only to the two objects that use XRT, because /usr/include/xrt/CL
# would shadow the OpenCL headers elsewhere.

XRT_INCLUDE ?= /usr/include/xrt
# Where Debian's libxrt1 installs the shim libraries; the tests link a
# temporary $XILINX_XRT/lib to it.
XRT_LIB_DIR ?= /usr/lib/x86_64-linux-gnu

ifneq ($(and $(wildcard $(XRT_INCLUDE)/xrt/xrt_device.h),$(wildcard /usr/include/uuid/uuid.h)),)
CFLAGS         += -DCRRM_HAVE_XRT
BACKEND_LDLIBS += -lxrt_coreutil -luuid -ldl
$(BUILD)/host/backend_xrt.o $(BUILD)/tests/test_xrt.o: CFLAGS += -I$(XRT_INCLUDE)
$(BUILD)/tests/test_xrt.o: CFLAGS += -DCRRM_XRT_LIB_DIR='"$(XRT_LIB_DIR)"'
endif

-include hw/vitis/vitis.mk
