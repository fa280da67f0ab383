/*
 * import.c — CSV import of units, users and cases by the organiser.
 *
 * An import is a declared action (action.h) with a begin.  The file arrives
 * as multipart/form-data.  The action's begin installs a body sink that
 * feeds the streaming multipart parser and keeps the file part in memory
 * (at most IMPORT_MAX_BYTES: past that the upload is refused with 413 while
 * it streams) and the csrf field as a form value, which the dispatcher
 * checks as for any form.  The action's work, on the worker pool, decodes
 * the file (csv_to_utf8: UTF-8 with or without a BOM, or GB18030 as Excel
 * writes it), parses it (csv_parse) and validates every line against the
 * database and the lines before it: every bad line is collected with its
 * number, its column and the reason.  Nothing is imported unless the whole
 * file is valid; then all its rows are inserted in one store write, so a
 * file is imported whole or not at all.  The answer is the result page (the
 * action's `done` page, or its page for a refusal at 422 or 409): the count
 * imported, or the table of errors.
 *
 * Users imported get no password: each gets an invitation token (kind
 * 'invite', kept as its digest) and an outbox message with the link
 * <base_url>/invite/<token>, as the invitation flow sends it.  Cases are
 * entered as submitted (campaigns that collect on paper), with a case_event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/jstr.h"
#include "core/log.h"
#include "core/utf8.h"
#include "domain/auth.h"
#include "domain/csv.h"
#include "domain/submission.h"
#include "http/multipart.h"
#include "store/accounts.h"
#include "store/campaign.h"
#include "store/imports.h"
#include "web/action.h"
#include "web/import.h"

#define IMPORT_MAX_ROWS 20000
#define IMPORT_MAX_SHOWN 1000 /* error rows listed on the result page */
#define IMPORT_NAME_MAX 80    /* characters of a unit's name */
#define IMPORT_PERSON_MAX 40  /* characters of a person's name */
#define IMPORT_PHONE_MAX 32
#define IMPORT_EMAIL_MAX 254 /* bytes */
#define IMPORT_TAG_MAX 20
#define IMPORT_LEVEL_MAX 5
#define IMPORT_CSRF_MAX 128

enum import_kind { IMPORT_UNITS, IMPORT_USERS, IMPORT_CASES, IMPORT__MAX };

static const char *const units_cols[] = {"region_code", "name", "parent_name", "level"};
static const char *const users_cols[] = {"email", "name", "role", "region_code", "unit_name"};
static const char *const cases_cols[] = {
    "unit_name", "title",      "track_slug", "contact_name", "contact_phone", "contact_email",
    "tags",      "背景与起因", "做法与经过", "成效与反响",   "探讨与评论",    "附录"};

/* Which columns must be filled, by kind, in column order. */
static const int units_req[] = {1, 1, 0, 1};
static const int users_req[] = {1, 1, 1, 0, 0};
static const int cases_req[] = {1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0};

/* The sample files (UTF-8; a BOM is added when served, for Excel). */
static const char units_sample[] =
    "region_code,name,parent_name,level\r\n"
    "310000,上海市浦东新区示范街道,,2\r\n"
    "310000,上海市浦东新区示范街道滨江社区,上海市浦东新区示范街道,3\r\n";
static const char users_sample[] =
    "email,name,role,region_code,unit_name\r\n"
    "recommender@example.org,上海市推荐联络员,recommender,310000,\r\n"
    "unit@example.org,周家渡街道联络员,submitter,310000,上海市浦东新区周家渡街道\r\n"
    "expert@example.org,评审专家,reviewer,,\r\n";
static const char cases_sample[] =
    "unit_name,title,track_slug,contact_name,contact_phone,contact_email,tags,"
    "背景与起因,做法与经过,成效与反响,探讨与评论,附录\r\n"
    "上海市浦东新区周家渡街道,\"“家门口”服务站让居民少跑腿\",community-services,张三,"
    "021-12345678,zhangsan@example.org,\"社区服务，家门口\","
    "\"老旧小区多，老年居民多，办事要跑多个窗口，居民意见集中在办事难、找人难。"
    "街道党工委把问题列入为民办实事清单，决定把服务送到居民家门口，"
    "先在三个居民区试点，再逐步推开。\","
    "\"在每个居民区设立服务站，党员骨干轮流值守，整合社保、民政、卫生等十二项服务，"
    "建立“居民点单、支部派单、党员接单”的工作流程，每月公开办理情况，"
    "接受居民评议。\","
    "\"一年来服务站累计办理事项一万余件，居民平均办事时间从半天缩短到二十分钟，"
    "满意度调查显示九成以上居民表示满意，相关做法被多家媒体报道，"
    "并在全区推广。\","
    "\"服务站的持续运转离不开稳定的队伍和经费，下一步将探索与驻区单位共建，"
    "引入社会组织参与，让服务更专业、更可持续，也让更多居民参与进来。\",\r\n";

static const struct import_spec {
    const char *slug;
    const char *title_key;
    const char *const *cols;
    const int *required;
    size_t ncols;
    const char *sample;
} specs[IMPORT__MAX] = {
    [IMPORT_UNITS] = {"units", "import_units", units_cols, units_req, 4, units_sample},
    [IMPORT_USERS] = {"users", "import_users", users_cols, users_req, 5, users_sample},
    [IMPORT_CASES] = {"cases", "import_cases", cases_cols, cases_req, 12, cases_sample},
};

static int kind_parse(const char *slug)
{
    for (int k = 0; k < IMPORT__MAX; k++)
        if (slug && strcmp(slug, specs[k].slug) == 0)
            return k;
    return -1;
}

/* ------------------------------------------------------------------------ */
/* The page with the forms, and the samples */

/* The note of one column: import_col_<kind>_<column> (ASCII columns) or a section's. */
static const char *column_note(enum lang lang, int kind, size_t col, char *key, size_t keylen)
{
    if (kind == IMPORT_CASES && col >= 7)
        snprintf(key, keylen, "import_col_cases_section%zu", col - 6);
    else
        snprintf(key, keylen, "import_col_%s_%s", specs[kind].slug, specs[kind].cols[col]);
    return i18n_get(lang, key);
}

enum web_err page_import(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *kinds = json_array();
    char key[64];
    for (int k = 0; k < IMPORT__MAX; k++) {
        json_t *cols = json_array();
        for (size_t c = 0; c < specs[k].ncols; c++)
            json_array_append_new(cols, json_pack("{s:s,s:b,s:s}", "name", specs[k].cols[c],
                                                  "required", specs[k].required[c], "note",
                                                  column_note(r->lang, k, c, key, sizeof key)));
        snprintf(key, sizeof key, "import_%s_intro", specs[k].slug);
        json_array_append_new(
            kinds,
            json_pack("{s:s,s:s,s:s,s:o,s:s,s:s}", "slug", specs[k].slug, "title",
                      i18n_get(r->lang, specs[k].title_key), "intro", i18n_get(r->lang, key),
                      "columns", cols, "action",
                      arena_printf(&r->arena, "/admin/import/%s", specs[k].slug), "sample",
                      arena_printf(&r->arena, "/admin/import/sample/%s.csv", specs[k].slug)));
    }
    json_t *m = json_pack("{s:o,s:i}", "kinds", kinds, "max_mib", (int)(IMPORT_MAX_BYTES >> 20));
    json_t *c = store_current_campaign(web.store);
    if (c) {
        json_object_set(m, "campaign", json_object_get(c, "name"));
        json_object_set(m, "tracks", json_object_get(c, "tracks"));
        json_object_set_new(m, "has_tracks",
                            json_boolean(json_array_size(json_object_get(c, "tracks")) > 0));
        json_decref(c);
    }
    p->model = m;
    p->template = "import";
    p->title = i18n_get(r->lang, "import_title");
    return WEB_OK;
}

void raw_import_sample(struct req *r, struct resp *w)
{
    const char *param = r->nparams ? r->params[0] : "";
    size_t n = strlen(param);
    char slug[16];
    if (n < 5 || n - 4 >= sizeof slug || strcmp(param + n - 4, ".csv") != 0) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    memcpy(slug, param, n - 4);
    slug[n - 4] = 0;
    int k = kind_parse(slug);
    if (k < 0) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    buf_puts(&w->body, "\xEF\xBB\xBF");
    buf_puts(&w->body, specs[k].sample);
    w->status = 200;
    w->content_type = "text/csv; charset=utf-8";
    resp_header(w, "Content-Disposition",
                arena_printf(&r->arena, "attachment; filename=\"import-%s.csv\"", slug));
    resp_header(w, "Cache-Control", "no-store");
}

/* ------------------------------------------------------------------------ */
/* Receiving the file */

/* What the body sink collects (in the arena; the file's bytes are malloc'd). */
struct import_upload {
    struct req *r;
    int kind;
    struct multipart *mp;
    int part; /* 0: ignored, 1: csrf, 2: file */
    char csrf[IMPORT_CSRF_MAX + 1];
    size_t csrf_len;
    struct buf file;
    int has_file;
    int too_large;
};

static void upload_release(struct import_upload *u)
{
    if (u->mp)
        multipart_free(u->mp);
    u->mp = NULL;
    buf_release(&u->file);
}

static int up_begin(void *ctx, const char *name, const char *filename, const char *ctype)
{
    (void)ctype;
    struct import_upload *u = ctx;
    u->part = 0;
    if (strcmp(name, "csrf") == 0 && !filename) {
        u->part = 1;
        u->csrf_len = 0;
    } else if (strcmp(name, "file") == 0 && filename && !u->has_file) {
        u->part = 2;
        u->has_file = 1;
    }
    return 0;
}

static int up_data(void *ctx, const char *data, size_t len)
{
    struct import_upload *u = ctx;
    if (u->part == 1) {
        if (u->csrf_len + len > IMPORT_CSRF_MAX)
            return 1;
        memcpy(u->csrf + u->csrf_len, data, len);
        u->csrf_len += len;
        u->csrf[u->csrf_len] = 0;
    } else if (u->part == 2) {
        buf_append(&u->file, data, len);
        if (u->file.oom) {
            u->too_large = 1;
            return 1;
        }
    }
    return 0;
}

/* The csrf part, once whole, is a form value (the dispatcher checks it). */
static int up_end(void *ctx)
{
    struct import_upload *u = ctx;
    int rc = u->part == 1 ? web_form_keep(u->r, "csrf", u->csrf, u->csrf_len) : 0;
    u->part = 0;
    return rc != 0;
}

static int import_sink(struct req *r, const char *data, size_t len)
{
    struct import_upload *u = r->sink_ctx; /* the first member of the action's state */
    if (multipart_feed(u->mp, data, len) != MULTIPART_OK) {
        int status = u->too_large ? 413 : 400;
        upload_release(u);
        return status;
    }
    return 0;
}


/* ------------------------------------------------------------------------ */
/* Validation (on the worker pool) */

struct import_job {
    struct import_upload up; /* what the body sink kept */
    int ok;                  /* imported */
    int kind;
    enum lang lang;
    int64_t user_id;
    int64_t campaign_id;
    char *raw; /* the file as uploaded (malloc'd); freed once decoded */
    size_t raw_len;
    const char *encoding;
    json_t *rows;   /* the validated rows, as the write needs them */
    json_t *errors; /* [{line, field, reason}], at most IMPORT_MAX_SHOWN */
    json_t *seen;   /* keys within the file -> line number */
    size_t nerrors;
    int header_seen;
    int fatal; /* a file-level error: nothing more to check */
};

/* msg with "{1}" and "{2}" replaced by a and b (NULL: ""); a malloc'd string, or NULL. */
static char *fill(const char *msg, const char *a, const char *b)
{
    struct buf o = BUF_INIT;
    buf_init(&o, 4096);
    for (const char *p = msg; *p; p++) {
        if (p[0] == '{' && (p[1] == '1' || p[1] == '2') && p[2] == '}') {
            const char *v = p[1] == '1' ? a : b;
            buf_puts(&o, v ? v : "");
            p += 2;
        } else {
            buf_putc(&o, *p);
        }
    }
    size_t n;
    return buf_detach(&o, &n);
}

static void add_error(struct import_job *j, size_t line, const char *field, const char *key,
                      const char *a, const char *b)
{
    j->nerrors++;
    if (json_array_size(j->errors) >= IMPORT_MAX_SHOWN)
        return;
    char *reason = fill(i18n_get(j->lang, key), a, b);
    json_array_append_new(j->errors,
                          json_pack("{s:I,s:s,s:s}", "line", (json_int_t)line, "field",
                                    field ? field : "", "reason", reason ? reason : key));
    free(reason);
}

static void add_error_n(struct import_job *j, size_t line, const char *field, const char *key,
                        long n)
{
    char num[24];
    snprintf(num, sizeof num, "%ld", n);
    add_error(j, line, field, key, num, NULL);
}

/* Trim ASCII white space and U+3000 (ideographic space) at both ends, in place. */
static char *trim(char *s)
{
    for (;;) {
        if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
        else if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 &&
                 (unsigned char)s[2] == 0x80)
            s += 3;
        else
            break;
    }
    size_t n = strlen(s);
    for (;;) {
        if (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
            n--;
        else if (n >= 3 && (unsigned char)s[n - 3] == 0xE3 && (unsigned char)s[n - 2] == 0x80 &&
                 (unsigned char)s[n - 1] == 0x80)
            n -= 3;
        else
            break;
    }
    s[n] = 0;
    return s;
}

static size_t chars(const char *s)
{
    return utf8_count(s, strlen(s));
}

/* 1 if s holds a control character (line breaks included). */
static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/*
 * Check a one-line text field: required, at most max characters, no
 * control characters.  Returns 1 if it is fine.
 */
static int check_text(struct import_job *j, size_t line, const char *field, const char *v,
                      int required, size_t max)
{
    if (!*v) {
        if (required)
            add_error(j, line, field, "import_err_required", NULL, NULL);
        return !required;
    }
    if (chars(v) > max) {
        add_error_n(j, line, field, "import_err_too_long", (long)max);
        return 0;
    }
    if (has_control(v)) {
        add_error(j, line, field, "import_err_control", NULL, NULL);
        return 0;
    }
    return 1;
}

/* A plausible e-mail address: local@domain.tld, ASCII, no spaces or specials. */
static int email_ok(const char *e)
{
    size_t n = strlen(e);
    const char *at = strchr(e, '@');
    if (n < 5 || n > IMPORT_EMAIL_MAX || !at || at == e || at - e > 64 || strchr(at + 1, '@'))
        return 0;
    const char *dom = at + 1;
    const char *dot = strrchr(dom, '.');
    if (!dot || dom[0] == '.' || dom[0] == '-' || dot[1] == 0 || strstr(e, ".."))
        return 0;
    for (const char *p = e; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || strchr("<>\"(),;:[]\\", c))
            return 0;
    }
    return 1;
}

static void lower_ascii(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* Remember key at line; if it was seen before, report the duplicate and return 0. */
static int check_unique(struct import_job *j, size_t line, const char *field, const char *key)
{
    json_t *prev = json_object_get(j->seen, key);
    if (prev) {
        add_error_n(j, line, field, "import_err_duplicate", (long)json_integer_value(prev));
        return 0;
    }
    json_object_set_new(j->seen, key, json_integer((json_int_t)line));
    return 1;
}

static int region_ok(struct import_job *j, size_t line, const char *v, int required)
{
    if (!*v) {
        if (required)
            add_error(j, line, "region_code", "import_err_required", NULL, NULL);
        return !required;
    }
    if (strlen(v) != 6 || strspn(v, "0123456789") != 6) {
        add_error(j, line, "region_code", "import_err_region_format", NULL, NULL);
        return 0;
    }
    if (!store_import_region_known(web.store, v)) {
        add_error(j, line, "region_code", "import_err_region_unknown", NULL, NULL);
        return 0;
    }
    return 1;
}

static void check_unit_row(struct import_job *j, size_t line, char **f)
{
    const char *region = f[0], *name = f[1], *parent = f[2], *level = f[3];
    int ok = region_ok(j, line, region, 1);
    ok &= check_text(j, line, "name", name, 1, IMPORT_NAME_MAX);
    ok &= check_text(j, line, "parent_name", parent, 0, IMPORT_NAME_MAX);
    /* One digit, 1..IMPORT_LEVEL_MAX (at most 9). */
    long lv = level[0] >= '0' && level[0] <= '9' && !level[1] ? level[0] - '0' : -1;
    if (!*level) {
        add_error(j, line, "level", "import_err_required", NULL, NULL);
        ok = 0;
    } else if (lv < 1 || lv > IMPORT_LEVEL_MAX) {
        add_error_n(j, line, "level", "import_err_level", IMPORT_LEVEL_MAX);
        ok = 0;
    }
    if (!ok)
        return;
    char *key = fill("u\x1f{1}\x1f{2}", region, name);
    if (!key)
        return;
    if (!check_unique(j, line, "name", key))
        ok = 0;
    else if (store_import_unit_id(web.store, region, name) != 0) {
        add_error(j, line, "name", "import_err_unit_exists", NULL, NULL);
        ok = 0;
    }
    free(key);
    int64_t parent_id = 0, parent_line = 0;
    if (*parent) {
        char *pkey = fill("u\x1f{1}\x1f{2}", region, parent);
        json_t *earlier = pkey ? json_object_get(j->seen, pkey) : NULL;
        if (earlier && json_integer_value(earlier) != (json_int_t)line)
            parent_line = json_integer_value(earlier);
        free(pkey);
        if (!parent_line) {
            parent_id = store_import_unit_id(web.store, region, parent);
            if (parent_id == 0) {
                add_error(j, line, "parent_name", "import_err_parent_unknown", NULL, NULL);
                ok = 0;
            } else if (parent_id < 0) {
                add_error(j, line, "parent_name", "import_err_unit_ambiguous", NULL, NULL);
                ok = 0;
            }
        }
    }
    if (ok)
        json_array_append_new(j->rows, json_pack("{s:I,s:s,s:s,s:I,s:I,s:i}", "line",
                                                 (json_int_t)line, "region", region, "name", name,
                                                 "parent_id", (json_int_t)parent_id, "parent_line",
                                                 (json_int_t)parent_line, "level", (int)lv));
}

/* The invitation message of a new user, in the organiser's language. */
static json_t *invitation(struct import_job *j, const char *name)
{
    char token[AUTH_TOKEN_CHARS + 1], digest[AUTH_DIGEST_CHARS + 1];
    auth_token(token);
    auth_digest(token, digest);
    struct buf b = BUF_INIT;
    buf_init(&b, 16384);
    char *hello = fill(i18n_get(j->lang, "import_invite_hello"), name, NULL);
    buf_puts(&b, hello ? hello : "");
    free(hello);
    buf_puts(&b, "\n\n");
    buf_puts(&b, i18n_get(j->lang, "import_invite_text"));
    buf_printf(&b, "\n\n%s/invite/%s\n\n", web.base_url ? web.base_url : "", token);
    buf_puts(&b, i18n_get(j->lang, "import_invite_expiry"));
    buf_putc(&b, '\n');
    json_t *o = json_pack("{s:s,s:s,s:s}", "digest", digest, "subject",
                          i18n_get(j->lang, "import_invite_subject"), "body", b.p ? b.p : "");
    explicit_bzero(token, sizeof token);
    if (b.p)
        explicit_bzero(b.p, b.len);
    buf_release(&b);
    return o;
}

/* A role by its name in the store or in Chinese, or 0. */
static unsigned role_parse(const char *name)
{
    static const struct {
        const char *name;
        unsigned role;
    } zh[] = {{"组织者", ROLE_ORGANISER},
              {"推荐单位", ROLE_RECOMMENDER},
              {"申报单位", ROLE_SUBMITTER},
              {"评审专家", ROLE_REVIEWER}};
    char lower[16];
    snprintf(lower, sizeof lower, "%s", name);
    lower_ascii(lower);
    unsigned role = strlen(name) < sizeof lower ? store_role_parse(lower) : 0;
    for (size_t i = 0; !role && i < sizeof zh / sizeof zh[0]; i++)
        if (strcmp(name, zh[i].name) == 0)
            role = zh[i].role;
    return role;
}

static void check_user_row(struct import_job *j, size_t line, char **f)
{
    char *email = f[0];
    const char *name = f[1], *role_name = f[2], *region = f[3], *unit = f[4];
    int ok = 1;
    if (!*email) {
        add_error(j, line, "email", "import_err_required", NULL, NULL);
        ok = 0;
    } else if (!email_ok(email)) {
        add_error(j, line, "email", "import_err_email", NULL, NULL);
        ok = 0;
    } else {
        lower_ascii(email);
        char *key = fill("e\x1f{1}", email, NULL);
        if (key && !check_unique(j, line, "email", key))
            ok = 0;
        else if (store_import_email_taken(web.store, email)) {
            add_error(j, line, "email", "import_err_email_taken", NULL, NULL);
            ok = 0;
        }
        free(key);
    }
    ok &= check_text(j, line, "name", name, 1, IMPORT_PERSON_MAX);
    unsigned role = role_parse(role_name);
    if (!*role_name) {
        add_error(j, line, "role", "import_err_required", NULL, NULL);
        ok = 0;
    } else if (!role) {
        add_error(j, line, "role", "import_err_role", NULL, NULL);
        ok = 0;
    }
    ok &= region_ok(j, line, region, role == ROLE_RECOMMENDER);
    if (role == ROLE_ORGANISER && *region) {
        add_error(j, line, "region_code", "import_err_region_not_allowed", NULL, NULL);
        ok = 0;
    }
    int64_t unit_id = 0;
    if (role == ROLE_SUBMITTER) {
        if (check_text(j, line, "unit_name", unit, 1, IMPORT_NAME_MAX)) {
            unit_id = store_import_unit_id(web.store, region, unit);
            if (unit_id == 0) {
                add_error(j, line, "unit_name",
                          *region ? "import_err_unit_not_in_region" : "import_err_unit_unknown",
                          NULL, NULL);
                ok = 0;
            } else if (unit_id < 0) {
                add_error(j, line, "unit_name", "import_err_unit_ambiguous", NULL, NULL);
                ok = 0;
            }
        } else {
            ok = 0;
        }
    } else if (role && *unit) {
        add_error(j, line, "unit_name", "import_err_unit_not_allowed", NULL, NULL);
        ok = 0;
    }
    if (!ok)
        return;
    json_t *row = json_pack("{s:I,s:s,s:s,s:i,s:s,s:I}", "line", (json_int_t)line, "email", email,
                            "name", name, "role", (int)role, "region",
                            role == ROLE_SUBMITTER ? "" : region, "unit_id", (json_int_t)unit_id);
    json_object_set_new(row, "invite", invitation(j, name));
    json_array_append_new(j->rows, row);
}

/* Split tags on commas (ASCII or full-width), 、 and semicolons; "，"-joined into out. */
static int check_tags(struct import_job *j, size_t line, const char *tags, struct buf *out)
{
    static const char *const seps[] = {",", "，", "、", ";", "；"};
    char *copy = strdup(tags);
    if (!copy)
        return 0;
    /* Turn every separator into a NUL-free marker: '\x1f'. */
    for (size_t s = 0; s < sizeof seps / sizeof seps[0]; s++) {
        size_t sl = strlen(seps[s]);
        for (char *p = strstr(copy, seps[s]); p; p = strstr(p, seps[s])) {
            *p = '\x1f';
            memmove(p + 1, p + sl, strlen(p + sl) + 1);
        }
    }
    int ok = 1, n = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, "\x1f", &save); t; t = strtok_r(NULL, "\x1f", &save)) {
        t = trim(t);
        if (!*t)
            continue;
        if (++n > SUBMISSION_TAGS_MAX) {
            add_error_n(j, line, "tags", "import_err_tags_many", SUBMISSION_TAGS_MAX);
            ok = 0;
            break;
        }
        if (chars(t) > IMPORT_TAG_MAX || has_control(t)) {
            add_error_n(j, line, "tags", "import_err_tag_long", IMPORT_TAG_MAX);
            ok = 0;
            break;
        }
        if (out->len)
            buf_puts(out, "，");
        buf_puts(out, t);
    }
    free(copy);
    return ok;
}

static void check_case_row(struct import_job *j, size_t line, char **f)
{
    const char *unit = f[0], *title = f[1], *track = f[2], *cname = f[3], *phone = f[4];
    char *cemail = f[5];
    const char *tags = f[6];
    const char *sections[SUBMISSION_SECTIONS];
    for (int i = 0; i < SUBMISSION_SECTIONS; i++)
        sections[i] = f[7 + i];
    int ok = 1;
    int64_t unit_id = 0, track_id = 0;
    if (check_text(j, line, "unit_name", unit, 1, IMPORT_NAME_MAX)) {
        unit_id = store_import_unit_id(web.store, NULL, unit);
        if (unit_id == 0) {
            add_error(j, line, "unit_name", "import_err_unit_unknown", NULL, NULL);
            ok = 0;
        } else if (unit_id < 0) {
            add_error(j, line, "unit_name", "import_err_unit_ambiguous", NULL, NULL);
            ok = 0;
        }
    } else {
        ok = 0;
    }
    struct submission_check chk;
    submission_check(title, track, cname, phone, sections, 1, &chk);
    if (!*title) {
        add_error(j, line, "title", "import_err_required", NULL, NULL);
        ok = 0;
    } else if (chk.title) {
        add_error_n(j, line, "title", "import_err_too_long", SUBMISSION_TITLE_MAX);
        ok = 0;
    } else if (has_control(title)) {
        add_error(j, line, "title", "import_err_control", NULL, NULL);
        ok = 0;
    }
    if (!*track) {
        add_error(j, line, "track_slug", "import_err_required", NULL, NULL);
        ok = 0;
    } else if (!(track_id = store_import_track_id(web.store, j->campaign_id, track))) {
        add_error(j, line, "track_slug", "import_err_track", NULL, NULL);
        ok = 0;
    }
    ok &= check_text(j, line, "contact_name", cname, 1, IMPORT_PERSON_MAX);
    ok &= check_text(j, line, "contact_phone", phone, 1, IMPORT_PHONE_MAX);
    if (*cemail) {
        if (!email_ok(cemail)) {
            add_error(j, line, "contact_email", "import_err_email", NULL, NULL);
            ok = 0;
        } else {
            lower_ascii(cemail);
        }
    }
    struct buf tagbuf = BUF_INIT;
    buf_init(&tagbuf, 4096);
    ok &= check_tags(j, line, tags, &tagbuf);
    for (int i = 0; i < SUBMISSION_SECTIONS; i++) {
        if (chk.section[i] && strcmp(chk.section[i], "check_section_long") == 0) {
            add_error_n(j, line, submission_section_names[i], "import_err_too_long",
                        submission_section_max[i]);
            ok = 0;
        } else if (chk.section[i]) {
            add_error(j, line, submission_section_names[i], "import_err_required", NULL, NULL);
            ok = 0;
        }
    }
    if (chk.total) {
        int too_long = strcmp(chk.total, "check_total_long") == 0;
        add_error_n(j, line, "", too_long ? "import_err_total_long" : "import_err_total_short",
                    too_long ? SUBMISSION_TOTAL_MAX : SUBMISSION_TOTAL_MIN);
        ok = 0;
    }
    if (ok) {
        char *key = fill("c\x1f{1}\x1f{2}", unit, title);
        if (key && !check_unique(j, line, "title", key))
            ok = 0;
        free(key);
    }
    if (ok) {
        json_t *secs = json_array();
        for (int i = 0; i < SUBMISSION_SECTIONS; i++)
            json_array_append_new(secs, json_string(sections[i]));
        json_array_append_new(j->rows, json_pack("{s:I,s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:o}", "line",
                                                 (json_int_t)line, "unit_id", (json_int_t)unit_id,
                                                 "track_id", (json_int_t)track_id, "title", title,
                                                 "contact_name", cname, "contact_phone", phone,
                                                 "contact_email", cemail, "tags",
                                                 tagbuf.p ? tagbuf.p : "", "sections", secs));
    }
    buf_release(&tagbuf);
}

/* The csv_parse callback: the header first, then each data line. */
static int on_row(void *ctx, size_t line, char **f, size_t n)
{
    struct import_job *j = ctx;
    const struct import_spec *sp = &specs[j->kind];
    for (size_t i = 0; i < n; i++)
        f[i] = trim(f[i]);
    /* Excel pads short lines with empty fields: ignore empty trailing ones. */
    while (n > sp->ncols && !*f[n - 1])
        n--;
    if (!j->header_seen) {
        j->header_seen = 1;
        int ok = n == sp->ncols;
        for (size_t i = 0; ok && i < n; i++)
            ok = strcasecmp(f[i], sp->cols[i]) == 0;
        if (!ok) {
            struct buf want = BUF_INIT;
            buf_init(&want, 4096);
            for (size_t i = 0; i < sp->ncols; i++) {
                if (i)
                    buf_putc(&want, ',');
                buf_puts(&want, sp->cols[i]);
            }
            add_error(j, line, "", "import_err_header", want.p, NULL);
            buf_release(&want);
            j->fatal = 1;
            return 1;
        }
        return 0;
    }
    int blank = 1;
    for (size_t i = 0; i < n && blank; i++)
        blank = !*f[i];
    if (blank)
        return 0;
    if (n != sp->ncols) {
        char a[24], b[24];
        snprintf(a, sizeof a, "%zu", sp->ncols);
        snprintf(b, sizeof b, "%zu", n);
        add_error(j, line, "", "import_err_columns", a, b);
        return 0;
    }
    if (j->kind == IMPORT_UNITS)
        check_unit_row(j, line, f);
    else if (j->kind == IMPORT_USERS)
        check_user_row(j, line, f);
    else
        check_case_row(j, line, f);
    return 0;
}

static const char *csv_error_key(int rc)
{
    switch (rc) {
    case CSV_EENCODING:
    case CSV_ENUL:
        return "import_err_encoding";
    case CSV_EUNTERMINATED:
        return "import_err_unterminated";
    case CSV_EQUOTE:
        return "import_err_quote";
    case CSV_EFIELDS:
        return "import_err_fields";
    case CSV_EFIELDLEN:
        return "import_err_fieldlen";
    case CSV_ERECORDS:
        return "import_err_records";
    default:
        return "import_err_internal";
    }
}

/* On the worker pool: decode, parse and check every line. */
static void validate_run(void *arg)
{
    struct import_job *j = arg;
    char *text = NULL;
    size_t len = 0;
    int rc = csv_to_utf8(j->raw, j->raw_len, &text, &len, &j->encoding);
    free(j->raw);
    j->raw = NULL;
    if (rc != CSV_OK) {
        add_error(j, 0, "", csv_error_key(rc), NULL, NULL);
        j->fatal = 1;
        return;
    }
    const struct csv_limits lim = {64, CSV_DEFAULT_MAX_FIELD_BYTES, IMPORT_MAX_ROWS + 1};
    struct csv_error err;
    rc = csv_parse(text, len, &lim, on_row, j, &err);
    free(text);
    if (rc != CSV_OK && rc != CSV_ESTOPPED) {
        add_error(j, err.line, "", csv_error_key(rc), NULL, NULL);
        j->fatal = 1;
        return;
    }
    if (!j->header_seen) {
        add_error(j, 0, "", "import_err_empty", NULL, NULL);
        j->fatal = 1;
    } else if (!j->nerrors && json_array_size(j->rows) == 0) {
        add_error(j, 0, "", "import_err_empty", NULL, NULL);
    }
}

/* ------------------------------------------------------------------------ */
/* The write, and the answer */

static int64_t jint(json_t *o, const char *k)
{
    return (int64_t)json_integer_value(json_object_get(o, k));
}

static int write_units(struct store_tx *tx, struct import_job *j)
{
    json_t *ids = json_object(); /* line -> new id, for parents earlier in the file */
    size_t i;
    json_t *row;
    int rc = RC_OK;
    json_array_foreach(j->rows, i, row)
    {
        int64_t parent = jint(row, "parent_id");
        char key[24];
        if (jint(row, "parent_line")) {
            snprintf(key, sizeof key, "%lld", (long long)jint(row, "parent_line"));
            parent = (int64_t)json_integer_value(json_object_get(ids, key));
        }
        int64_t id = 0;
        rc = tx_import_unit(tx, jstr(row, "region"), jstr(row, "name"), parent,
                            (int)jint(row, "level"), &id);
        if (rc != RC_OK)
            break;
        snprintf(key, sizeof key, "%lld", (long long)jint(row, "line"));
        json_object_set_new(ids, key, json_integer((json_int_t)id));
    }
    json_decref(ids);
    return rc;
}

static int write_users(struct store_tx *tx, struct import_job *j)
{
    size_t i;
    json_t *row;
    json_array_foreach(j->rows, i, row)
    {
        int64_t id = 0;
        json_t *inv = json_object_get(row, "invite");
        const char *region = jstr(row, "region");
        if (tx_user_add(tx, jstr(row, "email"), jstr(row, "name"), NULL, &id) != RC_OK ||
            tx_user_role(tx, id, (unsigned)jint(row, "role"), *region ? region : NULL,
                         jint(row, "unit_id"), 0) != RC_OK ||
            tx_token_create(tx, jstr(inv, "digest"), id, "invite") != RC_OK ||
            tx_outbox_add(tx, jstr(row, "email"), jstr(inv, "subject"), jstr(inv, "body")) !=
                RC_OK)
            return RC_ERROR;
    }
    return RC_OK;
}

static int write_cases(struct store_tx *tx, struct import_job *j)
{
    size_t i;
    json_t *row;
    json_array_foreach(j->rows, i, row)
    {
        struct import_case c = {
            .campaign_id = j->campaign_id,
            .unit_id = jint(row, "unit_id"),
            .track_id = jint(row, "track_id"),
            .user_id = j->user_id,
            .title = jstr(row, "title"),
            .contact_name = jstr(row, "contact_name"),
            .contact_phone = jstr(row, "contact_phone"),
            .contact_email = jstr(row, "contact_email"),
            .tags_text = jstr(row, "tags"),
        };
        json_t *secs = json_object_get(row, "sections");
        for (int s = 0; s < SUBMISSION_SECTIONS; s++)
            c.sections[s] = json_string_value(json_array_get(secs, (size_t)s));
        int rc = tx_import_case(tx, &c, NULL);
        if (rc != RC_OK)
            return rc;
    }
    return RC_OK;
}

static int import_write(struct store_tx *tx, void *arg)
{
    struct import_job *j = arg;
    switch (j->kind) {
    case IMPORT_UNITS:
        return write_units(tx, j);
    case IMPORT_USERS:
        return write_users(tx, j);
    default:
        return write_cases(tx, j);
    }
}

static void job_release(struct import_job *j)
{
    free(j->raw);
    j->raw = NULL;
    json_decref(j->rows);
    json_decref(j->errors);
    json_decref(j->seen);
    j->rows = j->errors = j->seen = NULL;
}

/* When the request ends, however it ends: the parser, the file's bytes, the job's rows. */
static void import_cleanup(struct req *r)
{
    struct import_job *j = r->sink_ctx;
    if (!j)
        return;
    upload_release(&j->up);
    job_release(j);
}

/* At the headers: the kind from the path (404), and the sink for a multipart body. */
static int import_begin(struct web_act *x)
{
    struct req *r = x->r;
    struct web_state *ws = r->app;
    struct import_job *j = x->state;
    j->kind = kind_parse(r->nparams ? r->params[0] : NULL);
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    if (j->kind < 0) {
        ws->early = WEB_NOT_FOUND;
        return 0;
    }
    if (!r->content_type || multipart_boundary(r->content_type, boundary, sizeof boundary) != 0)
        return 0; /* the load answers 415 */
    struct import_upload *u = &j->up;
    u->r = r;
    u->kind = j->kind;
    buf_init(&u->file, IMPORT_MAX_BYTES + 1);
    const struct multipart_cb cb = {u, up_begin, up_data, up_end};
    if (!(u->mp = multipart_new(boundary, &cb)))
        return 400;
    r->sink = import_sink;
    r->sink_ctx = j;
    r->cleanup = import_cleanup;
    /* The file and a little room for the csrf field and the part headers. */
    r->max_body = IMPORT_MAX_BYTES + 64u * 1024u;
    return 0;
}

/* The body whole, a file in it and, for cases, a campaign to import them into. */
static enum result import_load(struct web_act *x)
{
    struct req *r = x->r;
    struct import_job *j = x->state;
    struct import_upload *u = &j->up;
    if (!u->mp) { /* not multipart/form-data (the body, if any, was read as a form) */
        x->status = 415;
        x->error = "err_unsupported";
        return RC_INVALID;
    }
    if (multipart_finish(u->mp) != MULTIPART_OK) {
        x->status = 400;
        x->error = "err_bad_request";
        return RC_INVALID;
    }
    x->page = page_import;
    if (!u->has_file || u->file.len == 0) {
        x->error = "import_err_no_file";
        return RC_INVALID;
    }
    j->campaign_id = store_current_campaign_id(web.store);
    if (j->kind == IMPORT_CASES && !j->campaign_id) {
        x->error = "import_err_no_campaign";
        return RC_STATE;
    }
    x->page = NULL;
    j->lang = r->lang;
    j->user_id = x->user_id;
    j->raw = buf_detach(&u->file, &j->raw_len);
    upload_release(u);
    j->rows = json_array();
    j->errors = json_array();
    j->seen = json_object();
    return RC_OK;
}

/* On the worker pool: check every line, then import the whole file in one write. */
static enum result import_work(void *state)
{
    struct import_job *j = state;
    validate_run(j);
    if (j->nerrors)
        return RC_INVALID;
    int rc = store_write_sync(web.store, import_write, j);
    if (rc != RC_OK) {
        /* A row clashed with a change made meanwhile (an e-mail taken): nothing was kept. */
        json_array_clear(j->errors);
        j->nerrors = 0;
        return rc < 0 ? RC_ERROR : RC_STALE;
    }
    j->ok = 1;
    log_info("import: %s, %zu rows by user %lld", specs[j->kind].slug, json_array_size(j->rows),
             (long long)j->user_id);
    return RC_OK;
}

/* The result page: the count imported, or the table of errors (the running import's). */
static enum web_err page_import_result(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct web_act *x = web_act_of(r);
    struct import_job *j = x && x->a == &act_import ? x->state : NULL;
    if (!j)
        return WEB_NOT_FOUND;
    const struct import_spec *sp = &specs[j->kind];
    json_t *m = json_pack("{s:s,s:s,s:b,s:I,s:s}", "kind", sp->slug, "kind_title",
                          i18n_get(r->lang, sp->title_key), "ok", j->ok, "imported",
                          (json_int_t)(j->ok ? json_array_size(j->rows) : 0), "encoding",
                          j->encoding ? j->encoding : "");
    if (j->errors && json_array_size(j->errors)) {
        json_object_set(m, "errors", j->errors);
        json_object_set_new(m, "has_errors", json_true());
        json_object_set_new(m, "error_count", json_integer((json_int_t)j->nerrors));
        if (j->nerrors > json_array_size(j->errors))
            json_object_set_new(
                m, "more", json_integer((json_int_t)(j->nerrors - json_array_size(j->errors))));
    }
    p->model = m;
    p->template = "import_result";
    p->title = i18n_get(r->lang, "import_result_title");
    return WEB_OK;
}

/* A file with bad lines imports nothing (422); a clash with a change meanwhile, 409. */
static const struct web_refusal import_refusals[] = {
    {RC_INVALID, 422, "import_err_nothing", page_import_result},
    {RC_STALE, 409, "import_err_conflict", page_import_result},
    {RC_OK},
};

const struct web_action act_import = {
    .state_size = sizeof(struct import_job),
    .begin = import_begin,
    .load = import_load,
    .work = import_work,
    .done = page_import_result,
    .refusals = import_refusals,
};
