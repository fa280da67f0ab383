/*
 * fuzz_form.c — libFuzzer target for the typed form fields of declared
 * actions (src/web/action.c) over the urlencoded parser.
 *
 * The input is a form body.  Every field type is parsed from it; a field
 * either is accepted with a value that keeps its type's promise or is
 * refused and named in the errors, never both.  Promises: integers and
 * numbers within their range, text within its length and printable,
 * choices from the list, dates shaped 2020-02-04, e-mail addresses with
 * exactly one @ and in lower case, ids positive and no more than the
 * maximum, next a local path.  Any broken promise aborts.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "web/action.h"

static const char *const choices[] = {"mean", "median", NULL};

static const struct web_field fields[] = {
    {"i", WEB_F_INT, WEB_F_REQUIRED, -5, 20, NULL, NULL},
    {"n", WEB_F_NUMBER, 0, 0, 1, NULL, NULL},
    {"t", WEB_F_TEXT, 0, 1, 5, NULL, NULL},
    {"s", WEB_F_SECRET, 0, 0, 16, NULL, NULL},
    {"c", WEB_F_CHOICE, 0, 0, 0, choices, NULL},
    {"b", WEB_F_BOOL, 0, 0, 0, NULL, NULL},
    {"d", WEB_F_DATE, 0, 0, 0, NULL, NULL},
    {"e", WEB_F_EMAIL, 0, 0, 0, NULL, NULL},
    {"id", WEB_F_IDS, 0, 0, 8, NULL, NULL},
    {"next", WEB_F_NEXT, 0, 0, 0, NULL, NULL},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static void check(const struct web_field *f, const struct web_value *v)
{
    if (!v->given)
        return;
    const char *s = v->s;
    switch (f->type) {
    case WEB_F_INT:
        if ((double)v->i < f->min || (double)v->i > f->max)
            abort();
        break;
    case WEB_F_NUMBER:
        if (!(v->n >= f->min && v->n <= f->max))
            abort();
        break;
    case WEB_F_TEXT: {
        size_t chars = utf8_count(s, strlen(s));
        if (chars > (size_t)f->max || chars < (size_t)f->min || !utf8_valid(s, strlen(s)))
            abort();
        for (const char *p = s; *p; p++)
            if (((unsigned char)*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f)
                abort();
        if (isspace((unsigned char)s[0]) || isspace((unsigned char)s[strlen(s) - 1]))
            abort();
        break;
    }
    case WEB_F_SECRET:
        if (strlen(s) > (size_t)f->max)
            abort();
        break;
    case WEB_F_CHOICE:
        if (strcmp(s, "mean") != 0 && strcmp(s, "median") != 0)
            abort();
        break;
    case WEB_F_DATE:
        if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
            abort();
        break;
    case WEB_F_EMAIL: {
        const char *at = strchr(s, '@');
        if (!at || strchr(at + 1, '@') || strlen(s) > 254)
            abort();
        for (const char *p = s; *p; p++)
            if (isupper((unsigned char)*p))
                abort();
        break;
    }
    case WEB_F_IDS:
        if (v->nids > (size_t)f->max)
            abort();
        for (size_t k = 0; k < v->nids; k++)
            if (v->ids[k] <= 0)
                abort();
        break;
    case WEB_F_NEXT:
        if (s[0] != '/' || s[1] == '/' || s[1] == '\\')
            abort();
        break;
    case WEB_F_BOOL:
        if (v->i != 0 && v->i != 1)
            abort();
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct req r;
    struct web_state ws;
    struct web_action a;
    struct web_act x;
    memset(&r, 0, sizeof r);
    memset(&ws, 0, sizeof ws);
    memset(&a, 0, sizeof a);
    memset(&x, 0, sizeof x);
    arena_init(&r.arena, 1u << 20);
    char *body = arena_strndup(&r.arena, (const char *)data, size);
    if (!body) {
        arena_release(&r.arena);
        return 0;
    }
    r.body = body;
    r.body_len = size;
    r.app = &ws;
    x.r = &r;
    x.a = &a;
    for (size_t i = 0; i < NFIELDS; i++) {
        struct web_value v;
        int ok = web_read_field(&x, &fields[i], &v) == RC_OK;
        int named = x.errors && json_object_get(x.errors, fields[i].name) != NULL;
        if (ok == named)
            abort();
        if (ok)
            check(&fields[i], &v);
    }
    json_decref(x.errors);
    arena_release(&r.arena);
    return 0;
}
