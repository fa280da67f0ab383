/*
 * test_router.c — unit tests for route matching (src/http/router.c).
 *
 * router_match is checked pattern by pattern: literals, "{name}" captures
 * (one non-empty segment), the "{*}" rest capture, and trailing slashes.
 * router_find runs over a small table shaped like the application's, and
 * each test compares the route index, the return code and the exact
 * captures.  Each request owns an uncapped arena, released at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/router.h"

static void req_init(struct req *r, enum http_method m, const char *name, const char *path)
{
    memset(r, 0, sizeof *r);
    arena_init(&r->arena, 0);
    r->method = m;
    r->method_name = name;
    r->path = (char *)path;
}

/* 1 if pattern matches path without captures asked for. */
static int matches(const char *pattern, const char *path)
{
    return router_match(pattern, path, NULL);
}

static void test_literals(void **state)
{
    (void)state;
    assert_int_equal(matches("/", "/"), 1);
    assert_int_equal(matches("/", ""), 0);
    assert_int_equal(matches("/", "/x"), 0);
    assert_int_equal(matches("/cases", "/cases"), 1);
    assert_int_equal(matches("/cases", "/case"), 0);
    assert_int_equal(matches("/cases", "/casesx"), 0);
    assert_int_equal(matches("/cases", "/Cases"), 0);
    assert_int_equal(matches("/cases", "/cases/1"), 0);
    assert_int_equal(matches("/sitemap.xml", "/sitemap.xml"), 1);
    assert_int_equal(matches("/sitemap.xml", "/sitemapxxml"), 0);
}

static void test_trailing_slash(void **state)
{
    (void)state;
    assert_int_equal(matches("/cases", "/cases/"), 0);
    assert_int_equal(matches("/cases/", "/cases"), 0);
    assert_int_equal(matches("/cases/", "/cases/"), 1);
    assert_int_equal(matches("/cases/{id}", "/cases/7/"), 0);
    assert_int_equal(matches("/cases/{id}", "/cases//"), 0);
}

static void test_capture(void **state)
{
    (void)state;
    struct req r;
    req_init(&r, HTTP_GET, "GET", "");
    assert_int_equal(router_match("/cases/{id}", "/cases/42", &r), 1);
    assert_int_equal(r.nparams, 1);
    assert_string_equal(r.params[0], "42");

    /* Captures are copies in the arena, not pointers into the path. */
    char path[] = "/tags/上海";
    assert_int_equal(router_match("/tags/{tag}", path, &r), 1);
    assert_int_equal(r.nparams, 1);
    assert_string_equal(r.params[0], "上海");
    assert_true(r.params[0] < path || r.params[0] >= path + sizeof path);
    path[6] = 'x';
    assert_string_equal(r.params[0], "上海");

    /* Two captures, in pattern order. */
    assert_int_equal(router_match("/r/{a}/t/{b}", "/r/one/t/two", &r), 1);
    assert_int_equal(r.nparams, 2);
    assert_string_equal(r.params[0], "one");
    assert_string_equal(r.params[1], "two");

    /* A capture may follow a literal inside a segment. */
    assert_int_equal(router_match("/sitemap-{n}", "/sitemap-3.xml", &r), 1);
    assert_int_equal(r.nparams, 1);
    assert_string_equal(r.params[0], "3.xml");

    /* No captures: nparams is reset. */
    assert_int_equal(router_match("/news", "/news", &r), 1);
    assert_int_equal(r.nparams, 0);
    arena_release(&r.arena);
}

static void test_capture_one_segment(void **state)
{
    (void)state;
    struct req r;
    req_init(&r, HTTP_GET, "GET", "");
    /* Empty segments do not match. */
    assert_int_equal(matches("/cases/{id}", "/cases/"), 0);
    assert_int_equal(matches("/cases/{id}", "/cases"), 0);
    assert_int_equal(matches("/r/{a}/t/{b}", "/r//t/x"), 0);
    assert_int_equal(matches("/r/{a}/t/{b}", "/r/x/t/"), 0);
    /* One segment only. */
    assert_int_equal(matches("/cases/{id}", "/cases/1/2"), 0);
    assert_int_equal(matches("/cases/{id}/edit", "/cases/1/2/edit"), 0);
    assert_int_equal(router_match("/cases/{id}/edit", "/cases/9/edit", &r), 1);
    assert_int_equal(r.nparams, 1);
    assert_string_equal(r.params[0], "9");
    assert_int_equal(matches("/cases/{id}/edit", "/cases/9/editx"), 0);
    assert_int_equal(matches("/cases/{id}/edit", "/cases/9"), 0);
    /* At most REQ_MAX_PARAMS captures. */
    assert_int_equal(router_match("/{a}/{b}/{c}/{d}", "/1/2/3/4", &r), 1);
    assert_int_equal(r.nparams, REQ_MAX_PARAMS);
    assert_string_equal(r.params[3], "4");
    assert_int_equal(matches("/{a}/{b}/{c}/{d}/{e}", "/1/2/3/4/5"), 0);
    arena_release(&r.arena);
}

static void test_rest(void **state)
{
    (void)state;
    struct req r;
    req_init(&r, HTTP_GET, "GET", "");
    assert_int_equal(router_match("/static/{*}", "/static/css/site.css", &r), 1);
    assert_int_equal(r.nparams, 1);
    assert_string_equal(r.params[0], "css/site.css");
    assert_int_equal(router_match("/static/{*}", "/static/a", &r), 1);
    assert_string_equal(r.params[0], "a");
    /* Slashes, trailing ones included, belong to the rest. */
    assert_int_equal(router_match("/static/{*}", "/static/a//b/", &r), 1);
    assert_string_equal(r.params[0], "a//b/");
    /* With a capture before it. */
    assert_int_equal(router_match("/u/{id}/{*}", "/u/7/x/y", &r), 1);
    assert_int_equal(r.nparams, 2);
    assert_string_equal(r.params[0], "7");
    assert_string_equal(r.params[1], "x/y");
    /* The rest is not empty, and the literal before it must match. */
    assert_int_equal(matches("/static/{*}", "/static/"), 0);
    assert_int_equal(matches("/static/{*}", "/static"), 0);
    assert_int_equal(matches("/static/{*}", "/statics/a"), 0);
    arena_release(&r.arena);
}

static void test_capture_enomem(void **state)
{
    (void)state;
    struct req r;
    req_init(&r, HTTP_GET, "GET", "");
    arena_init(&r.arena, 8); /* too small for any allocation */
    assert_int_equal(router_match("/cases/{id}", "/cases/42", &r), 0);
    /* Without captures the arena is not needed. */
    assert_int_equal(router_match("/cases", "/cases", &r), 1);
    arena_release(&r.arena);
}

static const struct route table[] = {
    {"GET", "/", "home"},                   /* 0 */
    {"GET", "/cases", "cases"},             /* 1 */
    {"GET", "/cases/new", "case_new"},      /* 2 */
    {"GET", "/cases/{id}", "case"},         /* 3 */
    {"POST", "/cases/{id}", "case_post"},   /* 4 */
    {"POST", "/login", "login"},            /* 5 */
    {"GET", "/static/{*}", "static"},       /* 6 */
    {"DELETE", "/cases/{id}", "case_del"},  /* 7 */
};
#define NTABLE (sizeof table / sizeof table[0])

/* router_find on the table for method and path; *found set to 99 first. */
static enum router_rc find(struct req *r, enum http_method m, const char *name, const char *path,
                           size_t *found)
{
    arena_release(&r->arena);
    req_init(r, m, name, path);
    *found = 99;
    return router_find(table, NTABLE, r, found);
}

static void test_find_order(void **state)
{
    (void)state;
    struct req r;
    size_t found;
    req_init(&r, HTTP_GET, "GET", "/");
    assert_int_equal(find(&r, HTTP_GET, "GET", "/", &found), ROUTER_FOUND);
    assert_int_equal(found, 0);
    assert_int_equal(r.nparams, 0);
    assert_int_equal(find(&r, HTTP_GET, "GET", "/cases", &found), ROUTER_FOUND);
    assert_int_equal(found, 1);
    /* The literal route comes first in the table and wins. */
    assert_int_equal(find(&r, HTTP_GET, "GET", "/cases/new", &found), ROUTER_FOUND);
    assert_int_equal(found, 2);
    assert_int_equal(r.nparams, 0);
    assert_int_equal(find(&r, HTTP_GET, "GET", "/cases/12", &found), ROUTER_FOUND);
    assert_int_equal(found, 3);
    assert_int_equal(r.nparams, 1);
    assert_string_equal(r.params[0], "12");
    assert_string_equal(table[found].target, "case");
    /* Same path, another method: the later route. */
    assert_int_equal(find(&r, HTTP_POST, "POST", "/cases/12", &found), ROUTER_FOUND);
    assert_int_equal(found, 4);
    assert_string_equal(r.params[0], "12");
    /* A method without its own enum value is matched by name. */
    assert_int_equal(find(&r, HTTP_OTHER, "DELETE", "/cases/5", &found), ROUTER_FOUND);
    assert_int_equal(found, 7);
    assert_string_equal(r.params[0], "5");
    assert_int_equal(find(&r, HTTP_GET, "GET", "/static/js/a.js", &found), ROUTER_FOUND);
    assert_int_equal(found, 6);
    assert_string_equal(r.params[0], "js/a.js");
    arena_release(&r.arena);
}

static void test_find_not_found_vs_bad_method(void **state)
{
    (void)state;
    struct req r;
    size_t found;
    req_init(&r, HTTP_GET, "GET", "/");
    assert_int_equal(find(&r, HTTP_GET, "GET", "/nope", &found), ROUTER_NOT_FOUND);
    assert_int_equal(found, 99);
    assert_int_equal(find(&r, HTTP_GET, "GET", "/cases/", &found), ROUTER_NOT_FOUND);
    assert_int_equal(find(&r, HTTP_GET, "GET", "/cases/1/2", &found), ROUTER_NOT_FOUND);
    assert_int_equal(find(&r, HTTP_POST, "POST", "/nope", &found), ROUTER_NOT_FOUND);
    /* The path exists, the method does not. */
    assert_int_equal(find(&r, HTTP_POST, "POST", "/cases", &found), ROUTER_BAD_METHOD);
    assert_int_equal(found, 99);
    assert_int_equal(find(&r, HTTP_POST, "POST", "/", &found), ROUTER_BAD_METHOD);
    assert_int_equal(find(&r, HTTP_GET, "GET", "/login", &found), ROUTER_BAD_METHOD);
    assert_int_equal(find(&r, HTTP_OTHER, "PUT", "/cases/3", &found), ROUTER_BAD_METHOD);
    /* Method names are case-sensitive. */
    assert_int_equal(find(&r, HTTP_OTHER, "get", "/cases", &found), ROUTER_BAD_METHOD);
    arena_release(&r.arena);
}

static void test_find_head(void **state)
{
    (void)state;
    struct req r;
    size_t found;
    req_init(&r, HTTP_GET, "GET", "/");
    /* HEAD answers GET routes, with the captures. */
    assert_int_equal(find(&r, HTTP_HEAD, "HEAD", "/cases", &found), ROUTER_FOUND);
    assert_int_equal(found, 1);
    assert_int_equal(find(&r, HTTP_HEAD, "HEAD", "/cases/8", &found), ROUTER_FOUND);
    assert_int_equal(found, 3);
    assert_int_equal(r.nparams, 1);
    assert_string_equal(r.params[0], "8");
    /* But not POST-only routes. */
    assert_int_equal(find(&r, HTTP_HEAD, "HEAD", "/login", &found), ROUTER_BAD_METHOD);
    assert_int_equal(found, 99);
    assert_int_equal(find(&r, HTTP_HEAD, "HEAD", "/nope", &found), ROUTER_NOT_FOUND);
    /* A GET is not answered by HEAD's rule the other way round. */
    static const struct route head_only[] = {{"HEAD", "/ping", "ping"}};
    arena_release(&r.arena);
    req_init(&r, HTTP_GET, "GET", "/ping");
    assert_int_equal(router_find(head_only, 1, &r, &found), ROUTER_BAD_METHOD);
    arena_release(&r.arena);
}

static void test_find_empty_table(void **state)
{
    (void)state;
    struct req r;
    size_t found = 99;
    req_init(&r, HTTP_GET, "GET", "/");
    assert_int_equal(router_find(table, 0, &r, &found), ROUTER_NOT_FOUND);
    assert_int_equal(found, 99);
    arena_release(&r.arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_trailing_slash),
        cmocka_unit_test(test_capture),
        cmocka_unit_test(test_capture_one_segment),
        cmocka_unit_test(test_rest),
        cmocka_unit_test(test_capture_enomem),
        cmocka_unit_test(test_find_order),
        cmocka_unit_test(test_find_not_found_vs_bad_method),
        cmocka_unit_test(test_find_head),
        cmocka_unit_test(test_find_empty_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
