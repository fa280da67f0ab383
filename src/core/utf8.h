/*
 * utf8.h — UTF-8 validation and code-point iteration.
 *
 * Every byte string that enters from outside (paths, query strings, form
 * fields, imported files) is validated here before anything else looks at
 * it.  Validation follows RFC 3629: no overlongs, no surrogates, nothing
 * above U+10FFFF.
 */
#ifndef LAUREL_UTF8_H
#define LAUREL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* 1 if s[0..n) is valid UTF-8, else 0. */
int utf8_valid(const char *s, size_t n);
/*
 * Decode one code point at s[*i], advancing *i.  Returns the code point, or
 * -1 on an invalid sequence (then *i advances by one byte).
 */
int32_t utf8_next(const char *s, size_t n, size_t *i);
/* Number of code points in valid UTF-8 s[0..n). */
size_t utf8_count(const char *s, size_t n);
/* Byte length of the longest prefix of s holding at most `chars` code points. */
size_t utf8_prefix(const char *s, size_t n, size_t chars);

#endif
