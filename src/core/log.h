/*
 * log.h — diagnostics to stderr and the JSON-lines access log.
 *
 * log_info/log_error write one human-readable line to stderr with a UTC
 * timestamp.  log_access appends one JSON object per request to the access
 * log (a file, or stdout when none is set), buffered and flushed once a
 * second by the writer's tick and at shutdown.
 */
#ifndef LAUREL_LOG_H
#define LAUREL_LOG_H

#include <stddef.h>

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Returns -1 with errno set if path cannot be opened for appending. */
int log_access_open(const char *path);
void log_access(const char *ip, const char *method, const char *uri, int status, size_t bytes,
                double ms);
void log_access_flush(void);
void log_access_close(void);

#endif
