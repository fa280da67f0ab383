/*
 * test_render.c — the layout of a visitor's page put together from pieces
 * (src/view/render.c) gives the same bytes as the layout walked: for both
 * languages, titles and URLs with every character the escaping changes, and
 * content with markup.  A site with a CSRF token (which the layout shows only
 * to a signed-in user) is walked, so it is the reference; a signed-in user's
 * site is walked too and differs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "view/i18n.h"
#include "view/render.h"

static int setup(void **state)
{
    (void)state;
    char err[256];
    if (i18n_load(err, sizeof err) != 0 || render_init(err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    render_free();
    i18n_free();
    return 0;
}

/* A visitor's site as the server builds it (routes.c, site_of). */
static json_t *visitor_site(enum lang lang, const char *title, const char *url)
{
    enum lang other = lang == LANG_ZH ? LANG_EN : LANG_ZH;
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "lang", i18n_code(lang), "other_lang",
                     i18n_code(other), "other_lang_name",
                     i18n_get(lang, other == LANG_EN ? "lang_en" : "lang_zh"), "other_lang_url",
                     url, "title", title, "en", lang == LANG_EN);
}

static char *layout(const char *content, enum lang lang, json_t *site)
{
    struct buf b = BUF_INIT;
    buf_init(&b, 0);
    assert_int_equal(render_layout(content, strlen(content), lang, site, &b), 0);
    return buf_detach(&b, NULL);
}

static void test_pieces_same_bytes(void **state)
{
    (void)state;
    static const char *const titles[] = {"", "社区 <治理> & \"议事\" 'A'", "Case 12"};
    static const char *const urls[] = {"/cases/12?lang=en", "/cases?tag=%E7%A4%BE&page=2&lang=zh-CN",
                                       "/search?q=%3Cb%3E&lang=en"};
    static const char *const contents[] = {"", "<h1>标题</h1>\n<p>a &amp; b</p>"};
    for (int l = 0; l < LANG__MAX; l++) {
        for (size_t t = 0; t < sizeof titles / sizeof titles[0]; t++) {
            for (size_t c = 0; c < sizeof contents / sizeof contents[0]; c++) {
                const char *url = urls[(t + c) % (sizeof urls / sizeof urls[0])];
                json_t *site = visitor_site((enum lang)l, titles[t], url);
                char *fast = layout(contents[c], (enum lang)l, site);
                json_object_set_new(site, "csrf", json_string("token"));
                char *walked = layout(contents[c], (enum lang)l, site);
                assert_string_equal(fast, walked);
                assert_non_null(strstr(fast, contents[c]));
                json_object_set_new(site, "user",
                                    json_pack("{s:s,s:s,s:{}}", "name", "周", "email", "z@x", "roles"));
                char *user = layout(contents[c], (enum lang)l, site);
                assert_string_not_equal(fast, user);
                free(fast);
                free(walked);
                free(user);
                json_decref(site);
            }
        }
        /* Title, URL (twice) and content: four holes, five texts. */
        assert_int_equal(render_layout_pieces((enum lang)l), 5);
    }
}

static void test_other_site_walks(void **state)
{
    (void)state;
    /* A site with a value the pieces were not cut for renders it, not the kept one. */
    json_t *site = visitor_site(LANG_ZH, "t", "/x?lang=en");
    char *kept = layout("c", LANG_ZH, site);
    json_object_set_new(site, "other_lang_name", json_string("OTHER-NAME"));
    char *other = layout("c", LANG_ZH, site);
    assert_null(strstr(kept, "OTHER-NAME"));
    assert_non_null(strstr(other, "OTHER-NAME"));
    free(kept);
    free(other);
    json_decref(site);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pieces_same_bytes),
        cmocka_unit_test(test_other_site_walks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
