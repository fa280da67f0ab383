/*
 * review.c — the reviewer's pages (评审): the list of assigned cases by
 * stage, one case to read and score, saving a draft, submitting and
 * revising, declaring a conflict (回避), and the case's attachments.
 * Once the stage is closed, ranked or advanced the reviewer still reads the
 * case and the review as it stands, without a form; every write is a 409.
 *
 * What a reviewer may open is the store's business (store/scoring.h): a released
 * assignment of a released stage, without conflict; everything else is the
 * same neutral 404 as a page that does not exist.  A case is named by its
 * stage's seq and its per-stage label number (/review/3/0123, shown as
 * 复评-0123), never by its id.
 *
 * Blind stages: the models built here are the only thing a reviewer sees,
 * as HTML and as JSON alike, so they are built blind from the start — no
 * unit, region, recommender, contact, case id or case dates ever enter
 * them — and the title, summary and sections are redacted against the
 * case's identity strings (domain/redact.h) before Markdown is rendered.
 * Tags that name the case's places are left out.  Attachments are listed
 * and served as 附件1.pdf, 附件2.docx ... with the type recorded at upload.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jstr.h"
#include "core/utf8.h"
#include "domain/markdown.h"
#include "domain/redact.h"
#include "store/accounts.h"
#include "store/review.h"
#include "store/scoring.h"
#include "web/action.h"
#include "web/review.h"

/* ------------------------------------------------------------ helpers */

/* The label number of a path segment: "0123" or "复评-0123" (digits after the last '-'). */
static int label_of(const char *s)
{
    if (!s)
        return 0;
    const char *dash = strrchr(s, '-');
    const char *d = dash ? dash + 1 : s;
    size_t n = strlen(d);
    if (n == 0 || n > 9 || strspn(d, "0123456789") != n)
        return 0;
    d += strspn(d, "0"); /* labels are written with leading zeros */
    return (int)web_path_id(d);
}

static const char *label_text(struct req *r, const char *stage_name, int no)
{
    return arena_printf(&r->arena, "%s-%04d", stage_name, no);
}

static const char *case_href(struct req *r, int stage_seq, int no)
{
    return arena_printf(&r->arena, "/review/%d/%04d", stage_seq, no);
}

/* The assignment named by the path's first two segments, if the reviewer may open it. */
static int find_ref(struct req *r, struct store_scoring_ref *ref)
{
    const struct store_user *u = web_user(r);
    int64_t seq = r->nparams >= 2 ? web_path_id(r->params[0]) : 0;
    int no = r->nparams >= 2 ? label_of(r->params[1]) : 0;
    if (!u || seq <= 0 || seq > 1000 || no <= 0)
        return RC_NOTFOUND;
    return store_scoring_find(web.store, u->id, (int)seq, no, ref);
}

/* Fill set with the identity strings of a case; 0 or -1. */
static int identity_set(int64_t case_id, struct redact_set *set, json_t **ident_out)
{
    json_t *id = store_scoring_identity(web.store, case_id);
    if (!id)
        return -1;
    const char *anc[32];
    size_t nanc = 0, i;
    json_t *v;
    json_array_foreach(json_object_get(id, "ancestors"), i, v)
    {
        if (nanc < sizeof anc / sizeof anc[0] && json_string_value(v))
            anc[nanc++] = json_string_value(v);
    }
    struct redact_identity ri = {
        .unit = jstr(id, "unit"),
        .ancestors = anc,
        .nancestors = nanc,
        .region = jstr(id, "region"),
        .recommender = jstr(id, "recommender"),
        .contact_name = jstr(id, "contact_name"),
        .contact_phone = jstr(id, "contact_phone"),
        .contact_email = jstr(id, "contact_email"),
    };
    int rc = redact_identities(&ri, set);
    json_array_foreach(json_object_get(id, "people"), i, v)
    {
        const char *s = json_string_value(v);
        if (rc == 0 && s)
            rc = redact_set_add(set, s, strlen(s));
    }
    if (ident_out)
        *ident_out = id;
    else
        json_decref(id);
    return rc;
}

/* s redacted by set as a new JSON string (blind), or s itself. */
static json_t *jredact(const struct redact_set *set, int blind, const char *s)
{
    if (!blind)
        return json_string(s);
    char *out = redact_text(set, s, strlen(s), NULL);
    json_t *j = json_string(out ? out : REDACT_MARK);
    free(out);
    return j;
}

static const char *status_word(struct req *r, const char *status)
{
    if (strcmp(status, "submitted") == 0)
        return i18n_get(r->lang, "scoring_status_submitted");
    if (strcmp(status, "draft") == 0)
        return i18n_get(r->lang, "scoring_status_draft");
    return i18n_get(r->lang, "scoring_status_none");
}

/* A total on 0..100 as text with two decimals, or NULL. */
static json_t *total_text(json_t *total)
{
    if (!json_is_number(total))
        return json_null();
    char b[32];
    snprintf(b, sizeof b, "%.2f", json_number_value(total));
    return json_string(b);
}

/* The date part of a stored date or time. */
static json_t *date_of(const char *s)
{
    return json_stringn(s, strlen(s) < 10 ? strlen(s) : 10);
}

/* ------------------------------------------------------------ GET /review */

enum web_err page_review_list(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    const struct store_user *u = web_user(r);
    if (!u)
        return WEB_UNAUTHORIZED;
    json_t *rows = store_scoring_assignments(web.store, u->id);
    if (!rows)
        return WEB_UNAVAILABLE;
    json_t *stages = json_array();
    json_t *stage = NULL;
    int64_t stage_id = 0;
    int done = 0, total = 0, sdone = 0, stotal = 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        int64_t sid = json_integer_value(json_object_get(row, "stage_id"));
        int blind = json_is_true(json_object_get(row, "blind"));
        int seq = (int)json_integer_value(json_object_get(row, "stage_seq"));
        if (!stage || sid != stage_id) {
            if (stage) {
                json_object_set_new(stage, "done", json_integer(sdone));
                json_object_set_new(stage, "count", json_integer(stotal));
            }
            sdone = stotal = 0;
            stage_id = sid;
            stage =
                json_pack("{s:i,s:s,s:b,s:o,s:b,s:[]}", "seq", seq, "name", jstr(row, "stage_name"),
                          "blind", blind, "deadline", date_of(jstr(row, "ends_at")), "open",
                          json_is_true(json_object_get(row, "open")), "items");
            json_array_append_new(stages, stage);
        }
        struct redact_set set;
        redact_set_init(&set);
        int64_t case_id = json_integer_value(json_object_get(row, "case_id"));
        if (blind && identity_set(case_id, &set, NULL) != 0) {
            redact_set_release(&set);
            json_decref(rows);
            json_decref(stages);
            return WEB_UNAVAILABLE;
        }
        int no = (int)json_integer_value(json_object_get(row, "label_no"));
        const char *st = jstr(row, "status");
        json_t *item = json_pack(
            "{s:s,s:s,s:o,s:s,s:s,s:o,s:b,s:b}", "label",
            label_text(r, jstr(row, "stage_name"), no), "href", case_href(r, seq, no), "title",
            jredact(&set, blind, jstr(row, "title")), "status", *st ? st : "none", "status_word",
            status_word(r, st), "total", total_text(json_object_get(row, "total")), "submitted",
            strcmp(st, "submitted") == 0, "draft", strcmp(st, "draft") == 0);
        redact_set_release(&set);
        json_array_append_new(json_object_get(stage, "items"), item);
        stotal++;
        total++;
        if (strcmp(st, "submitted") == 0) {
            sdone++;
            done++;
        }
    }
    if (stage) {
        json_object_set_new(stage, "done", json_integer(sdone));
        json_object_set_new(stage, "count", json_integer(stotal));
    }
    json_decref(rows);
    p->model =
        json_pack("{s:o,s:{s:i,s:i},s:b,s:b}", "stages", stages, "progress", "done", done, "total",
                  total, "empty", total == 0, "declared", query_get(&r->query, "declared") != NULL);
    p->template = "review";
    p->title = i18n_get(r->lang, "scoring_title");
    return WEB_OK;
}

/* ------------------------------------------------------------ the case page */

/* Whether a tag names the case's unit, places or people (those go in blind stages). */
static int tag_names_place(const struct redact_set *set, const char *tag)
{
    return redact_contains(set, tag, strlen(tag));
}

/* The case's tags (tag table and free text), without those naming places when blind. */
static json_t *tags_model(json_t *c, const struct redact_set *set, int blind)
{
    json_t *out = json_array();
    json_t *all = json_deep_copy(json_object_get(c, "tags"));
    const char *text = jstr(c, "tags_text");
    /* Free-text tags: split at the separators people use. */
    static const char *const seps[] = {",", "，", "、", ";", "；", "|", " ", "　"};
    size_t i = 0, n = strlen(text), start = 0;
    while (i <= n) {
        size_t k = 0;
        if (i < n)
            for (size_t s = 0; s < sizeof seps / sizeof seps[0] && !k; s++)
                if (strncmp(text + i, seps[s], strlen(seps[s])) == 0)
                    k = strlen(seps[s]);
        if (i == n || k) {
            if (i > start)
                json_array_append_new(all, json_stringn(text + start, i - start));
            i += k ? k : 1;
            start = i;
        } else {
            i++;
        }
    }
    json_t *v;
    json_array_foreach(all, i, v)
    {
        const char *t = json_string_value(v);
        if (!t || !*t || (blind && tag_names_place(set, t)))
            continue;
        int dup = 0;
        size_t j;
        json_t *w;
        json_array_foreach(out, j, w) dup |= strcmp(json_string_value(w), t) == 0;
        if (!dup && json_array_size(out) < 16)
            json_array_append_new(out, json_string(t));
    }
    json_decref(all);
    return out;
}

/* A file extension for a recorded type: the name says what it is, nothing more. */
static const char *ext_of(const char *mime)
{
    static const struct {
        const char *mime, *ext;
    } exts[] = {
        {"application/pdf", "pdf"},
        {"image/jpeg", "jpg"},
        {"image/png", "png"},
        {"image/gif", "gif"},
        {"image/webp", "webp"},
        {"text/plain", "txt"},
        {"application/msword", "doc"},
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
        {"application/vnd.ms-excel", "xls"},
        {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
        {"application/vnd.ms-powerpoint", "ppt"},
        {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"},
        {"application/zip", "zip"},
        {"video/mp4", "mp4"},
    };
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (strcmp(mime, exts[i].mime) == 0)
            return exts[i].ext;
    return "bin";
}

/* A score as the form shows it: 8, 8.5. */
static json_t *score_text(double v)
{
    char b[32];
    snprintf(b, sizeof b, "%g", v);
    return json_string(b);
}

/* The message of a refused field (borrowed), or NULL. */
static json_t *refused(json_t *errors, const char *field)
{
    return errors ? json_object_get(errors, field) : NULL;
}

/*
 * The case page's model: the blind (or open) case, the criteria with the
 * values to show, the review's state and, shown again after a refused
 * action, what was typed and why each field was refused.  NULL if the case
 * is gone.
 */
static json_t *case_model(struct req *r, const struct store_scoring_ref *ref)
{
    const struct store_user *u = web_user(r);
    const struct web_act *x = web_act_of(r);
    const struct query *typed = x ? web_form(r) : NULL;
    json_t *errors = x ? x->errors : NULL;
    json_t *c = store_scoring_case(web.store, ref->case_id);
    if (!c)
        return NULL;
    struct redact_set set;
    redact_set_init(&set);
    json_t *ident = NULL;
    if (identity_set(ref->case_id, &set, &ident) != 0) {
        redact_set_release(&set);
        json_decref(ident);
        json_decref(c);
        return NULL;
    }
    int blind = ref->blind;
    const char *href = case_href(r, ref->stage_seq, ref->label_no);
    json_t *m = json_pack("{s:s,s:s,s:{s:i,s:s,s:b,s:o,s:b}}", "label",
                          label_text(r, ref->stage_name, ref->label_no), "href", href, "stage",
                          "seq", ref->stage_seq, "name", ref->stage_name, "blind", blind,
                          "deadline", date_of(ref->ends_at), "open", ref->open);
    json_object_set_new(m, "title", jredact(&set, blind, jstr(c, "title")));
    if (*jstr(c, "summary"))
        json_object_set_new(m, "summary", jredact(&set, blind, jstr(c, "summary")));
    json_object_set_new(m, "track", json_string(jstr(c, "track")));
    json_t *tags = tags_model(c, &set, blind);
    json_object_set_new(m, "has_tags", json_boolean(json_array_size(tags) > 0));
    json_object_set_new(m, "tags", tags);
    if (!blind)
        json_object_set_new(
            m, "identity",
            json_pack("{s:s,s:s}", "unit", jstr(ident, "unit"), "region", jstr(ident, "region")));
    json_decref(ident);

    json_t *sections = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(c, "sections"), i, s)
    {
        const char *md = jstr(s, "body_md");
        if (!*md)
            continue;
        char *red = blind ? redact_text(&set, md, strlen(md), NULL) : NULL;
        const char *src = blind ? (red ? red : "") : md;
        char *html = markdown_to_html(src, strlen(src));
        char key[16];
        snprintf(key, sizeof key, "section_%d", (int)json_integer_value(json_object_get(s, "seq")));
        json_array_append_new(sections, json_pack("{s:s,s:s}", "heading", i18n_get(r->lang, key),
                                                  "body_html", html ? html : ""));
        free(html);
        free(red);
    }
    json_object_set_new(m, "sections", sections);
    redact_set_release(&set);

    json_t *files = json_array();
    json_array_foreach(json_object_get(c, "attachments"), i, s)
    {
        int n = (int)json_integer_value(json_object_get(s, "n"));
        json_int_t size = json_integer_value(json_object_get(s, "size"));
        json_array_append_new(
            files,
            json_pack("{s:s,s:s,s:I}", "name",
                      arena_printf(&r->arena, "%s%d.%s", i18n_get(r->lang, "scoring_attachment"), n,
                                   ext_of(jstr(s, "mime"))),
                      "href", arena_printf(&r->arena, "%s/files/%d", href, n), "size_kb",
                      (json_int_t)((size + 1023) / 1024)));
    }
    json_object_set_new(m, "has_attachments", json_boolean(json_array_size(files) > 0));
    json_object_set_new(m, "attachments", files);
    json_decref(c);

    /* The review as saved, and the form as typed (a failed POST) or as saved. */
    json_t *rv = store_scoring_review(web.store, ref->stage_id, ref->case_id, u->id);
    char st[16];
    snprintf(st, sizeof st, "%s", rv ? jstr(rv, "status") : "");
    json_t *scores = rv ? json_object_get(rv, "scores") : NULL;
    json_t *criteria = store_review_criteria(web.store, ref->stage_id);
    if (!criteria)
        criteria = json_array();
    json_array_foreach(criteria, i, s)
    {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(s, "id")));
        json_object_set_new(s, "field", json_sprintf("score_%s", key));
        json_object_set_new(s, "max_text",
                            score_text(json_number_value(json_object_get(s, "max"))));
        const char *field = json_string_value(json_object_get(s, "field"));
        const char *as_typed = typed ? web_trimmed(r, query_get(typed, field)) : NULL;
        json_t *saved = scores ? json_object_get(scores, key) : NULL;
        if (as_typed)
            json_object_set_new(s, "value", json_string(as_typed));
        else if (json_is_number(saved))
            json_object_set_new(s, "value", score_text(json_number_value(saved)));
        else
            json_object_set_new(s, "value", json_string(""));
        json_t *err = refused(errors, field);
        if (err)
            json_object_set(s, "field_error", err);
    }
    json_object_set_new(m, "criteria", criteria);
    json_object_set_new(m, "has_criteria", json_boolean(json_array_size(criteria) > 0));
    json_object_set_new(
        m, "review",
        json_pack("{s:s,s:s,s:o,s:o,s:b,s:b}", "status", *st ? st : "none", "status_word",
                  status_word(r, st), "total", total_text(rv ? json_object_get(rv, "total") : NULL),
                  "updated_at", rv ? date_of(jstr(rv, "updated_at")) : json_null(), "submitted",
                  strcmp(st, "submitted") == 0, "draft", strcmp(st, "draft") == 0));
    const char *comment = typed ? query_get(typed, "comment") : NULL;
    if (!comment)
        comment = rv ? jstr(rv, "comment") : "";
    json_object_set_new(m, "comment", json_string(comment));
    json_decref(rv);
    /* A stage past its release: the review as it was submitted, no form, and why. */
    json_object_set_new(m, "done", json_boolean(ref->done));
    if (ref->done) {
        char key[48];
        snprintf(key, sizeof key, "campaign_roles_done_%s", ref->stage_state);
        json_object_set_new(m, "done_note", json_string(i18n_get(r->lang, key)));
    }
    json_object_set_new(m, "can_edit", json_boolean(ref->open));
    json_object_set_new(m, "can_save", json_boolean(ref->open && strcmp(st, "submitted") != 0));
    json_object_set_new(m, "comment_max", json_integer(SCORING_COMMENT_MAX));
    json_t *err = refused(errors, "comment");
    if (err)
        json_object_set(m, "comment_error", err);
    const char *reason = typed ? query_get(typed, "reason") : NULL;
    if (reason)
        json_object_set_new(m, "reason", json_string(reason));
    if ((err = refused(errors, "reason")))
        json_object_set(m, "reason_error", err);
    json_object_set_new(m, "saved", json_boolean(query_get(&r->query, "saved") != NULL));
    json_object_set_new(m, "submitted_ok", json_boolean(query_get(&r->query, "submitted") != NULL));
    return m;
}

enum web_err page_review_case(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct store_scoring_ref ref;
    if (find_ref(r, &ref) != RC_OK)
        return WEB_NOT_FOUND;
    json_t *m = case_model(r, &ref);
    if (!m)
        return WEB_NOT_FOUND;
    p->model = m;
    p->template = "review_case";
    p->title = label_text(r, ref.stage_name, ref.label_no);
    return WEB_OK;
}

/* ------------------------------------------------------------ POST: save, submit, conflict */

/* A review or a conflict on its way to the writer. */
struct review_act {
    struct store_scoring_ref ref;
    struct scoring_save save;
    const char *reason; /* a conflict's */
};

/* The assignment named by the path, if the reviewer may open it (else 404). */
static enum result review_load(struct web_act *x)
{
    struct review_act *a = x->state;
    enum result rc = find_ref(x->r, &a->ref);
    a->save.user_id = x->user_id;
    return rc;
}

/* The weighted total on 0..100: Σ score/max × weight / Σ weight × 100 (equal weights if all 0). */
static double weighted_total(json_t *criteria, const double *score)
{
    double sw = 0, acc = 0;
    size_t i;
    json_t *c;
    json_array_foreach(criteria, i, c) sw += json_number_value(json_object_get(c, "weight"));
    json_array_foreach(criteria, i, c)
    {
        double max = json_number_value(json_object_get(c, "max"));
        double wt = sw > 0 ? json_number_value(json_object_get(c, "weight")) : 1;
        acc += max > 0 ? score[i] / max * wt : 0;
    }
    double total = acc / (sw > 0 ? sw : (double)json_array_size(criteria)) * 100;
    return round(total * 10000) / 10000;
}

/*
 * The stage takes scores, a draft does not replace a submitted review, and
 * each criterion's score_<id> is a number in 0..its max (every one for a
 * submission): the review to save, with its total when all are scored.
 */
static enum result score_check(struct web_act *x)
{
    struct review_act *a = x->state;
    struct req *r = x->r;
    if (a->ref.done || !a->ref.open) {
        x->error = a->ref.done ? "campaign_roles_stage_done" : "scoring_closed";
        return RC_CLOSED;
    }
    int submit = strcmp(web_text(x, "action"), "submit") == 0;
    json_t *rv = store_scoring_review(web.store, a->ref.stage_id, a->ref.case_id, x->user_id);
    int was_submitted = rv && strcmp(jstr(rv, "status"), "submitted") == 0;
    json_decref(rv);
    if (!submit && was_submitted) {
        x->error = "scoring_already_submitted";
        return RC_STATE;
    }
    json_t *criteria = store_review_criteria(web.store, a->ref.stage_id);
    size_t n = criteria ? json_array_size(criteria) : 0;
    int64_t *ids = arena_alloc(&r->arena, (n + 1) * sizeof *ids);
    double *all = arena_alloc(&r->arena, (n + 1) * sizeof *all);
    double *vals = arena_alloc(&r->arena, (n + 1) * sizeof *vals);
    if (!criteria || !ids || !all || !vals) {
        json_decref(criteria);
        return RC_ERROR;
    }
    size_t have = 0, i;
    json_t *c;
    json_array_foreach(criteria, i, c)
    {
        int64_t id = json_integer_value(json_object_get(c, "id"));
        struct web_field f = {arena_printf(&r->arena, "score_%lld", (long long)id), WEB_F_NUMBER,
                              0, 0, json_number_value(json_object_get(c, "max")), NULL,
                              "scoring_score_range"};
        struct web_value v;
        if (!f.name || web_read_field(x, &f, &v) != RC_OK)
            continue;
        if (!v.given) {
            if (submit)
                web_refuse_field(x, f.name, "scoring_score_missing");
            continue;
        }
        ids[have] = id;
        vals[have++] = v.n;
        all[i] = v.n;
    }
    if (x->errors || (submit && n == 0)) {
        x->error = x->errors ? "scoring_has_errors" : "scoring_no_criteria";
        json_decref(criteria);
        return RC_INVALID;
    }
    const char *comment = web_text(x, "comment");
    a->save = (struct scoring_save){
        .stage_id = a->ref.stage_id,
        .case_id = a->ref.case_id,
        .user_id = x->user_id,
        .submit = submit,
        .comment = comment ? comment : "",
        .n = have,
        .criterion = ids,
        .score = vals,
        .has_total = n > 0 && have == n,
        .total = n > 0 && have == n ? weighted_total(criteria, all) : 0,
    };
    json_decref(criteria);
    x->next = arena_printf(&r->arena, "%s?%s=1", case_href(r, a->ref.stage_seq, a->ref.label_no),
                           submit ? "submitted" : "saved");
    return RC_OK;
}

static int score_write(struct store_tx *tx, void *arg)
{
    struct review_act *a = arg;
    return tx_scoring_save(tx, &a->save);
}

static const char *const score_verbs[] = {"save", "submit", NULL};

static const struct web_field score_fields[] = {
    {"action", WEB_F_CHOICE, WEB_F_REQUIRED, 0, 0, score_verbs, "scoring_bad_action"},
    {"comment", WEB_F_TEXT, 0, 0, SCORING_COMMENT_MAX, NULL, "scoring_comment_long"},
    {NULL},
};

/*
 * An assignment taken away meanwhile (RC_GONE) finds no page to show the
 * refusal on: the neutral 404, as for any case not the reviewer's.
 */
const struct web_action act_review_score = {
    .fields = score_fields,
    .state_size = sizeof(struct review_act),
    .load = review_load,
    .check = score_check,
    .write = score_write,
    .page = page_review_case,
    .refusals = (const struct web_refusal[]){{RC_CLOSED, 0, "scoring_closed", NULL}, {RC_OK}},
};

static enum result conflict_check(struct web_act *x)
{
    struct review_act *a = x->state;
    a->reason = web_text(x, "reason");
    if (a->ref.done) {
        x->error = "campaign_roles_stage_done";
        return RC_CLOSED;
    }
    return RC_OK;
}

static int conflict_write(struct store_tx *tx, void *arg)
{
    struct review_act *a = arg;
    return tx_scoring_conflict(tx, a->ref.stage_id, a->ref.case_id, a->save.user_id, a->reason);
}

static const struct web_field conflict_fields[] = {
    {"reason", WEB_F_TEXT, WEB_F_REQUIRED, 0, SCORING_REASON_MAX, NULL,
     "scoring_conflict_missing"},
    {NULL},
};

const struct web_action act_review_conflict = {
    .fields = conflict_fields,
    .state_size = sizeof(struct review_act),
    .load = review_load,
    .check = conflict_check,
    .write = conflict_write,
    .next = "/review?declared=1",
    .page = page_review_case,
    .refusals = (const struct web_refusal[]){{RC_CLOSED, 0, "scoring_closed", NULL}, {RC_OK}},
};

/* ------------------------------------------------------------ GET: attachment n */

void raw_review_file(struct req *r, struct resp *w)
{
    struct store_scoring_ref ref;
    int64_t n = r->nparams >= 3 ? web_path_id(r->params[2]) : 0;
    char sha[65], mime[128];
    if (n <= 0 || n > 1000 || find_ref(r, &ref) != RC_OK ||
        store_scoring_attachment(web.store, ref.case_id, (int)n, sha, mime) != RC_OK) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    /* The name says only which attachment it is: 附件1.pdf (attachment-1.pdf for old agents). */
    const char *ext = ext_of(mime);
    const char *word = i18n_get(LANG_ZH, "scoring_attachment");
    struct buf b = BUF_INIT;
    buf_init(&b, 1024);
    buf_printf(&b, "attachment; filename=\"attachment-%d.%s\"; filename*=UTF-8''", (int)n, ext);
    buf_url(&b, word, strlen(word));
    buf_printf(&b, "%d.%s", (int)n, ext);
    const char *disp = b.oom ? "attachment" : arena_strndup(&r->arena, b.p, b.len);
    buf_release(&b);
    web_send_file(r, w, sha, strcmp(ext, "bin") == 0 ? "application/octet-stream" : mime,
                  disp ? disp : "attachment", "private, no-store");
}
