/*
 * crrm_hls_compat.h - lets one kernel source compile three ways.
 *
 * | compiler           | CRRM_GLOBAL | CRRM_KERNEL | integer types          |
 * |--------------------|-------------|-------------|------------------------|
 * | gcc (sw backend)   | (empty)     | (empty)     | <stdint.h>             |
 * | Vitis HLS (v++ -c) | (empty)     | (empty)     | <stdint.h>             |
 * | OpenCL C 1.2       | __global    | __kernel    | typedefs on char..long |
 *
 * The HLS pragmas stay in the sources. gcc ignores them (the build passes
 * -Wno-unknown-pragmas for hw/hls/ only) and OpenCL compilers ignore unknown
 * pragmas as the OpenCL C specification requires.
 */
#ifndef CRRM_HLS_COMPAT_H
#define CRRM_HLS_COMPAT_H

#ifdef __OPENCL_C_VERSION__
typedef char int8_t;
typedef uchar uint8_t;
typedef short int16_t;
typedef ushort uint16_t;
typedef int int32_t;
typedef uint uint32_t;
typedef long int64_t;
typedef ulong uint64_t;
#define CRRM_GLOBAL __global
#define CRRM_KERNEL __kernel
#define CRRM_INLINE static inline
#define INT64_C(x) ((long)(x))
#else
#include <stdint.h>
#define CRRM_GLOBAL
#define CRRM_KERNEL
#define CRRM_INLINE static inline
#endif

#endif
