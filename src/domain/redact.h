/*
 * redact.h — blind review: take the names of who wrote a case out of what a
 * reviewer reads.
 *
 * A redaction set is a list of identity strings (a unit's name and the
 * parts and short forms of it and of its ancestors, the region's name and
 * short form, the recommending body, the contact's name, phone and e-mail).
 * redact_text replaces every occurrence of any of them with REDACT_MARK,
 * preferring at each position the longest string that matches, so that
 * "上海市浦东新区" goes whole rather than leaving "浦东新区" half-covered.
 * Matching is byte-wise, which is safe on valid UTF-8 (a valid needle can
 * only match at a character boundary), and ASCII letters match without
 * regard to case (e-mail addresses).
 *
 * Pure: no HTTP, no SQL.  Strings are UTF-8; memory is malloc'd and owned
 * by the set or by the caller as each function says.
 */
#ifndef LAUREL_REDACT_H
#define LAUREL_REDACT_H

#include <stddef.h>

#define REDACT_MARK "■■"
/* Strings shorter than this many characters are never redacted (too common). */
#define REDACT_MIN_CHARS 2

struct redact_set {
    char **s; /* distinct strings, longest (in bytes) first */
    size_t n, cap;
};

/* An empty set; release it with redact_set_release. */
void redact_set_init(struct redact_set *set);
void redact_set_release(struct redact_set *set);

/*
 * Add s[0..len) (trimmed of ASCII white space) unless it is shorter than
 * REDACT_MIN_CHARS characters, not valid UTF-8, or already there.  0, or -1
 * when out of memory.
 */
int redact_set_add(struct redact_set *set, const char *s, size_t len);

/*
 * Add a place or unit name, each of its parts and their short forms:
 * "上海市浦东新区周家渡街道" adds itself, 上海市, 上海, 浦东新区, 浦东,
 * 周家渡街道 and 周家渡.  A part ends after an administrative suffix
 * (省 市 自治区 区 县 街道 镇 乡 and kin); its short form drops the suffix
 * and is kept only when at least REDACT_MIN_CHARS characters remain.
 * 0, or -1 when out of memory.
 */
int redact_add_name(struct redact_set *set, const char *name);

/* What identifies a case; NULL or "" fields are skipped. */
struct redact_identity {
    const char *unit;             /* the unit's full name */
    const char *const *ancestors; /* the names of the unit's parent units */
    size_t nancestors;
    const char *region;      /* the region's name, e.g. 上海市 */
    const char *recommender; /* the recommending body, e.g. 中共上海市委组织部 */
    const char *contact_name;
    const char *contact_phone;
    const char *contact_email;
};

/*
 * Add every identity string of a case to set: the unit's and ancestors'
 * names (redact_add_name), the region's name and short form, the
 * recommending body, the contact's name, phone (also as its digits alone)
 * and e-mail (also its local part when that has 4 characters or more).
 * 0, or -1 when out of memory.
 */
int redact_identities(const struct redact_identity *id, struct redact_set *set);

/*
 * text[0..len) with every occurrence of a string of set replaced by
 * REDACT_MARK, longest match first.  A new NUL-terminated string (malloc'd,
 * the caller frees it), or NULL when out of memory.  *count (if not NULL)
 * receives the number of replacements.
 */
char *redact_text(const struct redact_set *set, const char *text, size_t len, size_t *count);

/* 1 if text[0..len) holds any string of set (ASCII case ignored), else 0. */
int redact_contains(const struct redact_set *set, const char *text, size_t len);

#endif
