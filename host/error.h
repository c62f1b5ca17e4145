/*
 * error.h - the last error of the host library, as one message.
 *
 * Functions that can fail return -1 (or NULL) and set a message that names
 * the file or value at fault and what to do; the command line prints it.
 */
#ifndef CRRM_ERROR_H
#define CRRM_ERROR_H

#if defined(__GNUC__)
#define CRRM_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CRRM_PRINTF(fmt, args)
#endif

/* Sets the message and returns -1, so callers can write
 * `return crrm_error("...")`. */
int crrm_error(const char *format, ...) CRRM_PRINTF(1, 2);
const char *crrm_last_error(void);

#endif
