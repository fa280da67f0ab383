/*
 * divisions.c — parse the embedded list of the demo's real places.
 *
 * The file (see divisions.h and tools/divisions.py) is copied once and cut
 * in place into NUL-terminated words: a line is a kind letter (R, C, D), a
 * code ("-" for none), a name and the stems of its 街道, separated by single
 * spaces; lines starting with '#' are comments.  A C line must follow an R,
 * a D line a C (or another D under it).  Anything else makes the file
 * malformed: the demo then refuses to start rather than invent places.
 */
#include "demo/divisions.h"

#include "core/embed.h"

#include <stdlib.h>
#include <string.h>

#define DV_FILE "src/demo/divisions.txt"

static int kind_of(char c)
{
    return c == 'R' ? DV_REGION : c == 'C' ? DV_CITY : c == 'D' ? DV_DISTRICT : -1;
}

static int valid_code(const char *s)
{
    if (strcmp(s, "-") == 0)
        return 1;
    size_t n = strlen(s);
    if (n != 6)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
    }
    return 1;
}

/* Cut one line (NUL-terminated, no newline) into words; fill *p. 0, or -1 if malformed. */
static int parse_line(char *line, struct dv_place *p, const char **words, int *nwords, int prev)
{
    char *w[3];
    char *s = line;
    for (int i = 0; i < 3; i++) {
        w[i] = s;
        s = strchr(s, ' ');
        if (s)
            *s++ = 0;
        if (!*w[i] || (!s && i < 2))
            return -1;
    }
    p->kind = strlen(w[0]) == 1 ? kind_of(w[0][0]) : -1;
    if (p->kind < 0 || !valid_code(w[1]))
        return -1;
    if ((p->kind == DV_REGION && strcmp(w[1], "-") == 0) || (p->kind == DV_CITY && prev < 0) ||
        (p->kind == DV_DISTRICT && prev < DV_CITY))
        return -1;
    p->code = strcmp(w[1], "-") == 0 ? "" : w[1];
    p->name = w[2];
    p->streets = words + *nwords;
    p->nstreets = 0;
    while (s && *s) {
        words[(*nwords)++] = s;
        p->nstreets++;
        s = strchr(s, ' ');
        if (s)
            *s++ = 0;
    }
    if (s || (p->kind == DV_REGION && p->nstreets))
        return -1; /* a trailing or doubled space; streets on a region */
    return 0;
}

struct divisions *divisions_open(void)
{
    const struct embed_file *f = embed_find(DV_FILE);
    if (!f)
        return NULL;
    struct divisions *dv = calloc(1, sizeof *dv);
    if (!dv)
        return NULL;
    size_t lines = 1, spaces = 0;
    for (size_t i = 0; i < f->len; i++) {
        lines += f->data[i] == '\n';
        spaces += f->data[i] == ' ';
    }
    dv->text = malloc(f->len + 1);
    dv->places = calloc(lines, sizeof *dv->places);
    dv->words = calloc(spaces + 1, sizeof *dv->words);
    if (!dv->text || !dv->places || !dv->words)
        goto fail;
    memcpy(dv->text, f->data, f->len);
    dv->text[f->len] = 0;

    int nwords = 0, prev = -1;
    char *line = dv->text;
    while (*line) {
        char *end = strchr(line, '\n');
        if (end)
            *end = 0;
        if (*line != '#') {
            struct dv_place *p = &dv->places[dv->nplaces];
            if (parse_line(line, p, dv->words, &nwords, prev) < 0)
                goto fail;
            prev = p->kind;
            dv->nplaces++;
        }
        if (!end)
            break;
        line = end + 1;
    }
    if (dv->nplaces == 0)
        goto fail;
    return dv;
fail:
    divisions_close(dv);
    return NULL;
}

void divisions_close(struct divisions *dv)
{
    if (!dv)
        return;
    free(dv->places);
    free(dv->words);
    free(dv->text);
    free(dv);
}
