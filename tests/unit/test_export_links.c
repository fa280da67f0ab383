/*
 * test_export_links.c — unit tests of the static export's URL-to-file
 * mapping and link rewriting (src/web/export_links.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web/export_links.h"

static void assert_file(const char *url, int page, const char *want)
{
    char *got = export_file_of(url, page);
    if (want)
        assert_string_equal(got ? got : "(null)", want);
    else
        assert_null(got);
    free(got);
}

static void file_of(void **state)
{
    (void)state;
    assert_file("/", 1, "index.html");
    assert_file("/cases", 1, "cases/index.html");
    assert_file("/cases/12", 1, "cases/12/index.html");
    assert_file("/cases?tier=best&page=2", 1, "cases/index.tier-best.page-2.html");
    /* A value's dots and bytes are escaped, so no two queries share a file. */
    assert_file("/cases?tag=a.page-2", 1, "cases/index.tag-a%2Epage-2.html");
    assert_file("/cases?tag=%E7%A4%BE", 1, "cases/index.tag-%E7%A4%BE.html");
    assert_file("/tags/%E7%A4%BE%E5%8C%BA", 1, "tags/社区/index.html");
    assert_file("/static/style.css", 0, "static/style.css");
    /* What no file can stand for. */
    assert_file("/static/style.css?v=1", 0, NULL);
    assert_file("//evil.example/x", 1, NULL);
    assert_file("/cases/", 1, NULL);
    assert_file("/a//b", 1, NULL);
    assert_file("/a/../b", 1, NULL);
    assert_file("/tags/a%2Fb", 1, NULL);
    assert_file("/cases?Tier=best", 1, NULL);
    assert_file("/cases/%zz", 1, NULL);
    assert_file("cases", 1, NULL);
}

/* A resolver that exports /, /cases/N and the stylesheet. */
static const char *resolve(void *ctx, const char *url)
{
    static char file[256];
    (void)ctx;
    if (strcmp(url, "/login") == 0 || strncmp(url, "/votes", 6) == 0)
        return NULL;
    char *f = export_file_of(url, strncmp(url, "/static/", 8) != 0);
    if (!f)
        return NULL;
    snprintf(file, sizeof file, "%s", f);
    free(f);
    return file;
}

static char *rewrite(const char *html, const char *from, const char *live, size_t *away)
{
    struct buf b = BUF_INIT;
    buf_init(&b, 0);
    *away = export_rewrite(html, strlen(html), from, live, resolve, NULL, &b);
    buf_putc(&b, 0);
    return buf_detach(&b, NULL);
}

static void relative_links(void **state)
{
    (void)state;
    size_t away;
    char *s = rewrite("<link rel=\"stylesheet\" href=\"/static/style.css\">"
                      "<a class=\"x\" href=\"/cases/13#top\">下一篇</a>"
                      "<a href=\"/cases?tier=best&amp;page=2\">2</a>"
                      "<a href=\"https://example.org/\">out</a><a href=\"#main\">skip</a>"
                      "<!-- <a href=\"/login\"> -->",
                      "cases/12/index.html", NULL, &away);
    assert_string_equal(s, "<link rel=\"stylesheet\" href=\"../../static/style.css\">"
                           "<a class=\"x\" href=\"../../cases/13/index.html#top\">下一篇</a>"
                           "<a href=\"../../cases/index.tier-best.page-2.html\">2</a>"
                           "<a href=\"https://example.org/\">out</a><a href=\"#main\">skip</a>"
                           "<!-- <a href=\"/login\"> -->");
    assert_int_equal(away, 0);
    free(s);
    /* A file name's bytes are escaped in the link. */
    s = rewrite("<a href='/tags/%E7%A4%BE'>社</a>", "index.html", NULL, &away);
    assert_string_equal(s, "<a href='tags/%E7%A4%BE/index.html'>社</a>");
    free(s);
}

static void not_exported(void **state)
{
    (void)state;
    size_t away;
    const char *html = "<p>a<a class=\"account\" href=\"/login\">登录</a>b</p>"
                       "<link rel=\"alternate\" href=\"/votes?lang=en\"><img src=\"/votes/1\" alt=\"\">"
                       "<form action=\"/votes\" method=\"post\"><button>投</button></form>end";
    char *s = rewrite(html, "index.html", NULL, &away);
    assert_string_equal(s, "<p>ab</p>end"); /* left out, with what they hold */
    assert_int_equal(away, 4);
    free(s);
    s = rewrite(html, "index.html", "https://live.example", &away);
    assert_string_equal(s, "<p>a<a class=\"account\" href=\"https://live.example/login\">登录</a>b</p>"
                           "<link rel=\"alternate\" href=\"https://live.example/votes?lang=en\">"
                           "<img src=\"https://live.example/votes/1\" alt=\"\">"
                           "<form action=\"https://live.example/votes\" method=\"post\">"
                           "<button>投</button></form>end");
    assert_int_equal(away, 4);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(file_of),
        cmocka_unit_test(relative_links),
        cmocka_unit_test(not_exported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
