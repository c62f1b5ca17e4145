# opencl.mk - builds the opencl backend when the OpenCL headers and ICD
# loader are installed (opencl-headers, ocl-icd-opencl-dev). The kernels
# themselves are compiled at run time from hw/hls/ by the OpenCL platform.

OPENCL_HEADER ?= /usr/include/CL/cl.h

ifneq ($(wildcard $(OPENCL_HEADER)),)
CFLAGS         += -DCRRM_HAVE_OPENCL
BACKEND_LDLIBS += -lOpenCL
endif
