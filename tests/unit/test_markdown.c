/*
 * test_markdown.c — unit tests for Markdown rendering and excerpts
 * (src/domain/markdown.c).
 *
 * Rendering is checked on Chinese prose (headings, lists, emphasis next to
 * full-width punctuation) by exact HTML, and for safety: raw HTML and
 * script URLs must not survive.  Excerpts are checked for exact plain text,
 * the character limit, and that no cut ever lands inside a UTF-8 sequence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/utf8.h"
#include "domain/markdown.h"

#define assert_html(expect, md)                                                                    \
    do {                                                                                           \
        char *got_ = markdown_to_html((md), strlen(md));                                           \
        assert_non_null(got_);                                                                     \
        assert_string_equal(got_, (expect));                                                       \
        free(got_);                                                                                \
    } while (0)

#define assert_excerpt(expect, md, chars)                                                          \
    do {                                                                                           \
        char *got_ = markdown_excerpt((md), strlen(md), (chars));                                  \
        assert_non_null(got_);                                                                     \
        assert_string_equal(got_, (expect));                                                       \
        free(got_);                                                                                \
    } while (0)

static void test_headings(void **state)
{
    (void)state;
    assert_html("<h1>社区治理</h1>\n", "# 社区治理");
    assert_html("<h2>二级标题</h2>\n", "## 二级标题 ##");
    assert_html("<h3>三级</h3>\n<p>正文。</p>\n", "### 三级\n\n正文。");
    assert_html("<h2>下划线标题</h2>\n", "下划线标题\n---");
}

static void test_lists(void **state)
{
    (void)state;
    assert_html("<ul>\n<li>物业</li>\n<li>党建</li>\n</ul>\n", "- 物业\n- 党建");
    assert_html("<ol>\n<li>第一步</li>\n<li>第二步</li>\n</ol>\n", "1. 第一步\n2. 第二步");
    assert_html("<ol start=\"3\">\n<li>三</li>\n</ol>\n", "3. 三");
}

static void test_emphasis_chinese(void **state)
{
    (void)state;
    assert_html("<p>这是<strong>加粗</strong>。</p>\n", "这是**加粗**。");
    assert_html("<p><strong>加粗</strong>。还有<em>强调</em>，和<code>代码</code>。</p>\n",
                "**加粗**。还有*强调*，和`代码`。");
    assert_html("<p>一段<br />\n换行</p>\n", "一段  \n换行");
    assert_html("<blockquote>\n<p>引用的话</p>\n</blockquote>\n", "> 引用的话");
}

static void test_raw_html_removed(void **state)
{
    (void)state;
    assert_html("<!-- raw HTML omitted -->\n", "<script>alert(1)</script>");
    assert_html("<p>图<!-- raw HTML omitted -->片</p>\n", "图<img src=x onerror=alert(1)>片");
    assert_html("<p><!-- raw HTML omitted -->粗<!-- raw HTML omitted --></p>\n", "<b>粗</b>");
    assert_html("<!-- raw HTML omitted -->\n", "<div onclick=\"x()\">\n块\n</div>");
    /* Escaped, not removed, when it is text. */
    assert_html("<p>&lt;script&gt;</p>\n", "\\<script>");
    assert_html("<p>a &amp; b &lt; c</p>\n", "a & b < c");
}

static void test_script_links_dropped(void **state)
{
    (void)state;
    assert_html("<p><a href=\"\">点我</a></p>\n", "[点我](javascript:alert(1))");
    assert_html("<p><a href=\"\">x</a></p>\n", "[x](JavaScript:alert(1))");
    assert_html("<p><a href=\"\">x</a></p>\n", "[x](vbscript:msgbox)");
    assert_html("<p><a href=\"\">x</a></p>\n", "[x](file:///etc/passwd)");
    assert_html("<p><a href=\"\">x</a></p>\n", "[x](data:text/html,<b>)");
    assert_html("<p><img src=\"\" alt=\"i\" /></p>\n", "![i](javascript:alert(1))");
    assert_html("<p><a href=\"\">javascript:alert(1)</a></p>\n", "<javascript:alert(1)>");
    /* Ordinary links and image data URLs stay. */
    assert_html("<p><a href=\"https://example.cn/a?b=1&amp;c=2\">链接</a></p>\n",
                "[链接](https://example.cn/a?b=1&c=2)");
    assert_html("<p><a href=\"/cases/1\">案例</a></p>\n", "[案例](/cases/1)");
    assert_html("<p><img src=\"data:image/png;base64,AA\" alt=\"d\" /></p>\n",
                "![d](data:image/png;base64,AA)");
}

static void test_render_invalid_utf8(void **state)
{
    (void)state;
    /* Invalid bytes are replaced, so the output is always valid UTF-8. */
    static const char md[] = "a\xFF\xC0\xAF b";
    char *got = markdown_to_html(md, sizeof md - 1);
    assert_non_null(got);
    assert_true(utf8_valid(got, strlen(got)));
    assert_null(strchr(got, '\xFF'));
    free(got);
}

static void test_excerpt_strips_markup(void **state)
{
    (void)state;
    assert_excerpt("标题 这是加粗。还有强调和代码。", "# 标题\n\n这是**加粗**。还有*强调*和`代码`。",
                   100);
    assert_excerpt("引用 二级 链接文字", "> 引用\n\n## 二级 ##\n\n[链接](http://x.cn)文字", 100);
    assert_excerpt("一 二 甲", "- 一\n- 二\n\n1. 甲", 100);
    /* No raw HTML, no URLs, entities decoded, prose punctuation kept. */
    assert_excerpt("段落 图片", "<script>alert(1)</script>\n\n段落<img src=x onerror=alert(1)>\n\n"
                                "![图片](javascript:x)",
                   100);
    assert_excerpt("点我 ok", "[点我](javascript:alert(1)) [ok](https://a.cn/?a=1&b=2)", 100);
    assert_excerpt("a_b 2*3 x & y <z>", "a_b 2\\*3 x &amp; y \\<z>", 100);
    /* White space collapses to single spaces, none at the ends. */
    assert_excerpt("a b c", "  a\n\n\n  b\t\tc  \n", 100);
    assert_excerpt("", "", 100);
    assert_excerpt("", "<!-- 注释 -->\n\n---\n", 100);
}

static void test_excerpt_limit(void **state)
{
    (void)state;
    static const char md[] = "上海市**浦东**新区，社区治理案例。";
    assert_excerpt("", md, 0);
    assert_excerpt("上", md, 1);
    assert_excerpt("上海市浦东", md, 5);
    assert_excerpt("上海市浦东新区，社区治理案例。", md, 15);
    assert_excerpt("上海市浦东新区，社区治理案例。", md, 16);
    /* A space counts, but is never left at the end. */
    assert_excerpt("ab", "ab cd", 2);
    assert_excerpt("ab", "ab cd", 3);
    assert_excerpt("ab c", "ab cd", 4);
    assert_excerpt("ab cd", "ab cd", 5);
    assert_excerpt("标题", "# 标题\n\n正文", 3);
    assert_excerpt("标题 正", "# 标题\n\n正文", 4);
}

static void test_excerpt_never_cuts_utf8(void **state)
{
    (void)state;
    /* 1-, 2-, 3- and 4-byte characters in turn. */
    static const char md[] = "a\xC3\xA9\xE4\xB8\x8A\xF0\x9F\x98\x80"
                             "b\xC3\xA9\xE4\xB8\x8A\xF0\x9F\x98\x80";
    static const size_t bytes[] = {0, 1, 3, 6, 10, 11, 13, 16, 20, 20};
    for (size_t c = 0; c < sizeof bytes / sizeof bytes[0]; c++) {
        char *got = markdown_excerpt(md, sizeof md - 1, c);
        assert_non_null(got);
        size_t n = strlen(got);
        if (n != bytes[c])
            fail_msg("limit %zu: %zu bytes, expected %zu", c, n, bytes[c]);
        assert_memory_equal(got, md, n);
        assert_true(utf8_valid(got, n));
        assert_int_equal(utf8_count(got, n), c < 8 ? c : 8);
        free(got);
    }
    /* Invalid input still gives valid UTF-8 within the limit. */
    static const char bad[] = "\xE4\xB8\x8A\xE4\xB8\xFF\xC3";
    for (size_t c = 0; c < 5; c++) {
        char *got = markdown_excerpt(bad, sizeof bad - 1, c);
        assert_non_null(got);
        assert_true(utf8_valid(got, strlen(got)));
        assert_true(utf8_count(got, strlen(got)) <= c);
        if (c >= 1)
            assert_memory_equal(got, "\xE4\xB8\x8A", 3);
        free(got);
    }
    /* A long article cut at 110 characters, as the news list does. */
    static char longmd[4096];
    size_t at = 0;
    for (int i = 0; i < 100; i++)
        at += (size_t)snprintf(longmd + at, sizeof longmd - at, "社区**治理**。");
    char *got = markdown_excerpt(longmd, at, 110);
    assert_non_null(got);
    assert_int_equal(strlen(got), 110 * 3);
    assert_int_equal(utf8_count(got, strlen(got)), 110);
    assert_memory_equal(got, "社区治理。社区治理。", strlen("社区治理。社区治理。"));
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headings),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_emphasis_chinese),
        cmocka_unit_test(test_raw_html_removed),
        cmocka_unit_test(test_script_links_dropped),
        cmocka_unit_test(test_render_invalid_utf8),
        cmocka_unit_test(test_excerpt_strips_markup),
        cmocka_unit_test(test_excerpt_limit),
        cmocka_unit_test(test_excerpt_never_cuts_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
