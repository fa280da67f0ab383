/*
 * search_tok.c — Laurel's bigram tokenizer, shared by both databases'
 * search (search.h): SQLite's FTS5 index case_short takes its tokens as
 * the laurel_bigram tokenizer (search.c), PostgreSQL's gram table is
 * made from the same reading of the text (search_pg.c).
 *
 * The tokenizer treats white space and punctuation (ASCII and CJK) as
 * separators.  Within a run of other characters it emits, at every
 * character, the bigram starting there, and at the run's last character
 * that character alone; ASCII letters are folded to lower case.  So a
 * two-character query is one exact term, a longer one a phrase of
 * overlapping bigrams (a substring match), and a one-character query the
 * prefix query "x"*.  In query mode the trailing unigram is left out unless
 * the word is a single character, so a phrase matches mid-run as well; but
 * a run followed by another run in the same word ("COVID-19") keeps it, as
 * the document has it between the two.
 */
#include "search.h"

#include "core/utf8.h"

int search_separator(int32_t c)
{
    if (c < 0)
        return 1;
    if (c < 0x80)
        return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    return (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
           (c >= 0xFF00 && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) ||
           (c >= 0xFF5B && c <= 0xFF65) || c == 0x00B7 || c == 0x00A0;
}

/* Append code point c's bytes from text, folding ASCII upper case. */
static size_t put_char(char *dst, const char *src, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char ch = src[i];
        dst[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    return len;
}

int search_bigrams(const char *text, int n, int query, search_emit_fn emit, void *ctx)
{
    size_t len = n > 0 ? (size_t)n : 0;
    size_t i = 0;
    /* The run being scanned: start of the previous character, and run length. */
    size_t prev = 0, prev_len = 0, run = 0;
    size_t ended = 0; /* length of the run before the current separators */
    while (i <= len) {
        size_t at = i;
        int32_t c = -1;
        if (i < len) {
            c = utf8_next(text, len, &i);
        } else {
            i++;
        }
        size_t clen = i - at;
        int sep = at >= len || search_separator(c);
        char token[16];
        int rc = 0;
        if (run > 0) {
            if (!sep) {
                size_t k = put_char(token, text + prev, prev_len);
                k += put_char(token + k, text + at, clen);
                rc = emit(ctx, 0, token, (int)k, (int)prev, (int)(at + clen));
            } else if (!query || run == 1) {
                size_t k = put_char(token, text + prev, prev_len);
                rc = emit(ctx, 0, token, (int)k, (int)prev, (int)(prev + prev_len));
            }
        } else if (!sep && query && ended > 1) {
            /* The unigram left out at the end of the previous run. */
            size_t k = put_char(token, text + prev, prev_len);
            rc = emit(ctx, 0, token, (int)k, (int)prev, (int)(prev + prev_len));
        }
        if (rc != 0)
            return rc;
        if (sep) {
            if (run > 0)
                ended = run;
            run = 0;
        } else {
            ended = 0;
            run++;
            prev = at;
            prev_len = clen;
        }
    }
    return 0;
}
