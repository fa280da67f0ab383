/*
 * fault.c — the per-thread and process-wide fault notes of fault.h.
 */
#include "fault.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static __thread enum fault_kind tl_fault;
static _Atomic uint64_t faults;
static _Atomic int corrupt_seen;
static _Atomic int64_t last_io_s; /* CLOCK_MONOTONIC seconds of the last I/O fault; 0: none */
static pthread_mutex_t msg_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_msg[FAULT__MAX][256];
static char warning[512];

static int64_t mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec + 1; /* never 0 */
}

void fault_note(enum fault_kind k, const char *what)
{
    if (k <= FAULT_NONE || k >= FAULT__MAX)
        return;
    if (k > tl_fault)
        tl_fault = k;
    faults++;
    if (k == FAULT_CORRUPT)
        corrupt_seen = 1;
    else
        last_io_s = mono_s();
    pthread_mutex_lock(&msg_lock);
    if (!first_msg[k][0])
        snprintf(first_msg[k], sizeof first_msg[k], "%s", what && *what ? what : "?");
    pthread_mutex_unlock(&msg_lock);
}

enum fault_kind fault_take(void)
{
    enum fault_kind k = tl_fault;
    tl_fault = FAULT_NONE;
    return k;
}

enum fault_kind fault_state(char *msg, size_t n)
{
    enum fault_kind k = FAULT_NONE;
    if (corrupt_seen)
        k = FAULT_CORRUPT;
    else if (last_io_s && mono_s() - last_io_s < FAULT_IO_WINDOW_S)
        k = FAULT_IO;
    if (msg && n) {
        pthread_mutex_lock(&msg_lock);
        snprintf(msg, n, "%s", k ? first_msg[k] : "");
        pthread_mutex_unlock(&msg_lock);
    }
    return k;
}

uint64_t fault_count(void)
{
    return faults;
}

void fault_add_warning(const char *text)
{
    pthread_mutex_lock(&msg_lock);
    size_t used = strlen(warning);
    if (used + 3 < sizeof warning)
        snprintf(warning + used, sizeof warning - used, "%s%s", used ? "; " : "", text);
    pthread_mutex_unlock(&msg_lock);
}

void fault_warning(char *msg, size_t n)
{
    pthread_mutex_lock(&msg_lock);
    snprintf(msg, n, "%s", warning);
    pthread_mutex_unlock(&msg_lock);
}
