/*
 * fuzz_template.c — libFuzzer target for the template engine.
 *
 * The input is a template source.  It is added to a set holding a few fixed
 * partials (one recursing through data, one recursing forever, which must
 * stop at the partial depth limit), the set is linked, and whatever parsed
 * is rendered against a fixed model full of HTML specials, nested objects,
 * arrays, numbers and booleans, and against a NULL model.
 *
 * Besides crashes, leaks and undefined behaviour, the target checks the
 * escaping guarantee: every model string that is not under an _html key
 * contains the marker "<\x01", so if the output ever holds that marker while
 * the template source holds no \x01 byte at all, some value was printed
 * without escaping, and the target aborts.
 *
 * Work is bounded so that a slow input means a bug, not an exponential
 * template: the input may hold at most MAX_HASH '#' bytes (section tags
 * multiply work by the array sizes of the model), and an input naming its
 * own template (and so possibly recursing through itself in a tree) is
 * parsed and linked but not rendered.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "view/template.h"

#define SELF "fuzz"
#define MAX_HASH 5
#define OUT_MAX (1u << 20)

static const char MODEL[] =
    "{\"title\": \"Tom & <\\u0001Jerry> \\\"q\\\" 'a'\", \"n\": 42, \"neg\": -7,"
    " \"big\": 9223372036854775807, \"r\": 3.25, \"tiny\": 1e-300, \"zero\": 0, \"zr\": 0.0,"
    " \"t\": true, \"f\": false, \"nul\": null, \"es\": \"\", \"ea\": [], \"eo\": {},"
    " \"body_html\": \"<b>bold</b>\", \"中文\": \"值<\\u0001\","
    " \"user\": {\"name\": \"<\\u0001script>alert(1)</script>\", \"age\": 30,"
    "   \"tags\": [\"<\\u0001a>\", \"b&c\", \"中文\"],"
    "   \"prof\": {\"bio\": \"x<\\u0001y\", \"bio_html\": \"<i>ok</i>\", \"n\": 1.5}},"
    " \"items\": [{\"name\": \"a<\\u0001\", \"n\": 1, \"kids\": [{\"name\": \"k<\\u0001\"}]},"
    "   {\"name\": \"b'\", \"n\": 0, \"kids\": []}, \"s<\\u0001\", [1, \"<\\u0001\", false]],"
    " \"nest\": {\"n\": {\"n\": {\"n\": false}}}, \"nulstr\": \"<\\u0001a\\u0000b\"}";

static const char *const PARTIALS[][2] = {
    {"p", "<li>{{name}}{{#kids}}[{{>p}}]{{/kids}}</li>\n"},
    {"loop", "x{{>loop}}"},
    {"r", "{{#n}}.{{>r}}{{/n}}"},
    {"inv", "  {{^ea}}\n{{title}}&{{{body_html}}}\n  {{/ea}}\n"},
};

static json_t *model;

static void render_check(const struct tpl_set *set, json_t *m, int check_escape)
{
    struct buf out;
    buf_init(&out, OUT_MAX);
    int rc = tpl_render(set, SELF, m, &out);
    if (rc == 0 && out.oom)
        abort();
    if (rc == 0 && check_escape && out.p && memmem(out.p, out.len, "<\x01", 2))
        abort();
    buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    char err[256];

    if (!model) {
        json_error_t je;
        model = json_loadb(MODEL, sizeof MODEL - 1, JSON_ALLOW_NUL, &je);
        if (!model)
            abort();
    }

    struct tpl_set *set = tpl_set_new();
    if (!set)
        abort();
    for (size_t i = 0; i < sizeof PARTIALS / sizeof PARTIALS[0]; i++)
        if (tpl_set_add(set, PARTIALS[i][0], PARTIALS[i][1], strlen(PARTIALS[i][1]), err,
                        sizeof err) < 0)
            abort();

    int added = tpl_set_add(set, SELF, src, size, err, sizeof err) == 0;
    if (added != tpl_set_has(set, SELF))
        abort();
    if (!added && strlen(err) == 0)
        abort();
    if (added && tpl_set_add(set, SELF, "", 0, err, sizeof err) != -1)
        abort();
    tpl_set_link(set, err, sizeof err);

    size_t hashes = 0;
    for (size_t i = 0; i < size; i++)
        hashes += data[i] == '#';
    if (added && hashes <= MAX_HASH && !memmem(src, size, SELF, strlen(SELF))) {
        render_check(set, model, memchr(src, '\x01', size) == NULL);
        render_check(set, NULL, 0);
    }
    tpl_set_free(set);
    return 0;
}
