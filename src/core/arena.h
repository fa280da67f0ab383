/*
 * arena.h — a per-request memory pool.
 *
 * Every allocation a request makes for its own use comes from its arena and
 * is released at once when the request completes (arena_release).  Blocks
 * are chained; a request that asks for more than `cap` bytes in total gets
 * NULL, which callers treat as "request too large".  Not thread-safe: an
 * arena belongs to one request, served by one thread at a time.
 */
#ifndef LAUREL_ARENA_H
#define LAUREL_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head;
    size_t used; /* bytes handed out, over all blocks */
    size_t cap;  /* 0: no cap */
};

void arena_init(struct arena *a, size_t cap);
void arena_release(struct arena *a);
/* Returns n bytes aligned for any type, or NULL past the cap.  Owned by the arena. */
void *arena_alloc(struct arena *a, size_t n);
/* Copies n bytes and a NUL into the arena. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
