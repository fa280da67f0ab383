/*
 * token.h — the characters of an HTTP token (RFC 9110, section 5.6.2):
 * what a header's names, a cookie's name and a media type's parameters are
 * made of.  The cookie and multipart parsers both test against it; one
 * definition keeps them from drifting apart.
 */
#ifndef LAUREL_TOKEN_H
#define LAUREL_TOKEN_H

#include <string.h>

/* 1 if c may appear in a token (tchar), else 0; NUL never may. */
static inline int http_tchar(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return 1;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
        return 1;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

#endif
