/*
 * fault.h — storage faults, noticed where they happen and answered where
 * the request is.
 *
 * A corrupt database or a failing disk must never look like missing data:
 * a query that stops with SQLITE_CORRUPT returns no row, and a handler
 * would answer 404 or an empty list.  So the store notes every such fault
 * here (fault_note), on the thread that met it; the HTTP server takes the
 * note after its handler ran (fault_take) and answers 500 or 503 instead of
 * whatever the handler made of the missing rows.  The first fault of each
 * kind is also kept for the process (fault_state), so that /healthz and
 * /metrics turn unhealthy: corruption until a restart, I/O errors for
 * FAULT_IO_WINDOW_S after the last one.  A note of what the database's
 * recovery did at start (a WAL cut short) is kept the same way.
 */
#ifndef LAUREL_FAULT_H
#define LAUREL_FAULT_H

#include <stddef.h>
#include <stdint.h>

#define FAULT_IO_WINDOW_S 60

/* Worst first: a larger value wins when a request meets several. */
enum fault_kind { FAULT_NONE, FAULT_IO, FAULT_CORRUPT, FAULT__MAX };

/* Note a fault of kind k met on this thread; what (a message) is copied for fault_state. */
void fault_note(enum fault_kind k, const char *what);
/* The worst fault noted on this thread since the last call, which clears it. */
enum fault_kind fault_take(void);
/*
 * The process's state now: FAULT_CORRUPT once any corruption was seen,
 * FAULT_IO within the window after an I/O error, else FAULT_NONE; msg gets
 * the first message of that kind (may be NULL).
 */
enum fault_kind fault_state(char *msg, size_t n);
/* Faults noted since start, of any kind. */
uint64_t fault_count(void);

/*
 * A warning about the start (WAL frames dropped at recovery, the start-up
 * check cut short), kept for /healthz; a second one is added after the first.
 */
void fault_add_warning(const char *text);
/* The warning, or "" when none; msg gets a copy. */
void fault_warning(char *msg, size_t n);

#endif
