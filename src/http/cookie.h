/*
 * cookie.h — reading the Cookie request header and writing Set-Cookie
 * values (RFC 6265).
 *
 * cookie_get follows the server-side grammar of RFC 6265 section 4.2 with
 * the tolerance of section 5: pairs are separated by ";" with optional
 * spaces or tabs around names, values and separators.  A pair whose name is
 * not a token, whose value holds a byte outside cookie-octet (controls,
 * space, '"', ',', ';', '\\', DEL, non-ASCII), or that has no "=", is
 * skipped as if absent; the first valid pair with the name wins.  A value
 * wrapped in double quotes is returned without them.
 *
 * cookie_set always adds HttpOnly and SameSite=Lax: no cookie of ours is
 * meant for scripts or for cross-site requests.
 */
#ifndef LAUREL_COOKIE_H
#define LAUREL_COOKIE_H

#include "core/arena.h"
#include "core/buf.h"

/*
 * The value of cookie `name` (case-sensitive) in the Cookie header value
 * `header`, copied into the arena; NULL if absent, malformed, or if the
 * arena is exhausted.  header may be NULL.
 */
const char *cookie_get(struct arena *a, const char *header, const char *name);

/*
 * Append a Set-Cookie header value (without "Set-Cookie: ") to out:
 * "name=value; Path=path; Max-Age=n; Secure; HttpOnly; SameSite=Lax".
 * Path is left out when path is NULL; Max-Age when max_age is negative (a
 * session cookie; 0 deletes the cookie); Secure only when secure is set.  The
 * name must be a token, the value cookie-octets, and the path free of
 * controls and ";"; otherwise nothing is written and out->oom is set, so
 * the response fails instead of carrying a forged header.
 */
void cookie_set(struct buf *out, const char *name, const char *value, const char *path,
                long max_age, int secure);

#endif
