/*
 * test_cert_layout.c — a certificate layout's rules (domain/cert_layout.h):
 * the defaults lie on the page and their templates are valid; a template's
 * placeholders are known or refused, and expand with every value (a value
 * holding braces is left as it is); boxes off the page or too small are
 * refused at each edge; a seal is transparent only with an alpha channel or
 * a tRNS chunk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/cert_layout.h"

static void test_defaults_are_valid(void **state)
{
    (void)state;
    struct cert_layout l;
    cert_layout_default(&l);
    for (int t = 0; t < CERT_TEXT__MAX; t++)
        assert_int_equal(cert_template_check(l.text[t]), 0);
    for (int b = 0; b < CERT_BOX__MAX; b++)
        assert_int_equal(cert_rect_check((enum cert_box)b, &l.box[b]), 0);
    assert_string_equal(l.text[CERT_TEXT_HEADING], "荣誉证书");
    assert_null(l.background);
    assert_null(l.seal);
    assert_string_equal(cert_text_name(CERT_TEXT_DATE), "date_line");
    assert_string_equal(cert_box_name(CERT_BOX_QR), "qr");
}

static void test_placeholders(void **state)
{
    (void)state;
    assert_int_equal(cert_template_check(""), 0);
    assert_int_equal(cert_template_check("{unit}{title}{tier}{campaign}{date}{organiser}"), 0);
    assert_int_equal(cert_template_check("获得{prize}"), -1);
    assert_int_equal(cert_template_check("{unit"), -1);
    assert_int_equal(cert_template_check("unit}"), -1);
    assert_int_equal(cert_template_check("{}"), -1);
    assert_int_equal(cert_template_check("{{unit}}"), -1);
    assert_int_equal(cert_template_check("{UNIT}"), -1);
    assert_int_equal(cert_template_check("{unit }"), -1);
}

static void test_expand(void **state)
{
    (void)state;
    const struct cert_values v = {"某街道", "《标题》{tier}", "一等奖",
                                  "第二届", "2019年12月30日", NULL};
    char *s = cert_template_expand("{unit}：{title}在{campaign}获{tier}。{date}{organiser}|", &v);
    assert_non_null(s);
    assert_string_equal(s, "某街道：《标题》{tier}在第二届获一等奖。2019年12月30日|");
    free(s);
    s = cert_template_expand("{tier}{tier}{tier}{tier}", &v);
    assert_string_equal(s, "一等奖一等奖一等奖一等奖");
    free(s);
}

static void test_boxes(void **state)
{
    (void)state;
    struct cert_rect r = {0, 0, CERT_PAGE_W_MM, CERT_PAGE_H_MM};
    assert_int_equal(cert_rect_check(CERT_BOX_BODY, &r), 0); /* the whole page */
    r.x = 0.1;
    assert_int_equal(cert_rect_check(CERT_BOX_BODY, &r), -1); /* past the right edge */
    r = (struct cert_rect){10, 10, 50, 200.1};
    assert_int_equal(cert_rect_check(CERT_BOX_BODY, &r), -1); /* past the bottom */
    r = (struct cert_rect){-0.1, 10, 50, 50};
    assert_int_equal(cert_rect_check(CERT_BOX_BODY, &r), -1);
    r = (struct cert_rect){10, 10, 9.9, 50};
    assert_int_equal(cert_rect_check(CERT_BOX_BODY, &r), -1); /* too narrow */
    /* Square boxes: h is w, whatever was given. */
    r = (struct cert_rect){280, 190, 15, 1};
    assert_int_equal(cert_rect_check(CERT_BOX_QR, &r), 0);
    r.x = 282.1;
    assert_int_equal(cert_rect_check(CERT_BOX_QR, &r), -1);
    r = (struct cert_rect){10, 10, 14.9, 14.9};
    assert_int_equal(cert_rect_check(CERT_BOX_QR, &r), -1); /* too small to scan */
    assert_int_equal(cert_rect_check(CERT_BOX_SEAL, &r), 0);
    r = (struct cert_rect){10, 200, 12, 1};
    assert_int_equal(cert_rect_check(CERT_BOX_SEAL, &r), -1); /* 200 + 12 > 210 */
}

/* A PNG header of colour type `type`, then chunk `extra` (4 letters) before IDAT. */
static size_t png(unsigned char *p, int type, const char *extra)
{
    static const unsigned char head[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0,
                                         13,   'I', 'H', 'D', 'R',  0,    0,    0,    8, 0, 0,
                                         0,    8,   8,   0,   0,    0,    0,    0,    0, 0, 0};
    size_t n = sizeof head;
    memcpy(p, head, n);
    p[25] = (unsigned char)type;
    if (extra) {
        memcpy(p + n, "\0\0\0\1", 4);
        memcpy(p + n + 4, extra, 4);
        memset(p + n + 8, 0, 5);
        n += 13;
    }
    memcpy(p + n, "\0\0\0\0IDAT\0\0\0\0", 12);
    return n + 12;
}

static void test_transparency(void **state)
{
    (void)state;
    unsigned char p[128];
    size_t n = png(p, 6, NULL);
    assert_int_equal(cert_png_transparent(p, n), 1);
    n = png(p, 4, NULL);
    assert_int_equal(cert_png_transparent(p, n), 1);
    n = png(p, 2, NULL);
    assert_int_equal(cert_png_transparent(p, n), 0);
    n = png(p, 3, "tRNS");
    assert_int_equal(cert_png_transparent(p, n), 1);
    n = png(p, 3, "PLTE");
    assert_int_equal(cert_png_transparent(p, n), 0);
    assert_int_equal(cert_png_transparent((const unsigned char *)"GIF89a", 6), 0);
    assert_int_equal(cert_png_transparent(p, 20), 0); /* cut before its header's end */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_valid),
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_boxes),
        cmocka_unit_test(test_transparency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
