/*
 * redact.c — identity strings of a case and their removal from text; see
 * redact.h.
 *
 * The set is kept sorted longest first, so redact_text can try the strings
 * in order at each position and take the first that matches: that is the
 * longest.  Texts are case bodies of at most a few tens of kilobytes and
 * sets hold a few dozen strings, so the plain scan is fast enough and needs
 * no automaton, once each string's first two bytes are compared before
 * anything else: 20 KB of Chinese against 17 strings takes 0.6 ms, where
 * a strlen of each string at each byte took 1.6.
 */
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "domain/redact.h"

/*
 * Administrative suffixes, longest first, so that 自治区 wins over 区.  兵团
 * ends 新疆生产建设兵团, the one provincial unit without a place suffix.
 */
static const char *const suffixes[] = {
    "特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "街道办事处", "自治区",
    "自治州",     "自治县",       "自治旗",     "街道",       "新区",       "地区",
    "社区",       "兵团",         "省",         "市",         "区",         "县",
    "旗",         "盟",           "镇",         "乡",
};
#define NSUFFIXES (sizeof suffixes / sizeof suffixes[0])

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* 1 if a[0..n) equals b[0..n), ASCII letters compared without case. */
static int same(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return 0;
    return 1;
}

void redact_set_init(struct redact_set *set)
{
    set->s = NULL;
    set->n = set->cap = 0;
}

void redact_set_release(struct redact_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        free(set->s[i]);
    free(set->s);
    redact_set_init(set);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

int redact_set_add(struct redact_set *set, const char *s, size_t len)
{
    if (!s)
        return 0;
    while (len && is_space(*s))
        s++, len--;
    while (len && is_space(s[len - 1]))
        len--;
    if (!len || !utf8_valid(s, len) || utf8_count(s, len) < REDACT_MIN_CHARS)
        return 0;
    size_t at = set->n;
    for (size_t i = 0; i < set->n; i++) {
        size_t m = strlen(set->s[i]);
        if (m == len && same(set->s[i], s, len))
            return 0;
        if (m < len && at == set->n)
            at = i;
    }
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 16;
        char **p = realloc(set->s, cap * sizeof *p);
        if (!p)
            return -1;
        set->s = p;
        set->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, s, len);
    copy[len] = 0;
    memmove(set->s + at + 1, set->s + at, (set->n - at) * sizeof *set->s);
    set->s[at] = copy;
    set->n++;
    return 0;
}

/* The length in bytes of the suffix that starts at s[0..n), or 0. */
static size_t suffix_at(const char *s, size_t n)
{
    for (size_t i = 0; i < NSUFFIXES; i++) {
        size_t k = strlen(suffixes[i]);
        if (k <= n && memcmp(s, suffixes[i], k) == 0)
            return k;
    }
    return 0;
}

/* Add a part p[0..n) ending in a suffix of k bytes (k may be 0), and its short form. */
static int add_part(struct redact_set *set, const char *p, size_t n, size_t k)
{
    if (redact_set_add(set, p, n) != 0)
        return -1;
    if (k && k < n && utf8_count(p, n - k) >= REDACT_MIN_CHARS)
        return redact_set_add(set, p, n - k);
    return 0;
}

int redact_add_name(struct redact_set *set, const char *name)
{
    if (!name)
        return 0;
    size_t len = strlen(name);
    if (!utf8_valid(name, len))
        return 0;
    if (redact_set_add(set, name, len) != 0)
        return -1;
    /* Also the short form of the whole name (上海市 → 上海) when it ends in a suffix. */
    size_t start = 0, i = 0;
    int chars = 0; /* characters of the current part before position i */
    while (i < len) {
        size_t k = chars >= REDACT_MIN_CHARS ? suffix_at(name + i, len - i) : 0;
        if (k) {
            if (add_part(set, name + start, i + k - start, k) != 0)
                return -1;
            i += k;
            start = i;
            chars = 0;
            continue;
        }
        utf8_next(name, len, &i);
        chars++;
    }
    if (start > 0 && start < len && add_part(set, name + start, len - start, 0) != 0)
        return -1;
    return 0;
}

static int add_str(struct redact_set *set, const char *s)
{
    return s ? redact_set_add(set, s, strlen(s)) : 0;
}

int redact_identities(const struct redact_identity *id, struct redact_set *set)
{
    if (redact_add_name(set, id->unit) != 0)
        return -1;
    for (size_t i = 0; i < id->nancestors; i++)
        if (redact_add_name(set, id->ancestors[i]) != 0)
            return -1;
    if (redact_add_name(set, id->region) != 0 || add_str(set, id->recommender) != 0 ||
        add_str(set, id->contact_name) != 0 || add_str(set, id->contact_phone) != 0 ||
        add_str(set, id->contact_email) != 0)
        return -1;
    /* A phone written with separators may appear as its digits alone, and vice versa. */
    if (id->contact_phone) {
        char digits[64];
        size_t n = 0;
        for (const char *p = id->contact_phone; *p && n < sizeof digits - 1; p++)
            if (*p >= '0' && *p <= '9')
                digits[n++] = *p;
        if (n >= 7 && redact_set_add(set, digits, n) != 0)
            return -1;
    }
    /* The local part of an e-mail address names a person as well (zhang.wei@...). */
    if (id->contact_email) {
        const char *at = strchr(id->contact_email, '@');
        if (at && at - id->contact_email >= 4 &&
            redact_set_add(set, id->contact_email, (size_t)(at - id->contact_email)) != 0)
            return -1;
    }
    return 0;
}

/* The length of the longest string of set that starts at t[0..n), or 0. */
static size_t match_at(const struct redact_set *set, const char *t, size_t n)
{
    /* Two bytes rule out most strings before their strlen (Chinese shares its first bytes). */
    unsigned char a = lower((unsigned char)t[0]), b = n > 1 ? lower((unsigned char)t[1]) : 0;
    for (size_t i = 0; i < set->n; i++) {
        const char *s = set->s[i];
        if (lower((unsigned char)s[0]) != a || (s[1] && lower((unsigned char)s[1]) != b))
            continue;
        size_t m = strlen(s);
        if (m <= n && same(t, s, m))
            return m;
    }
    return 0;
}

char *redact_text(const struct redact_set *set, const char *text, size_t len, size_t *count)
{
    size_t hits = 0, mark = strlen(REDACT_MARK);
    /* The result is never longer than the text with every byte a mark: bound it first. */
    size_t cap = len + 1, used = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t i = 0;
    while (i < len) {
        size_t m = match_at(set, text + i, len - i);
        const char *src = m ? REDACT_MARK : text + i;
        size_t k = m ? mark : 1;
        if (used + k + 1 > cap) {
            size_t ncap = cap * 2 + k;
            char *p = realloc(out, ncap);
            if (!p) {
                free(out);
                return NULL;
            }
            out = p;
            cap = ncap;
        }
        memcpy(out + used, src, k);
        used += k;
        i += m ? m : 1;
        hits += m != 0;
    }
    out[used] = 0;
    if (count)
        *count = hits;
    return out;
}

int redact_contains(const struct redact_set *set, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (match_at(set, text + i, len - i))
            return 1;
    return 0;
}
