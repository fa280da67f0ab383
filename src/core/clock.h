/*
 * clock.h — the one clock for durations and deadlines: milliseconds on
 * CLOCK_MONOTONIC, which never jumps when the wall clock is set.
 *
 * Request timings, the writer's commit times and tick, assignment run
 * times, cache ages and the start-up check's deadline all read it.  Its
 * zero is arbitrary (the kernel's boot), so only differences mean anything.
 */
#ifndef LAUREL_CLOCK_H
#define LAUREL_CLOCK_H

#include <time.h>

/* Milliseconds on the monotonic clock, with sub-millisecond fraction. */
static inline double clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#endif
