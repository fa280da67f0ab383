/*
 * voter.c — contact normalisation, masking and keyed hashing of public
 * voters, and their codes and tokens (voter.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/voter.h"

#include "core/sha256.h"

int voter_phone(const char *in, char *out, size_t n)
{
    char d[32];
    size_t k = 0;
    const char *p = in;
    while (*p == ' ')
        p++;
    int plus = *p == '+'; /* an international number: only +86 is a mainland mobile */
    if (plus)
        p++;
    for (; *p; p++) {
        if (*p == ' ' || *p == '-')
            continue;
        if (!isdigit((unsigned char)*p) || k + 1 >= sizeof d)
            return -1;
        d[k++] = *p;
    }
    d[k] = 0;
    const char *s = d;
    if (k == 15 && strncmp(d, "0086", 4) == 0 && !plus)
        s = d + 4;
    else if (k == 13 && strncmp(d, "86", 2) == 0)
        s = d + 2;
    else if (plus)
        return -1;
    if (strlen(s) != 11 || s[0] != '1' || n < 12)
        return -1;
    memcpy(out, s, 12);
    return 0;
}

int voter_email(const char *in, char *out, size_t n)
{
    while (*in == ' ' || *in == '\t')
        in++;
    size_t len = strlen(in);
    while (len && (in[len - 1] == ' ' || in[len - 1] == '\t'))
        len--;
    if (len == 0 || len > 254 || len >= n)
        return -1;
    size_t ats = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c <= 0x20 || c >= 0x7f || strchr("<>\"(),;:[]\\", c))
            return -1;
        ats += c == '@';
        out[i] = (char)tolower(c);
    }
    out[len] = 0;
    const char *at = strchr(out, '@');
    if (ats != 1 || at == out || !at[1] || !strchr(at + 1, '.'))
        return -1;
    return 0;
}

void voter_mask(enum voter_kind kind, const char *contact, char *out, size_t n)
{
    if (kind == VOTER_PHONE) {
        size_t len = strlen(contact);
        snprintf(out, n, "%.3s****%s", contact, len >= 4 ? contact + len - 4 : "");
        return;
    }
    const char *at = strchr(contact, '@');
    snprintf(out, n, "%c***%s", contact[0], at ? at : "");
}

static void hex(const unsigned char *h, size_t len, char *out)
{
    sodium_bin2hex(out, 2 * len + 1, h, len);
}

void voter_hmac(const unsigned char key[VOTER_SECRET_BYTES], enum voter_kind kind,
                const char *contact, char out[VOTER_HEX])
{
    crypto_auth_hmacsha256_state st;
    unsigned char h[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, key, VOTER_SECRET_BYTES);
    const char *tag = kind == VOTER_PHONE ? "phone:" : "email:";
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)tag, strlen(tag));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)contact, strlen(contact));
    crypto_auth_hmacsha256_final(&st, h);
    hex(h, sizeof h, out);
}

void voter_digest(const unsigned char key[VOTER_SECRET_BYTES], const char *a, const char *b,
                  char out[VOTER_HEX])
{
    crypto_auth_hmacsha256_state st;
    unsigned char h[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, key, VOTER_SECRET_BYTES);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)a, strlen(a));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"|", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)b, strlen(b));
    crypto_auth_hmacsha256_final(&st, h);
    hex(h, sizeof h, out);
}

void voter_sha256(const char *s, char out[VOTER_HEX])
{
    unsigned char h[SHA256_BYTES];
    sha256(h, s, strlen(s));
    hex(h, sizeof h, out);
}

/*
 * The user agents met lately on this thread with their hashes: a site's
 * visitors send a few dozen distinct strings (browser and version), and a
 * SHA-256 was a quarter of the vote action's work on its serving thread.
 * Direct-mapped by an FNV-1a of the string; a longer string is
 * hashed every time.
 */
#define UA_MEMO 32
#define UA_MEMO_LEN 240

struct ua_memo {
    char ua[UA_MEMO_LEN];
    char hash[VOTER_HEX];
};

static _Thread_local struct ua_memo ua_memo[UA_MEMO];

void voter_ua_hash(const char *ua, char out[VOTER_HEX])
{
    uint32_t h = 2166136261u;
    size_t len = 0;
    for (; ua[len] && len < UA_MEMO_LEN; len++)
        h = (h ^ (unsigned char)ua[len]) * 16777619u;
    if (len >= UA_MEMO_LEN) {
        voter_sha256(ua, out);
        return;
    }
    struct ua_memo *m = &ua_memo[h % UA_MEMO];
    if (!m->hash[0] || memcmp(m->ua, ua, len + 1) != 0) {
        voter_sha256(ua, m->hash);
        memcpy(m->ua, ua, len + 1);
    }
    memcpy(out, m->hash, VOTER_HEX);
}

void voter_code(char out[7])
{
    uint32_t v = randombytes_uniform(1000000);
    snprintf(out, 7, "%06u", (unsigned)v);
}

void voter_token(char out[44])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, 44, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int voter_net(const char *ip, char *out, size_t n)
{
    unsigned char a[16];
    char txt[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET, ip, a) == 1) {
        if (n < sizeof "255.255.255.0/24")
            return -1;
        /* "%u.%u.%u.0/24" by hand: snprintf took five times as long. */
        char *p = out;
        for (int i = 0; i < 3; i++) {
            if (a[i] >= 100)
                *p++ = (char)('0' + a[i] / 100);
            if (a[i] >= 10)
                *p++ = (char)('0' + a[i] / 10 % 10);
            *p++ = (char)('0' + a[i] % 10);
            *p++ = '.';
        }
        memcpy(p, "0/24", 5);
        return 0;
    }
    if (inet_pton(AF_INET6, ip, a) == 1) {
        memset(a + 8, 0, 8);
        if (!inet_ntop(AF_INET6, a, txt, sizeof txt))
            return -1;
        snprintf(out, n, "%s/64", txt);
        return 0;
    }
    return -1;
}

void voter_today(char out[11])
{
    voter_day(0, out);
}

void voter_day(long long at, char out[11])
{
    /* The last day met on this thread, kept: every vote asks for today. */
    static _Thread_local long long last_day = LLONG_MIN;
    static _Thread_local char last_out[11];
    time_t t = (at ? (time_t)at : time(NULL)) + 8 * 3600;
    long long day = t >= 0 ? (long long)t / 86400 : -((-(long long)t + 86399) / 86400);
    if (day != last_day) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(last_out, sizeof last_out, "%Y-%m-%d", &tm);
        last_day = day;
    }
    memcpy(out, last_out, sizeof last_out);
}

int voter_block(const unsigned char key[VOTER_SECRET_BYTES], const char *phone,
                char out[VOTER_HEX])
{
    char head[8];
    memcpy(head, phone, 7);
    head[7] = '\0';
    voter_digest(key, "block", head, out);
    return atoi(phone + 7);
}
