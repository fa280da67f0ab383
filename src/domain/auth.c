/*
 * auth.c — argon2id with bounded concurrency, tokens, throttling; see auth.h.
 */
#include "auth.h"

#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static sem_t hashing;

/* The throttle: a small open-addressed table of keys with failure times. */
#define THROTTLE_SLOTS 4096
#define THROTTLE_KEY 160

struct throttle {
    char key[THROTTLE_KEY];
    time_t first; /* start of the window */
    int fails;
};

static struct throttle slots[THROTTLE_SLOTS];
static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;

int auth_init(void)
{
    if (sodium_init() < 0)
        return -1;
    return sem_init(&hashing, 0, AUTH_MAX_HASHING);
}

static int hash_at(const char *password, char out[AUTH_HASH_BYTES], unsigned long long ops,
                   size_t mem)
{
    sem_wait(&hashing);
    int rc = crypto_pwhash_str(out, password, strlen(password), ops, mem);
    sem_post(&hashing);
    return rc == 0 ? 0 : -1;
}

int auth_hash_password(const char *password, char out[AUTH_HASH_BYTES])
{
    return hash_at(password, out, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                   crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

int auth_hash_published_password(const char *password, char out[AUTH_HASH_BYTES])
{
    return hash_at(password, out, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
}

/* A real hash of nothing anyone types, to verify against for unknown accounts. */
static char dummy_hash[AUTH_HASH_BYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    char secret[AUTH_TOKEN_CHARS + 1];
    auth_token(secret);
    if (crypto_pwhash_str(dummy_hash, secret, strlen(secret),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        dummy_hash[0] = 0; /* out of memory: verification will simply fail */
}

int auth_verify_password(const char *hash, const char *password)
{
    int known = hash && *hash;
    sem_wait(&hashing);
    if (!known) {
        /* Spend the same time anyway: timing must not tell whether the account exists. */
        pthread_once(&dummy_once, make_dummy);
        hash = dummy_hash;
    }
    int ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
    sem_post(&hashing);
    return ok && known;
}

void auth_token(char out[AUTH_TOKEN_CHARS + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, AUTH_TOKEN_CHARS + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

void auth_digest(const char *s, char out[AUTH_DIGEST_CHARS + 1])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
    sodium_bin2hex(out, AUTH_DIGEST_CHARS + 1, h, sizeof h);
}

int auth_equal(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n != strlen(b))
        return 0;
    return sodium_memcmp(a, b, n) == 0;
}

static struct throttle *slot_for(const char *key, int create)
{
    unsigned h = 5381;
    for (const char *p = key; *p; p++)
        h = h * 33 + (unsigned char)*p;
    time_t now = time(NULL);
    struct throttle *oldest = NULL;
    for (unsigned probe = 0; probe < 16; probe++) {
        struct throttle *t = &slots[(h + probe) % THROTTLE_SLOTS];
        if (t->key[0] && strcmp(t->key, key) == 0)
            return t;
        if (!t->key[0] || now - t->first > AUTH_WINDOW_S) {
            if (!create)
                continue;
            oldest = t;
            break;
        }
        if (!oldest || t->first < oldest->first)
            oldest = t;
    }
    if (!create || !oldest)
        return NULL;
    snprintf(oldest->key, sizeof oldest->key, "%s", key);
    oldest->first = now;
    oldest->fails = 0;
    return oldest;
}

int auth_throttle_allows(const char *key, int limit)
{
    pthread_mutex_lock(&throttle_lock);
    struct throttle *t = slot_for(key, 0);
    int ok = !t || time(NULL) - t->first > AUTH_WINDOW_S || t->fails < limit;
    pthread_mutex_unlock(&throttle_lock);
    return ok;
}

void auth_throttle_fail(const char *key)
{
    pthread_mutex_lock(&throttle_lock);
    struct throttle *t = slot_for(key, 1);
    if (t) {
        if (time(NULL) - t->first > AUTH_WINDOW_S) {
            t->first = time(NULL);
            t->fails = 0;
        }
        t->fails++;
    }
    pthread_mutex_unlock(&throttle_lock);
}

void auth_throttle_clear(const char *key)
{
    pthread_mutex_lock(&throttle_lock);
    struct throttle *t = slot_for(key, 0);
    if (t)
        t->key[0] = 0;
    pthread_mutex_unlock(&throttle_lock);
}
