/*
 * pagecache.c — an LRU of rendered pages with counter holes; see pagecache.h.
 *
 * A chained hash table finds entries; a doubly linked list orders them by
 * use.  Each entry holds its bytes with the hole markers cut out and the
 * offsets where they were, so a hit is one pass of memcpy.
 */
#include "pagecache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NBUCKETS 4096
#define MAX_HOLES 8

struct entry {
    struct entry *hnext;        /* bucket chain */
    struct entry *prev, *next;  /* LRU list, most recent first */
    char *key;
    uint64_t gen;
    time_t born;
    const char *ctype;
    char *body; /* without the hole markers */
    size_t len;
    size_t holes[MAX_HOLES]; /* offsets into body */
    int nholes;
};

static struct entry *buckets[NBUCKETS];
static struct entry *lru_head, *lru_tail;
static size_t cached_bytes;
static uint64_t hits, misses;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int disabled;

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % NBUCKETS;
}

static void lru_unlink(struct entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        lru_head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        lru_tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push(struct entry *e)
{
    e->prev = NULL;
    e->next = lru_head;
    if (lru_head)
        lru_head->prev = e;
    lru_head = e;
    if (!lru_tail)
        lru_tail = e;
}

static void entry_remove(struct entry *e)
{
    struct entry **pp = &buckets[hash(e->key)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    lru_unlink(e);
    cached_bytes -= e->len + strlen(e->key);
    free(e->key);
    free(e->body);
    free(e);
}

int pagecache_init(void)
{
    return 0;
}

void pagecache_set_enabled(int on)
{
    disabled = !on;
}

void pagecache_free(void)
{
    pthread_mutex_lock(&lock);
    while (lru_head)
        entry_remove(lru_head);
    pthread_mutex_unlock(&lock);
}

static void fill_holes(const char *body, size_t len, const size_t *holes, int nholes,
                       int64_t fill, struct buf *out)
{
    char num[24];
    int nlen = snprintf(num, sizeof num, "%lld", (long long)fill);
    if (buf_grow(out, len + (size_t)nholes * (size_t)nlen) < 0)
        return;
    size_t at = 0;
    for (int i = 0; i < nholes; i++) {
        buf_append(out, body + at, holes[i] - at);
        buf_append(out, num, (size_t)nlen);
        at = holes[i];
    }
    buf_append(out, body + at, len - at);
}

int pagecache_get(const char *key, uint64_t gen, int64_t fill, struct buf *out,
                  const char **ctype)
{
    time_t now = time(NULL);
    pthread_mutex_lock(&lock);
    if (disabled) {
        misses++;
        pthread_mutex_unlock(&lock);
        return 0;
    }
    struct entry *e = buckets[hash(key)];
    while (e && strcmp(e->key, key) != 0)
        e = e->hnext;
    if (e && (e->gen != gen || now - e->born >= PAGECACHE_TTL_S)) {
        entry_remove(e);
        e = NULL;
    }
    if (!e) {
        misses++;
        pthread_mutex_unlock(&lock);
        return 0;
    }
    hits++;
    lru_unlink(e);
    lru_push(e);
    fill_holes(e->body, e->len, e->holes, e->nholes, fill, out);
    *ctype = e->ctype;
    pthread_mutex_unlock(&lock);
    return 1;
}

/* Cut the markers out of body into e->body, recording where they were. */
static int cut_holes(struct entry *e, const char *body, size_t len)
{
    char marker[24];
    size_t mlen = (size_t)snprintf(marker, sizeof marker, "%lld", PAGECACHE_HOLE);
    e->body = malloc(len + 1);
    if (!e->body)
        return -1;
    size_t in = 0, outn = 0;
    while (in < len) {
        const char *hit = e->nholes < MAX_HOLES ? memmem(body + in, len - in, marker, mlen) : NULL;
        size_t upto = hit ? (size_t)(hit - body) : len;
        memcpy(e->body + outn, body + in, upto - in);
        outn += upto - in;
        if (!hit)
            break;
        e->holes[e->nholes++] = outn;
        in = upto + mlen;
    }
    e->len = outn;
    e->body[outn] = 0;
    return 0;
}

void pagecache_fill(const char *body, size_t len, int64_t fill, struct buf *out)
{
    struct entry tmp = {0};
    if (cut_holes(&tmp, body, len) != 0) {
        out->oom = 1;
        return;
    }
    fill_holes(tmp.body, tmp.len, tmp.holes, tmp.nholes, fill, out);
    free(tmp.body);
}

void pagecache_put(const char *key, uint64_t gen, const char *body, size_t len,
                   const char *ctype)
{
    if (len > PAGECACHE_MAX_BYTES / 8 || disabled)
        return;
    struct entry *e = calloc(1, sizeof *e);
    if (!e)
        return;
    e->key = strdup(key);
    if (!e->key || cut_holes(e, body, len) != 0) {
        free(e->key);
        free(e->body);
        free(e);
        return;
    }
    e->gen = gen;
    e->born = time(NULL);
    e->ctype = ctype;
    unsigned h = hash(key);
    pthread_mutex_lock(&lock);
    for (struct entry *old = buckets[h]; old; old = old->hnext) {
        if (strcmp(old->key, key) == 0) {
            entry_remove(old);
            break;
        }
    }
    e->hnext = buckets[h];
    buckets[h] = e;
    lru_push(e);
    cached_bytes += e->len + strlen(e->key);
    while (cached_bytes > PAGECACHE_MAX_BYTES && lru_tail && lru_tail != e)
        entry_remove(lru_tail);
    pthread_mutex_unlock(&lock);
}

void pagecache_stats(uint64_t *h, uint64_t *m, uint64_t *bytes)
{
    pthread_mutex_lock(&lock);
    *h = hits;
    *m = misses;
    *bytes = cached_bytes;
    pthread_mutex_unlock(&lock);
}
