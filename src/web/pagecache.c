/*
 * pagecache.c — an LRU of rendered pages with counter holes; see pagecache.h.
 *
 * NSHARDS shards, picked by the key's hash, each with its own lock, chained
 * hash table and doubly linked list ordered by use, and an equal share of
 * the byte bound.  Each entry holds its bytes with the hole markers cut out
 * and the offsets where they were, so a hit is one pass of memcpy under its
 * shard's lock.  The hit and miss counters are atomics outside any lock.
 */
#include "pagecache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NSHARDS PAGECACHE_SHARDS
#define NBUCKETS 1024 /* per shard */
#define MAX_HOLES 8

struct entry {
    struct entry *hnext;       /* bucket chain */
    struct entry *prev, *next; /* LRU list, most recent first */
    char *key;
    unsigned hash;
    uint64_t gen;
    time_t expires; /* 0: lives until its generation changes */
    const char *ctype;
    char *body; /* without the hole markers */
    size_t len;
    size_t holes[MAX_HOLES]; /* offsets into body */
    int nholes;
};

struct shard {
    pthread_mutex_t lock;
    struct entry *buckets[NBUCKETS];
    struct entry *lru_head, *lru_tail;
    size_t bytes;
};

static struct shard shards[NSHARDS];
static _Atomic size_t shard_limit = ((size_t)PAGECACHE_DEFAULT_MB << 20) / NSHARDS;
static _Atomic uint64_t hits, misses;
static _Atomic int disabled;

static unsigned hash_of(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static struct shard *shard_of(unsigned h)
{
    return &shards[h % NSHARDS];
}

unsigned pagecache_shard_of(const char *key)
{
    return hash_of(key) % NSHARDS;
}

static struct entry **bucket_of(struct shard *s, unsigned h)
{
    return &s->buckets[(h / NSHARDS) % NBUCKETS];
}

static void lru_unlink(struct shard *s, struct entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        s->lru_head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        s->lru_tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push(struct shard *s, struct entry *e)
{
    e->prev = NULL;
    e->next = s->lru_head;
    if (s->lru_head)
        s->lru_head->prev = e;
    s->lru_head = e;
    if (!s->lru_tail)
        s->lru_tail = e;
}

/* What an entry counts against the bound: its bytes and its key. */
static size_t entry_bytes(const struct entry *e)
{
    return e->len + strlen(e->key);
}

/* Unlink e from s (its lock held) and free it. */
static void entry_remove(struct shard *s, struct entry *e)
{
    struct entry **pp = bucket_of(s, e->hash);
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    lru_unlink(s, e);
    s->bytes -= entry_bytes(e);
    free(e->key);
    free(e->body);
    free(e);
}

int pagecache_init(void)
{
    for (int i = 0; i < NSHARDS; i++)
        if (pthread_mutex_init(&shards[i].lock, NULL) != 0)
            return -1;
    return 0;
}

void pagecache_set_enabled(int on)
{
    disabled = !on;
}

void pagecache_set_limit(unsigned mb)
{
    shard_limit = ((size_t)(mb ? mb : 1) << 20) / NSHARDS;
}

void pagecache_free(void)
{
    for (int i = 0; i < NSHARDS; i++) {
        struct shard *s = &shards[i];
        pthread_mutex_lock(&s->lock);
        while (s->lru_head)
            entry_remove(s, s->lru_head);
        pthread_mutex_unlock(&s->lock);
    }
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

static int lookup(const char *key, uint64_t gen, int64_t fill, struct buf *out,
                  const char **ctype, int count_miss)
{
    if (disabled) {
        misses += count_miss;
        return 0;
    }
    unsigned h = hash_of(key);
    struct shard *s = shard_of(h);
    pthread_mutex_lock(&s->lock);
    struct entry *e = *bucket_of(s, h);
    while (e && (e->hash != h || strcmp(e->key, key) != 0))
        e = e->hnext;
    if (e && (e->gen != gen || (e->expires && time(NULL) >= e->expires))) {
        entry_remove(s, e);
        e = NULL;
    }
    if (!e) {
        pthread_mutex_unlock(&s->lock);
        misses += count_miss;
        return 0;
    }
    if (s->lru_head != e) {
        lru_unlink(s, e);
        lru_push(s, e);
    }
    fill_holes(e->body, e->len, e->holes, e->nholes, fill, out);
    *ctype = e->ctype;
    pthread_mutex_unlock(&s->lock);
    hits++;
    return 1;
}

int pagecache_try(const char *key, uint64_t gen, int64_t fill, struct buf *out,
                  const char **ctype)
{
    return lookup(key, gen, fill, out, ctype, 0);
}

int pagecache_get(const char *key, uint64_t gen, int64_t fill, struct buf *out,
                  const char **ctype)
{
    return lookup(key, gen, fill, out, ctype, 1);
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
    /* One pass, straight into out: a page rendered for one visit is never copied twice. */
    char marker[24], num[24];
    size_t mlen = (size_t)snprintf(marker, sizeof marker, "%lld", PAGECACHE_HOLE);
    size_t nlen = (size_t)snprintf(num, sizeof num, "%lld", (long long)fill);
    if (buf_grow(out, len + MAX_HOLES * nlen) < 0)
        return;
    size_t in = 0;
    for (int holes = 0; in < len; holes++) {
        const char *hit = holes < MAX_HOLES ? memmem(body + in, len - in, marker, mlen) : NULL;
        size_t upto = hit ? (size_t)(hit - body) : len;
        buf_append(out, body + in, upto - in);
        if (!hit)
            break;
        buf_append(out, num, nlen);
        in = upto + mlen;
    }
}

void pagecache_put(const char *key, uint64_t gen, const char *body, size_t len,
                   const char *ctype, int ttl_s)
{
    size_t limit = shard_limit;
    if (disabled || len > limit / 4)
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
    e->hash = hash_of(key);
    e->gen = gen;
    e->expires = ttl_s > 0 ? time(NULL) + ttl_s : 0;
    e->ctype = ctype;
    struct shard *s = shard_of(e->hash);
    struct entry **b = bucket_of(s, e->hash);
    pthread_mutex_lock(&s->lock);
    for (struct entry *old = *b; old; old = old->hnext) {
        if (old->hash == e->hash && strcmp(old->key, key) == 0) {
            entry_remove(s, old);
            break;
        }
    }
    e->hnext = *b;
    *b = e;
    lru_push(s, e);
    s->bytes += entry_bytes(e);
    while (s->bytes > limit && s->lru_tail && s->lru_tail != e)
        entry_remove(s, s->lru_tail);
    pthread_mutex_unlock(&s->lock);
}

void pagecache_stats(uint64_t *h, uint64_t *m, uint64_t *bytes)
{
    *h = hits;
    *m = misses;
    size_t sum = 0;
    for (int i = 0; i < NSHARDS; i++) {
        pthread_mutex_lock(&shards[i].lock);
        sum += shards[i].bytes;
        pthread_mutex_unlock(&shards[i].lock);
    }
    *bytes = sum;
}
