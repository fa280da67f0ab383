/*
 * test_action.c — unit tests for the typed form fields of declared actions
 * (src/web/action.c): each field type accepts what it promises and refuses
 * the rest, with the refusal recorded under the field's name; the result
 * table maps every result to its status.
 *
 * A request is made by hand: an arena, a urlencoded body, and the web
 * state the dispatcher would give it.  Every case checks the exact typed
 * value or that the field was refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web/action.h"

struct fixture {
    struct req r;
    struct web_state ws;
    struct web_action a;
    struct web_act x;
};

/* A request whose form body is body, and an action in progress on it. */
static struct web_act *act_on(struct fixture *f, const char *body)
{
    memset(f, 0, sizeof *f);
    arena_init(&f->r.arena, 1u << 20);
    f->r.body = body;
    f->r.body_len = strlen(body);
    f->r.app = &f->ws;
    f->x.r = &f->r;
    f->x.a = &f->a;
    return &f->x;
}

static void done(struct fixture *f)
{
    json_decref(f->x.errors);
    arena_release(&f->r.arena);
}

/* Parse field fd from body: 1 if accepted (value in *v), 0 if refused (and named in errors). */
static int parse(const char *body, const struct web_field *fd, struct web_value *v)
{
    struct fixture f;
    struct web_act *x = act_on(&f, body);
    int ok = web_read_field(x, fd, v) == RC_OK;
    int named = x->errors && json_object_get(x->errors, fd->name) != NULL;
    assert_int_equal(named, !ok);
    /* Strings point into the arena: copy what the tests compare. */
    static char copy[256];
    if (ok && v->s) {
        strncpy(copy, v->s, sizeof copy - 1);
        v->s = copy;
    }
    done(&f);
    return ok;
}

static void test_int(void **state)
{
    (void)state;
    const struct web_field fd = {"n", WEB_F_INT, WEB_F_REQUIRED, 1, 20, NULL, NULL};
    struct web_value v;
    assert_true(parse("n=7", &fd, &v));
    assert_int_equal(v.i, 7);
    assert_true(v.valid);
    assert_false(parse("n=%2B20", &fd, &v)); /* no sign but '-' */
    assert_false(parse("n=-3", &fd, &v));
    assert_false(parse("n=0", &fd, &v));
    assert_false(parse("n=21", &fd, &v));
    assert_false(parse("n=7x", &fd, &v));
    assert_false(parse("n=1e1", &fd, &v));
    assert_false(parse("n=", &fd, &v));
    assert_false(parse("m=3", &fd, &v));
    assert_false(parse("n=99999999999999999999", &fd, &v));
    assert_true(parse("n=%2007%20", &fd, &v)); /* trimmed */
    assert_int_equal(v.i, 7);
    const struct web_field opt = {"n", WEB_F_INT, 0, 1, 20, NULL, NULL};
    assert_true(parse("m=3", &opt, &v));
    assert_false(v.given);
    assert_int_equal(v.i, 0);
}

static void test_number(void **state)
{
    (void)state;
    const struct web_field fd = {"w", WEB_F_NUMBER, WEB_F_REQUIRED, 0, 1, NULL, NULL};
    struct web_value v;
    assert_true(parse("w=0.25", &fd, &v));
    assert_true(v.n > 0.2499 && v.n < 0.2501);
    assert_false(parse("w=1.5", &fd, &v));
    assert_false(parse("w=nan", &fd, &v));
    assert_false(parse("w=inf", &fd, &v));
    assert_false(parse("w=0x1", &fd, &v));
    assert_false(parse("w=1..2", &fd, &v));
}

static void test_text(void **state)
{
    (void)state;
    const struct web_field fd = {"t", WEB_F_TEXT, WEB_F_REQUIRED, 0, 4, NULL, "my_key"};
    struct web_value v;
    assert_true(parse("t=%E7%A4%BE%E5%8C%BA", &fd, &v)); /* 社区: 2 characters */
    assert_string_equal(v.s, "社区");
    assert_true(parse("t=+ab+", &fd, &v));
    assert_string_equal(v.s, "ab");
    assert_false(parse("t=%E7%A4%BE%E5%8C%BA%E7%A4%BE%E5%8C%BA%E7%A4%BE", &fd, &v)); /* 5 */
    assert_false(parse("t=a%01b", &fd, &v));                                     /* control */
    assert_true(parse("t=a%0Ab", &fd, &v));                                      /* a line break */
    assert_false(parse("t=+++", &fd, &v)); /* blank is absent, and required */
    /* The refusal carries the field's own message key. */
    struct fixture f;
    struct web_act *x = act_on(&f, "t=");
    assert_int_equal(web_read_field(x, &fd, &v), RC_INVALID);
    assert_string_equal(x->error, "my_key");
    done(&f);
}

static void test_choice_bool_date(void **state)
{
    (void)state;
    static const char *const kinds[] = {"mean", "median", NULL};
    const struct web_field c = {"k", WEB_F_CHOICE, WEB_F_REQUIRED, 0, 0, kinds, NULL};
    const struct web_field b = {"b", WEB_F_BOOL, 0, 0, 0, NULL, NULL};
    const struct web_field d = {"d", WEB_F_DATE, 0, 0, 0, NULL, NULL};
    struct web_value v;
    assert_true(parse("k=median", &c, &v));
    assert_string_equal(v.s, "median");
    assert_false(parse("k=mode", &c, &v));
    assert_false(parse("k=Mean", &c, &v));
    assert_true(parse("b=on", &b, &v));
    assert_int_equal(v.i, 1);
    assert_true(parse("b=0", &b, &v));
    assert_int_equal(v.i, 0);
    assert_true(parse("x=1", &b, &v));
    assert_int_equal(v.i, 0);
    assert_true(parse("d=2020-02-04", &d, &v));
    assert_string_equal(v.s, "2020-02-04");
    assert_false(parse("d=2020-02-30", &d, &v));
    assert_false(parse("d=2020-13-01", &d, &v));
    assert_false(parse("d=2020-2-4", &d, &v));
    assert_false(parse("d=20200204xx", &d, &v));
}

static void test_email_next_secret(void **state)
{
    (void)state;
    const struct web_field e = {"e", WEB_F_EMAIL, WEB_F_REQUIRED, 0, 0, NULL, NULL};
    const struct web_field n = {"next", WEB_F_NEXT, 0, 0, 0, NULL, NULL};
    const struct web_field s = {"p", WEB_F_SECRET, WEB_F_REQUIRED, 0, 8, NULL, NULL};
    struct web_value v;
    assert_true(parse("e=Zhou%40Example.cn", &e, &v));
    assert_string_equal(v.s, "zhou@example.cn");
    assert_false(parse("e=a%40b%40c", &e, &v));
    assert_false(parse("e=%40b", &e, &v));
    assert_false(parse("e=a+b%40c", &e, &v)); /* an inner space */
    assert_false(parse("e=a%3Cb%40c", &e, &v));
    assert_true(parse("next=%2Freview%2F3", &n, &v));
    assert_string_equal(v.s, "/review/3");
    assert_true(parse("next=%2F%2Fevil.example", &n, &v));
    assert_string_equal(v.s, "/");
    assert_true(parse("next=https%3A%2F%2Fevil.example", &n, &v));
    assert_string_equal(v.s, "/");
    assert_true(parse("x=1", &n, &v));
    assert_string_equal(v.s, "/");
    assert_true(parse("p=+a+b+", &s, &v)); /* as typed, spaces kept */
    assert_string_equal(v.s, " a b ");
    assert_false(parse("p=123456789", &s, &v));
}

static void test_ids(void **state)
{
    (void)state;
    const struct web_field fd = {"id", WEB_F_IDS, WEB_F_REQUIRED, 0, 4, NULL, NULL};
    struct fixture f;
    struct web_value v;
    struct web_act *x = act_on(&f, "id=3&id=5%2C8&other=1");
    assert_int_equal(web_read_field(x, &fd, &v), RC_OK);
    assert_int_equal(v.nids, 3);
    assert_int_equal(v.ids[0], 3);
    assert_int_equal(v.ids[1], 5);
    assert_int_equal(v.ids[2], 8);
    done(&f);
    assert_false(parse("id=3&id=0", &fd, &v));
    assert_false(parse("id=03", &fd, &v));
    assert_false(parse("id=1+2+3+4+5", &fd, &v)); /* more than max */
    assert_false(parse("other=1", &fd, &v));
}

static void test_result_statuses(void **state)
{
    (void)state;
    assert_int_equal(web_result_status(RC_OK), 200);
    assert_int_equal(web_result_status(RC_NOTFOUND), 404);
    assert_int_equal(web_result_status(RC_STATE), 409);
    assert_int_equal(web_result_status(RC_STALE), 409);
    assert_int_equal(web_result_status(RC_QUOTA), 409);
    assert_int_equal(web_result_status(RC_EXISTS), 409);
    assert_int_equal(web_result_status(RC_CLOSED), 409);
    assert_int_equal(web_result_status(RC_GONE), 409);
    assert_int_equal(web_result_status(RC_INVALID), 422);
    assert_int_equal(web_result_status(RC_ERROR), 503);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int),         cmocka_unit_test(test_number),
        cmocka_unit_test(test_text),        cmocka_unit_test(test_choice_bool_date),
        cmocka_unit_test(test_email_next_secret), cmocka_unit_test(test_ids),
        cmocka_unit_test(test_result_statuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
