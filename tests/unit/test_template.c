/*
 * test_template.c — unit tests for the template engine (src/view/template.c).
 *
 * Every rendering test compares the exact output string.  Models are
 * written as JSON text and loaded with jansson so that each case reads like
 * the data a view would hand the engine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "view/template.h"

/* Output of a failed render or parse in the helpers below. */
#define FAILED "<FAILED>"

static json_t *model(const char *js)
{
    json_error_t je;
    json_t *m = json_loads(js, JSON_DECODE_ANY, &je);
    if (!m)
        fail_msg("bad test model %s: %s", js, je.text);
    return m;
}

/*
 * Parse src as template "t" together with the optional partials given as
 * name/source pairs (NULL-terminated), link, and render "t" against the
 * model js.  Returns a malloc'd string, FAILED if any step failed.
 */
static char *render_with(const char *src, const char *js, ...)
{
    struct tpl_set *set = tpl_set_new();
    char err[256];
    va_list ap;
    assert_non_null(set);
    va_start(ap, js);
    for (;;) {
        const char *pname = va_arg(ap, const char *);
        if (!pname)
            break;
        const char *psrc = va_arg(ap, const char *);
        if (tpl_set_add(set, pname, psrc, strlen(psrc), err, sizeof err) < 0)
            fail_msg("partial %s: %s", pname, err);
    }
    va_end(ap);
    if (tpl_set_add(set, "t", src, strlen(src), err, sizeof err) < 0)
        fail_msg("parse: %s", err);
    if (tpl_set_link(set, err, sizeof err) < 0)
        fail_msg("link: %s", err);
    json_t *m = model(js);
    struct buf out;
    buf_init(&out, 0);
    int rc = tpl_render(set, "t", m, &out);
    char *s = buf_detach(&out, NULL);
    json_decref(m);
    tpl_set_free(set);
    if (rc < 0) {
        free(s);
        return strdup(FAILED);
    }
    return s;
}

#define render_str(src, js) render_with((src), (js), (const char *)NULL)

#define assert_render(expect, src, js)                                                             \
    do {                                                                                           \
        char *got_ = render_str((src), (js));                                                      \
        assert_string_equal(got_, (expect));                                                       \
        free(got_);                                                                                \
    } while (0)

/* The parse error message for src added as "t", or "" if it parsed. */
static void assert_parse_error(const char *src, const char *expect)
{
    struct tpl_set *set = tpl_set_new();
    char err[256] = "unset";
    int rc = tpl_set_add(set, "t", src, strlen(src), err, sizeof err);
    assert_int_equal(rc, -1);
    assert_string_equal(err, expect);
    assert_int_equal(tpl_set_has(set, "t"), 0);
    tpl_set_free(set);
}

/* ------------------------------------------------------------------------ */

static void test_escaping(void **state)
{
    (void)state;
    assert_render("&amp; &lt; &gt; &quot; &#39;", "{{s}}", "{\"s\": \"& < > \\\" '\"}");
    assert_render("<p>&lt;b&gt;x&lt;/b&gt;</p>", "<p>{{ s }}</p>", "{\"s\": \"<b>x</b>\"}");
    assert_render("a&amp;&amp;b", "a{{s}}b", "{\"s\": \"&&\"}");
}

static void test_raw(void **state)
{
    (void)state;
    assert_render("<b>x</b>|<b>x</b>|<i>", "{{{body_html}}}|{{& body_html}}|{{{a.b_html}}}",
                  "{\"body_html\": \"<b>x</b>\", \"a\": {\"b_html\": \"<i>\"}}");
    assert_render("&lt;b&gt;", "{{body_html}}", "{\"body_html\": \"<b>\"}");
    assert_parse_error("{{{body}}}",
                       "t:1: raw output of 'body' is not allowed: name must end in _html");
    assert_parse_error("x\n\n{{& body }}",
                       "t:3: raw output of 'body' is not allowed: name must end in _html");
    assert_parse_error("{{{a_html.b}}}",
                       "t:1: raw output of 'a_html.b' is not allowed: name must end in _html");
    assert_parse_error("{{{.}}}", "t:1: raw output of '.' is not allowed: name must end in _html");
    assert_parse_error("{{{x_html}}", "t:1: unterminated tag: expected '}}}'");
}

static void test_values(void **state)
{
    (void)state;
    assert_render("42 -7 9223372036854775807", "{{a}} {{b}} {{c}}",
                  "{\"a\": 42, \"b\": -7, \"c\": 9223372036854775807}");
    assert_render("1.5 1e+20 0.1", "{{a}} {{b}} {{c}}", "{\"a\": 1.5, \"b\": 1e20, \"c\": 0.1}");
    assert_render("[true][][][][][]", "[{{t}}][{{f}}][{{n}}][{{o}}][{{a}}][{{missing}}]",
                  "{\"t\": true, \"f\": false, \"n\": null, \"o\": {\"x\": 1}, \"a\": [1]}");
    assert_render("x", "x{{a}}", "[1, 2]");
    assert_render("", "", "{}");
}

static void test_dotted(void **state)
{
    (void)state;
    const char *m = "{\"a\": {\"b\": {\"c\": \"deep\"}, \"s\": \"str\"}, \"c\": \"top\"}";
    assert_render("deep", "{{a.b.c}}", m);
    assert_render("[][][]", "[{{a.x.c}}][{{a.s.c}}][{{x.b}}]", m);
    /* Only the first segment searches outer contexts. */
    assert_render("[]", "{{#a.b}}[{{b.c}}]{{/a.b}}", m);
    assert_render("[deep]", "{{#a}}[{{b.c}}]{{/a}}", m);
    assert_parse_error("{{a..b}}", "t:1: empty segment in name 'a..b'");
    assert_parse_error("{{.a}}", "t:1: empty segment in name '.a'");
    assert_parse_error("{{a.}}", "t:1: empty segment in name 'a.'");
    assert_parse_error("{{a b}}", "t:1: bad character in name 'a b'");
}

static void test_dot(void **state)
{
    (void)state;
    assert_render("a,&lt;b&gt;,3,1.5,true,,,", "{{#l}}{{.}},{{/l}}",
                  "{\"l\": [\"a\", \"<b>\", 3, 1.5, true, false, null]}");
    assert_render("top", "{{.}}", "\"top\"");
    assert_render("", "{{.}}", "{\"a\": 1}");
}

static void test_sections(void **state)
{
    (void)state;
    const char *m = "{\"arr\": [{\"n\": 1}, {\"n\": 2}], \"obj\": {\"n\": \"o\"}, \"t\": true,"
                    " \"f\": false, \"z\": 0, \"zr\": 0.0, \"one\": 1, \"s\": \"str\","
                    " \"es\": \"\", \"ea\": [], \"eo\": {}, \"nul\": null, \"n\": \"outer\"}";
    assert_render("<1><2>", "{{#arr}}<{{n}}>{{/arr}}", m);
    assert_render("<o>", "{{#obj}}<{{n}}>{{/obj}}", m);
    assert_render("<outer>", "{{#t}}<{{n}}>{{/t}}", m);
    assert_render("<outer>", "{{#eo}}<{{n}}>{{/eo}}", m);
    assert_render("", "{{#f}}x{{/f}}{{#z}}x{{/z}}{{#zr}}x{{/zr}}{{#es}}x{{/es}}", m);
    assert_render("", "{{#ea}}x{{/ea}}{{#nul}}x{{/nul}}{{#missing}}x{{/missing}}", m);
    assert_render("[1][str]", "{{#one}}[{{.}}]{{/one}}{{#s}}[{{.}}]{{/s}}", m);
    assert_render("ab", "{{#arr}}{{#t}}{{/t}}{{/arr}}a{{#obj}}{{/obj}}b", m);
    assert_render("[1,2,][3,]", "{{#a}}[{{#.}}{{.}},{{/.}}]{{/a}}", "{\"a\": [[1, 2], [3]]}");
}

static void test_inverted(void **state)
{
    (void)state;
    const char *m = "{\"arr\": [1], \"t\": true, \"f\": false, \"z\": 0, \"zr\": 0.0,"
                    " \"es\": \"\", \"ea\": [], \"nul\": null, \"obj\": {}, \"n\": \"v\"}";
    assert_render("", "{{^arr}}x{{/arr}}{{^t}}x{{/t}}{{^obj}}x{{/obj}}", m);
    assert_render("1234567",
                  "{{^f}}1{{/f}}{{^z}}2{{/z}}{{^zr}}3{{/zr}}{{^es}}4{{/es}}"
                  "{{^ea}}5{{/ea}}{{^nul}}6{{/nul}}{{^missing}}7{{/missing}}",
                  m);
    /* An inverted section pushes nothing: names still resolve as outside it. */
    assert_render("v", "{{^f}}{{n}}{{/f}}", m);
    assert_render("none", "{{#ea}}{{.}}{{/ea}}{{^ea}}none{{/ea}}", m);
}

static void test_nested_contexts(void **state)
{
    (void)state;
    const char *m = "{\"title\": \"T\", \"users\": [{\"name\": \"ann\", \"tags\": [\"x\", \"y\"]},"
                    " {\"name\": \"bob\", \"tags\": [], \"title\": \"own\"}]}";
    assert_render("ann(T:x,T:y,)bob(none own)",
                  "{{#users}}{{name}}({{#tags}}{{title}}:{{.}},{{/tags}}"
                  "{{^tags}}none {{title}}{{/tags}}){{/users}}",
                  m);
    /* A key present with a null value stops the search. */
    assert_render("[]", "{{#o}}[{{v}}]{{/o}}", "{\"v\": \"outer\", \"o\": {\"v\": null}}");
}

static void test_partials(void **state)
{
    (void)state;
    char *s = render_with("<ul>{{#items}}{{>item}}{{/items}}</ul>{{>footer}}",
                          "{\"items\": [{\"n\": \"a<\"}, {\"n\": \"b\"}], \"f\": \"end\"}", "item",
                          "<li>{{n}}</li>", "footer", "<p>{{f}}</p>", (const char *)NULL);
    assert_string_equal(s, "<ul><li>a&lt;</li><li>b</li></ul><p>end</p>");
    free(s);

    /* Recursion driven by data stops where the data does. */
    s = render_with("{{>node}}",
                    "{\"name\": \"r\", \"kids\": [{\"name\": \"a\", \"kids\": "
                    "[{\"name\": \"b\", \"kids\": []}]}, {\"name\": \"c\", \"kids\": []}]}",
                    "node", "{{name}}({{#kids}}{{>node}}{{/kids}})", (const char *)NULL);
    assert_string_equal(s, "r(a(b())c())");
    free(s);
}

static void test_partial_missing(void **state)
{
    (void)state;
    struct tpl_set *set = tpl_set_new();
    char err[256];
    const char *src = "a\n{{#x}}\n{{> nope }}\n{{/x}}\n";
    assert_int_equal(tpl_set_add(set, "page", src, strlen(src), err, sizeof err), 0);
    assert_int_equal(tpl_set_link(set, err, sizeof err), -1);
    assert_string_equal(err, "page:3: no template for partial 'nope'");
    /* Unlinked, the missing partial makes rendering fail only when reached. */
    json_t *m = model("{\"x\": true}");
    struct buf out = BUF_INIT;
    buf_init(&out, 0);
    buf_puts(&out, "keep");
    assert_int_equal(tpl_render(set, "page", m, &out), -1);
    assert_string_equal(out.p, "keep");
    json_decref(m);
    m = model("{\"x\": false}");
    assert_int_equal(tpl_render(set, "page", m, &out), 0);
    assert_string_equal(out.p, "keepa\n");
    /* Adding the partial afterwards and linking again fixes it. */
    assert_int_equal(tpl_set_add(set, "nope", "P\n", 2, err, sizeof err), 0);
    assert_int_equal(tpl_set_link(set, err, sizeof err), 0);
    json_decref(m);
    m = model("{\"x\": true}");
    buf_reset(&out);
    assert_int_equal(tpl_render(set, "page", m, &out), 0);
    assert_string_equal(out.p, "a\nP\n");
    json_decref(m);
    buf_release(&out);
    tpl_set_free(set);
}

static void test_partial_unlinked_and_relinked(void **state)
{
    (void)state;
    struct tpl_set *set = tpl_set_new();
    char err[256];
    assert_int_equal(tpl_set_add(set, "m", "[{{>z}}]", 8, err, sizeof err), 0);
    assert_int_equal(tpl_set_add(set, "z", "z", 1, err, sizeof err), 0);
    /* Rendering before tpl_set_link looks partials up by name. */
    struct buf out;
    buf_init(&out, 0);
    assert_int_equal(tpl_render(set, "m", NULL, &out), 0);
    assert_string_equal(out.p, "[z]");
    assert_int_equal(tpl_set_link(set, err, sizeof err), 0);
    /* A template sorting before "z" shifts indices; the set must not use stale ones. */
    assert_int_equal(tpl_set_add(set, "a", "a", 1, err, sizeof err), 0);
    buf_reset(&out);
    assert_int_equal(tpl_render(set, "m", NULL, &out), 0);
    assert_string_equal(out.p, "[z]");
    assert_int_equal(tpl_set_link(set, err, sizeof err), 0);
    buf_reset(&out);
    assert_int_equal(tpl_render(set, "m", NULL, &out), 0);
    assert_string_equal(out.p, "[z]");
    buf_release(&out);
    tpl_set_free(set);
}

/* Model {"n": {"n": ... {"n": false}}} with `depth` objects named n. */
static json_t *chain(int depth)
{
    json_t *m = json_pack("{s:b}", "n", 0);
    for (int i = 0; i < depth; i++)
        m = json_pack("{s:o}", "n", m);
    return m;
}

static void test_partial_recursion_limit(void **state)
{
    (void)state;
    struct tpl_set *set = tpl_set_new();
    char err[256];
    assert_int_equal(tpl_set_add(set, "loop", "x{{>loop}}", 10, err, sizeof err), 0);
    assert_int_equal(tpl_set_add(set, "r", "{{#n}}.{{>r}}{{/n}}", 19, err, sizeof err), 0);
    assert_int_equal(tpl_set_add(set, "top", "{{>r}}", 6, err, sizeof err), 0);
    assert_int_equal(tpl_set_link(set, err, sizeof err), 0);

    struct buf out;
    buf_init(&out, 0);
    buf_puts(&out, "pre");
    assert_int_equal(tpl_render(set, "loop", NULL, &out), -1);
    assert_string_equal(out.p, "pre");
    assert_int_equal(out.oom, 0);

    /* "top" at depth 0 reaches r at depths 1..k+1 for a chain of k objects. */
    json_t *m = chain(31);
    buf_reset(&out);
    assert_int_equal(tpl_render(set, "top", m, &out), 0);
    assert_int_equal(out.len, 31);
    json_decref(m);
    m = chain(32);
    buf_reset(&out);
    assert_int_equal(tpl_render(set, "top", m, &out), -1);
    assert_int_equal(out.len, 0);
    json_decref(m);
    /* r itself as the top template allows one more level. */
    m = chain(32);
    buf_reset(&out);
    assert_int_equal(tpl_render(set, "r", m, &out), 0);
    assert_int_equal(out.len, 32);
    json_decref(m);
    buf_release(&out);
    tpl_set_free(set);
}

static void test_comments(void **state)
{
    (void)state;
    assert_render("ab", "a{{! a comment }}b", "{}");
    assert_render("ac", "a{{! {{b }}c", "{}");
    assert_render("12", "1{{!}}2", "{}");
    assert_render("before\nafter\n", "before\n  {{! multi\n  line }}  \nafter\n", "{}");
    assert_render("x1z", "x{{!\n}}{{ y }}z", "{\"y\": 1}");
}

static void test_standalone(void **state)
{
    (void)state;
    const char *m = "{\"l\": [\"a\", \"b\"], \"f\": false, \"v\": \"V\"}";
    assert_render("<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n",
                  "<ul>\n  {{#l}}\n  <li>{{.}}</li>\n  {{/l}}\n</ul>\n", m);
    assert_render("x\r\ny\r\n", "x\r\n {{^f}}\r\ny\r\n\t{{/f}} \r\n", m);
    assert_render("x\n", "x\n{{#f}}\nhidden\n{{/f}}", m);
    /* Tags sharing a line with text or another tag are not standalone. */
    assert_render("x ab\n", "x {{#l}}{{.}}{{/l}}\n", m);
    assert_render("  \n", "  {{#f}}{{/f}}\n", m);
    assert_render("  V\n", "  {{v}}\n", m);
    assert_render(" V \n", "{{#l}}{{/l}} {{v}} \n", m);
    assert_render("a\nb\n", "a\n{{! c }}\nb\n", m);
    assert_render("a\n\nb", "a\n\n{{#f}}\n{{/f}}\nb", m);
}

static char *render_set_p(const char *src, const char *js)
{
    return render_with(src, js, "p", "P\n", (const char *)NULL);
}

static void test_standalone_partial(void **state)
{
    (void)state;
    char *s = render_set_p("a\n\t{{> p }}  \nb", "{}");
    assert_string_equal(s, "a\nP\nb");
    free(s);
    s = render_set_p("a {{>p}}b", "{}");
    assert_string_equal(s, "a P\nb");
    free(s);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    assert_parse_error("a\n{{#s}}\nb\n", "t:2: unclosed section 's'");
    assert_parse_error("{{#a}}\n{{#b}}\n{{/b}}\n", "t:1: unclosed section 'a'");
    assert_parse_error("{{#a}}\n\n{{/b}}",
                       "t:3: mismatched closing tag 'b', expected 'a' (line 1)");
    assert_parse_error("x\n{{/a}}", "t:2: closing tag 'a' without an open section");
    assert_parse_error("a\nb\n{{name", "t:3: unterminated tag");
    assert_parse_error("a\n{{#s}\n}", "t:2: unterminated tag");
    assert_parse_error("{{", "t:1: unterminated tag");
    assert_parse_error("x{{! open comment\n", "t:1: unterminated tag");
    assert_parse_error("\n{{}}", "t:2: empty name");
    assert_parse_error("\n\n{{  }}", "t:3: empty name");
    assert_parse_error("{{#}}{{/}}", "t:1: empty name");
    assert_parse_error("{{#a}}\n{{/ }}", "t:2: empty name");
    assert_parse_error("{{^ }}", "t:1: empty name");
    assert_parse_error("\n{{>}}", "t:2: empty name");
    assert_parse_error("{{{ }}}", "t:1: empty name");
    assert_parse_error("{{& }}", "t:1: empty name");
    assert_parse_error("{{> a b}}", "t:1: bad character in partial name 'a b'");
    assert_parse_error("{{=<% %>=}}", "t:1: bad character in name '=<% %>='");

    struct tpl_set *set = tpl_set_new();
    char err[256];
    assert_int_equal(tpl_set_add(set, "t", "one", 3, err, sizeof err), 0);
    assert_string_equal(err, "");
    assert_int_equal(tpl_set_add(set, "t", "two", 3, err, sizeof err), -1);
    assert_string_equal(err, "t:1: duplicate template name");
    struct buf out;
    buf_init(&out, 0);
    assert_int_equal(tpl_render(set, "t", NULL, &out), 0);
    assert_string_equal(out.p, "one");
    buf_release(&out);
    /* A short error buffer is truncated, never overrun; NULL is accepted. */
    char small[8];
    assert_int_equal(tpl_set_add(set, "u", "{{", 2, small, sizeof small), -1);
    assert_string_equal(small, "u:1: un");
    assert_int_equal(tpl_set_add(set, "u", "{{", 2, NULL, 0), -1);
    tpl_set_free(set);
}

static void test_nesting_limit(void **state)
{
    (void)state;
    char src[64 * 12 + 64 * 12 + 64];
    size_t n = 0;
    for (int i = 0; i < 64; i++)
        n += (size_t)sprintf(src + n, "{{#t}}");
    n += (size_t)sprintf(src + n, "x");
    for (int i = 0; i < 64; i++)
        n += (size_t)sprintf(src + n, "{{/t}}");
    char *s = render_str(src, "{\"t\": true}");
    assert_string_equal(s, "x");
    free(s);

    n = 0;
    for (int i = 0; i < 64; i++)
        n += (size_t)sprintf(src + n, "{{#t}}");
    n += (size_t)sprintf(src + n, "\n{{^t}}");
    assert_parse_error(src, "t:2: sections nested deeper than 64");
}

static void test_utf8(void **state)
{
    (void)state;
    assert_render("<h1>案例：上海</h1>\n<p>中文 &lt;标签&gt; ☃</p>\n",
                  "<h1>案例：{{城市}}</h1>\n{{#x}}\n<p>{{x.说明}}</p>\n{{/x}}\n",
                  "{\"城市\": \"上海\", \"x\": {\"说明\": \"中文 <标签> ☃\"}}");
}

static void test_render_errors(void **state)
{
    (void)state;
    struct tpl_set *set = tpl_set_new();
    char err[256];
    const char *src = "{{#l}}0123456789{{/l}}";
    assert_int_equal(tpl_set_add(set, "t", src, strlen(src), err, sizeof err), 0);
    assert_int_equal(tpl_set_link(set, err, sizeof err), 0);
    assert_int_equal(tpl_set_has(set, "t"), 1);
    assert_int_equal(tpl_set_has(set, "nope"), 0);

    struct buf out;
    buf_init(&out, 0);
    assert_int_equal(tpl_render(set, "nope", NULL, &out), -1);
    assert_int_equal(out.len, 0);
    assert_int_equal(out.oom, 0);
    buf_release(&out);

    json_t *m = model("{\"l\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}");
    buf_init(&out, 64);
    assert_int_equal(tpl_render(set, "t", m, &out), -1);
    assert_int_equal(out.oom, 1);
    buf_release(&out);
    buf_init(&out, 128);
    assert_int_equal(tpl_render(set, "t", m, &out), 0);
    assert_int_equal(out.len, 100);
    buf_release(&out);
    json_decref(m);
    tpl_set_free(set);
}

static void test_not_nul_terminated(void **state)
{
    (void)state;
    struct tpl_set *set = tpl_set_new();
    char err[256];
    const char src[] = {'a', '{', '{', 'v', '}', '}', 'b', '{', '{', 'x'};
    assert_int_equal(tpl_set_add(set, "t", src, 7, err, sizeof err), 0);
    assert_int_equal(tpl_set_add(set, "e", "", 0, err, sizeof err), 0);
    assert_int_equal(tpl_set_add(set, "n", NULL, 0, err, sizeof err), 0);
    assert_int_equal(tpl_set_link(set, err, sizeof err), 0);
    json_t *m = model("{\"v\": \"<>\"}");
    struct buf out;
    buf_init(&out, 0);
    assert_int_equal(tpl_render(set, "t", m, &out), 0);
    assert_int_equal(tpl_render(set, "e", m, &out), 0);
    assert_int_equal(tpl_render(set, "n", m, &out), 0);
    assert_string_equal(out.p, "a&lt;&gt;b");
    json_decref(m);
    buf_release(&out);
    tpl_set_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_dotted),
        cmocka_unit_test(test_dot),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_inverted),
        cmocka_unit_test(test_nested_contexts),
        cmocka_unit_test(test_partials),
        cmocka_unit_test(test_partial_missing),
        cmocka_unit_test(test_partial_unlinked_and_relinked),
        cmocka_unit_test(test_partial_recursion_limit),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_standalone),
        cmocka_unit_test(test_standalone_partial),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_render_errors),
        cmocka_unit_test(test_not_nul_terminated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
