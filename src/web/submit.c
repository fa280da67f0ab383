/*
 * submit.c — the submitting unit's pages: its list of cases, the edit form
 * built from the case template, the preview, the status path, and the
 * actions save, submit and withdraw.
 *
 * A submitter is bound to one unit and sees only that unit's cases of the
 * current campaign; any other id answers 404, as if it did not exist.  The
 * rules are the domain's (domain/submission.h): lengths in characters,
 * required sections and the minimum total to submit, the status machine.
 * The server enforces the deadline (the campaign's closes_at, or a case's
 * correction_due while in correction) whatever the page showed, and every
 * status change is compare-and-set in the store, so two concurrent actions
 * cannot both win: the loser gets 409.  The form works without JavaScript;
 * static/submit.js only adds live character counters.
 *
 * The actions are declared (action.h): their fields are parsed with the
 * domain's limits before any code here runs; `check` applies the domain's
 * rules (submission_check, the tags, the contact) and names each refused
 * field, and a refused form is the edit page again, at 409 or 422, with the
 * values as typed and the message beside each field.
 */
#include <stdlib.h>
#include <string.h>

#include "core/jstr.h"
#include "core/utf8.h"
#include "domain/markdown.h"
#include "domain/submission.h"
#include "store/accounts.h"
#include "store/campaign.h"
#include "store/intake.h"
#include "store/submissions.h"
#include "web/action.h"
#include "web/intake.h"
#include "web/submit.h"

#define CONTACT_NAME_MAX 40
#define CONTACT_PHONE_MAX 20
#define CONTACT_EMAIL_MAX 254
#define TAG_MAX 16
#define TAGS_TEXT_MAX 200
#define TRACK_SLUG_MAX 64

/* ------------------------------------------------------------ shared */

json_t *submit_own_case(struct req *r)
{
    const struct store_user *u = web_user(r);
    int64_t id = r->nparams ? web_path_id(r->params[0]) : 0;
    if (!u || !(u->roles & ROLE_SUBMITTER) || id <= 0)
        return NULL;
    json_t *c = store_submission(web.store, id);
    if (!c)
        return NULL;
    if (json_integer_value(json_object_get(c, "unit_id")) != u->unit_id ||
        json_integer_value(json_object_get(c, "campaign_id")) !=
            store_current_campaign_id(web.store)) {
        json_decref(c);
        return NULL;
    }
    return c;
}

/* The campaign window for drafts: open, and today within opens_at..closes_at. */
static const char *campaign_window(const char *status, const char *opens_at,
                                   const char *closes_at)
{
    char today[11];
    submission_today(today);
    if (strcmp(status, "open") != 0)
        return "submit_err_closed";
    if (*opens_at && !submission_before(opens_at, today))
        return "submit_err_not_open";
    if (!*closes_at || !submission_before(today, closes_at))
        return "submit_err_deadline";
    return NULL;
}

const char *submit_window(json_t *c, int status)
{
    if (status == CASE_CORRECTION) {
        char today[11];
        submission_today(today);
        const char *due = jstr(c, "correction_due");
        return *due && !submission_before(today, due) ? "submit_err_correction_over" : NULL;
    }
    json_t *k = json_object_get(c, "campaign");
    return campaign_window(jstr(k, "status"), jstr(k, "opens_at"), jstr(k, "closes_at"));
}

const char *submit_edit_block(json_t *c)
{
    int status = case_status_parse(jstr(c, "status"));
    if (status < 0 || !case_editable((enum case_status)status))
        return "submit_err_locked";
    return submit_window(c, status);
}

static json_t *status_text(struct req *r, const char *status)
{
    char key[48];
    snprintf(key, sizeof key, "status_%s", status);
    return json_string(i18n_get(r->lang, key));
}

/* "1.5 MB", "320 KB", "12 B". */
static json_t *size_text(int64_t n)
{
    if (n >= 1 << 20)
        return json_sprintf("%.1f MB", (double)n / (1 << 20));
    if (n >= 1 << 10)
        return json_sprintf("%.0f KB", (double)n / (1 << 10));
    return json_sprintf("%lld B", (long long)n);
}

/* A file's kind in words ("PDF 文件"), from its type as stored. */
static const char *file_kind(struct req *r, const char *mime)
{
    static const struct {
        const char *mime, *key;
    } kinds[] = {
        {"application/pdf", "submit_kind_pdf"},
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "submit_kind_word"},
        {"image/jpeg", "submit_kind_image"},
        {"image/png", "submit_kind_image"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(mime, kinds[i].mime) == 0)
            return i18n_get(r->lang, kinds[i].key);
    return i18n_get(r->lang, "submit_kind_other");
}

/* ------------------------------------------------------------ the form */

/* The fields of a submitted form, normalised (CRLF as LF, single lines trimmed). */
struct form_in {
    const char *title, *track, *tags, *contact_name, *contact_phone, *contact_email;
    const char *sections[SUBMISSION_SECTIONS];
};

/* What is wrong with a form, as message keys (NULL: fine). */
struct form_errors {
    struct submission_check check;
    const char *tags;
    const char *contact; /* format errors beside check.contact */
    int any;
};

/* A copy of s with CRLF and lone CR as LF; single-line fields also lose control characters. */
static const char *normalise(struct req *r, const char *s, int single_line)
{
    if (!s)
        return "";
    size_t n = strlen(s);
    char *out = arena_alloc(&r->arena, n + 1);
    if (!out)
        return "";
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\r') {
            if (s[i + 1] == '\n')
                continue;
            ch = '\n';
        }
        if (single_line && (ch < 0x20 || ch == 0x7f))
            ch = ' ';
        else if (!single_line && ch < 0x20 && ch != '\n' && ch != '\t')
            continue;
        out[j++] = (char)ch;
    }
    out[j] = 0;
    if (single_line) {
        char *p = out;
        while (*p == ' ')
            p++;
        size_t m = strlen(p);
        while (m && p[m - 1] == ' ')
            p[--m] = 0;
        return p;
    }
    return out;
}

static size_t chars(const char *s)
{
    return utf8_count(s, strlen(s));
}

/* Tags are separated by spaces, commas (, ，) or 、 ; ；. Returns an error key or NULL. */
static const char *check_tags(const char *s)
{
    static const char *const seps[] = {" ", ",", ";", "\xef\xbc\x8c", "\xe3\x80\x81",
                                       "\xef\xbc\x9b"};
    if (chars(s) > TAGS_TEXT_MAX)
        return "submit_err_tags_many";
    int count = 0;
    size_t run = 0;
    for (const char *p = s;;) {
        size_t sep = 0;
        for (size_t i = 0; i < sizeof seps / sizeof seps[0] && *p; i++)
            if (strncmp(p, seps[i], strlen(seps[i])) == 0)
                sep = strlen(seps[i]);
        if (!*p || sep) {
            if (run) {
                count++;
                if (run > TAG_MAX)
                    return "submit_err_tag_long";
            }
            run = 0;
            if (!*p)
                break;
            p += sep;
            continue;
        }
        size_t i = 0;
        utf8_next(p, strlen(p), &i);
        p += i;
        run++;
    }
    return count > SUBMISSION_TAGS_MAX ? "submit_err_tags_many" : NULL;
}

static const char *check_contact(const struct form_in *in)
{
    if (chars(in->contact_name) > CONTACT_NAME_MAX)
        return "submit_err_contact_name";
    if (strlen(in->contact_phone) > CONTACT_PHONE_MAX ||
        strspn(in->contact_phone, "0123456789+-() ") != strlen(in->contact_phone))
        return "submit_err_contact_phone";
    const char *e = in->contact_email, *at = strchr(e, '@');
    if (*e && (strlen(e) > CONTACT_EMAIL_MAX || !at || at == e || !at[1] || strchr(e, ' ') ||
               strchr(at + 1, '@')))
        return "submit_err_contact_email";
    return NULL;
}

/* 1 if slug names a track of the campaign (tracks: [{slug, name}]). */
static int track_known(json_t *tracks, const char *slug)
{
    size_t i;
    json_t *t;
    json_array_foreach(tracks, i, t) if (strcmp(jstr(t, "slug"), slug) == 0) return 1;
    return 0;
}

/* The form fields of the sections, in order. */
static const char *const section_fields[SUBMISSION_SECTIONS] = {"s1", "s2", "s3", "s4", "s5"};

/* The form as typed (the action's values), single lines without control characters. */
static void form_of_act(const struct web_act *x, struct form_in *in)
{
    in->title = normalise(x->r, web_text(x, "title"), 1);
    in->track = normalise(x->r, web_text(x, "track"), 1);
    in->tags = normalise(x->r, web_text(x, "tags"), 1);
    in->contact_name = normalise(x->r, web_text(x, "contact_name"), 1);
    in->contact_phone = normalise(x->r, web_text(x, "contact_phone"), 1);
    in->contact_email = normalise(x->r, web_text(x, "contact_email"), 1);
    for (int i = 0; i < SUBMISSION_SECTIONS; i++)
        in->sections[i] = normalise(x->r, web_text(x, section_fields[i]), 0);
}

/* The form as stored in c. */
static void form_of_case(json_t *c, struct form_in *in)
{
    in->title = jstr(c, "title");
    in->track = jstr(c, "track");
    in->tags = jstr(c, "tags_text");
    in->contact_name = jstr(c, "contact_name");
    in->contact_phone = jstr(c, "contact_phone");
    in->contact_email = jstr(c, "contact_email");
    json_t *s = json_object_get(c, "sections");
    for (int i = 0; i < SUBMISSION_SECTIONS; i++) {
        const char *v = json_string_value(json_array_get(s, (size_t)i));
        in->sections[i] = v ? v : "";
    }
}

static void check_form(const struct form_in *in, json_t *tracks, int for_submit,
                       struct form_errors *e)
{
    memset(e, 0, sizeof *e);
    submission_check(in->title, in->track, in->contact_name, in->contact_phone, in->sections,
                     for_submit, &e->check);
    /* A draft may be saved without a title; only its length counts. */
    if (!for_submit && e->check.title && strcmp(e->check.title, "check_title_missing") == 0)
        e->check.title = NULL;
    if (!e->check.track && *in->track && !track_known(tracks, in->track))
        e->check.track = "submit_err_track_unknown";
    e->tags = check_tags(in->tags);
    e->contact = check_contact(in);
    e->any = e->tags || e->contact || e->check.title || e->check.track || e->check.contact ||
             e->check.total;
    for (int i = 0; i < SUBMISSION_SECTIONS; i++)
        if (e->check.section[i])
            e->any = 1;
}

/* Refuse each field that e names, beside the field; RC_INVALID if any, else RC_OK. */
static enum result refuse_form(struct web_act *x, const struct form_errors *e)
{
    if (!e->any)
        return RC_OK;
    x->error = "submit_has_errors";
    const struct {
        const char *field, *key;
    } refused[] = {
        {"title", e->check.title},
        {"track", e->check.track},
        {"tags", e->tags},
        {"contact", e->check.contact ? e->check.contact : e->contact},
        {"total", e->check.total},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (refused[i].key)
            web_refuse_field(x, refused[i].field, refused[i].key);
    for (int i = 0; i < SUBMISSION_SECTIONS; i++)
        if (e->check.section[i])
            web_refuse_field(x, section_fields[i], e->check.section[i]);
    return RC_INVALID;
}

static void set_msg(struct req *r, json_t *o, const char *field, const char *key)
{
    if (key)
        json_object_set_new(o, field, json_string(i18n_get(r->lang, key)));
}

/*
 * The edit page's model for case c (borrowed), showing the values of `in`
 * (the stored ones when NULL) and the messages of `errors` ({field:
 * message}, borrowed; none when NULL), each section's beside it.
 */
static json_t *edit_model(struct req *r, json_t *c, const struct form_in *in, json_t *errors)
{
    struct form_in stored;
    if (!in) {
        form_of_case(c, &stored);
        in = &stored;
    }
    int64_t id = json_integer_value(json_object_get(c, "id"));
    const char *status = jstr(c, "status");
    int st = case_status_parse(status);
    const char *block = submit_edit_block(c);
    int withdrawable = st == CASE_SUBMITTED && !submit_window(c, st);

    json_t *k = store_current_campaign(web.store);
    json_t *tracks = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(k, "tracks"), i, t)
        json_array_append_new(tracks, json_pack("{s:s,s:s,s:b}", "slug", jstr(t, "slug"), "name",
                                                jstr(t, "name"),
                                                "selected", strcmp(jstr(t, "slug"), in->track) == 0));

    json_t *sections = json_array();
    size_t total = 0;
    for (int s = 0; s < SUBMISSION_SECTIONS; s++) {
        size_t n = chars(in->sections[s]);
        total += n;
        json_t *o = json_pack("{s:i,s:s,s:s,s:i,s:I,s:s,s:b,s:b}", "seq", s + 1, "field",
                              s == 0   ? "s1"
                              : s == 1 ? "s2"
                              : s == 2 ? "s3"
                              : s == 3 ? "s4"
                                       : "s5",
                              "name", submission_section_names[s], "max",
                              submission_section_max[s], "count", (json_int_t)n, "body",
                              in->sections[s], "required", submission_section_required[s],
                              "over", (int)n > submission_section_max[s]);
        json_t *err = json_object_get(errors, section_fields[s]);
        if (err)
            json_object_set(o, "error", err);
        json_array_append_new(sections, o);
    }

    json_t *files = json_array();
    json_array_foreach(json_object_get(c, "attachments"), i, t)
        json_array_append_new(
            files, json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:s}", "id",
                             (json_int_t)json_integer_value(json_object_get(t, "id")), "name",
                             jstr(t, "name"), "mime", jstr(t, "mime"), "size_text",
                             size_text(json_integer_value(json_object_get(t, "size"))), "url",
                             json_sprintf("/files/%s", jstr(t, "sha256")), "delete_url",
                             json_sprintf("/submit/%lld/attachments/%lld/delete", (long long)id,
                                          (long long)json_integer_value(json_object_get(t, "id"))),
                             "created_on", jstr(t, "created_on")));
    json_array_foreach(files, i, t)
        json_object_set_new(t, "kind", json_string(file_kind(r, jstr(t, "mime"))));
    int nfiles = (int)json_integer_value(json_object_get(c, "files"));
    json_t *rules = json_object_get(k, "rules");
    int files_min = (int)json_integer_value(json_object_get(rules, "attachments_min"));

    json_t *m = json_pack(
        "{s:I,s:s,s:s,s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)id,
        "title", in->title, "status", status, "status_text", status_text(r, status), "track",
        in->track, "tags", in->tags, "contact_name", in->contact_name, "contact_phone",
        in->contact_phone, "contact_email", in->contact_email, "unit_name", jstr(c, "unit_name"),
        "updated_on", jstr(c, "updated_on"), "submitted_on", jstr(c, "submitted_on"),
        "correction_due", jstr(c, "correction_due"), "closes_at",
        jstr(json_object_get(c, "campaign"), "closes_at"));
    json_object_set_new(m, "editable", json_boolean(!block));
    json_object_set_new(m, "is_correction", json_boolean(st == CASE_CORRECTION));
    json_object_set_new(m, "can_withdraw", json_boolean(withdrawable));
    if (block)
        set_msg(r, m, "locked_message", block);
    json_object_set_new(m, "tracks", tracks);
    json_object_set_new(m, "sections", sections);
    json_object_set_new(m, "total_count", json_integer((json_int_t)total));
    json_object_set_new(m, "total_max", json_integer(SUBMISSION_TOTAL_MAX));
    json_object_set_new(m, "total_min", json_integer(SUBMISSION_TOTAL_MIN));
    json_object_set_new(m, "total_over", json_boolean(total > SUBMISSION_TOTAL_MAX));
    json_object_set_new(m, "title_max", json_integer(SUBMISSION_TITLE_MAX));
    json_object_set_new(m, "tags_max", json_integer(SUBMISSION_TAGS_MAX));
    json_object_set_new(m, "has_errors", json_boolean(json_object_size(errors) > 0));
    json_object_set_new(m, "errors", errors ? json_incref(errors) : json_object());
    json_object_set_new(m, "attachments", files);
    json_object_set_new(m, "can_upload",
                        json_boolean(!block && nfiles < SUBMISSIONS_MAX_FILES));
    json_object_set_new(m, "max_files", json_integer(SUBMISSIONS_MAX_FILES));
    json_object_set_new(m, "max_file_mb", json_integer(SUBMISSIONS_MAX_FILE_BYTES >> 20));
    json_object_set_new(m, "max_case_mb", json_integer(SUBMISSIONS_MAX_CASE_BYTES >> 20));
    json_object_set_new(m, "used_text",
                        size_text(json_integer_value(json_object_get(c, "bytes"))));
    json_object_set_new(m, "files", json_integer(nfiles));
    json_object_set_new(m, "files_min", json_integer(files_min));
    json_object_set_new(m, "files_note", json_string(jstr(rules, "attachments_note")));
    json_object_set_new(m, "files_missing", json_integer(nfiles < files_min ? files_min - nfiles : 0));
    json_decref(k);
    const char *done = query_get(&r->query, "done");
    if (done && (strcmp(done, "saved") == 0 || strcmp(done, "uploaded") == 0 ||
                 strcmp(done, "withdrawn") == 0 || strcmp(done, "removed") == 0)) {
        char key[40];
        snprintf(key, sizeof key, "submit_done_%s", done);
        set_msg(r, m, "notice", key);
    }
    return m;
}

static const char *case_title(struct req *r, json_t *c)
{
    const char *t = jstr(c, "title");
    return *t ? t : i18n_get(r->lang, "submit_untitled");
}

/*
 * 1 if a unit with these cases may start no other under a rule of
 * `per_unit` cases (0: no limit): the cases it has sent and not had
 * refused or returned count, as they do when a case is submitted.
 */
static int unit_full(int per_unit, json_t *cases)
{
    static const char *const counted[] = {"submitted", "recommended", "passed", "correction",
                                          "published"};
    if (per_unit <= 0)
        return 0;
    int n = 0;
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) for (size_t k = 0; k < sizeof counted / sizeof *counted; k++)
        n += strcmp(jstr(c, "status"), counted[k]) == 0;
    return n >= per_unit;
}

/* ------------------------------------------------------------ pages */

enum web_err page_submit_list(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    const struct store_user *u = web_user(r);
    json_t *k = store_current_campaign(web.store);
    json_t *m = json_pack("{s:s,s:b}", "unit_name", u->unit_name, "has_campaign", k != NULL);
    if (k) {
        const char *closed =
            campaign_window(jstr(k, "status"), jstr(k, "opens_at"), jstr(k, "closes_at"));
        json_object_set_new(m, "campaign",
                            json_pack("{s:s,s:s,s:b}", "name", jstr(k, "name"), "closes_at",
                                      jstr(k, "closes_at"), "open", !closed));
        if (closed)
            set_msg(r, m, "closed_message", closed);
        json_object_set_new(m, "can_create", json_boolean(!closed));
        json_t *cases = store_unit_cases(web.store, json_integer_value(json_object_get(k, "id")),
                                         u->unit_id);
        int per_unit = (int)json_integer_value(json_object_get(json_object_get(k, "rules"),
                                                               "cases_per_unit"));
        json_object_set_new(m, "cases_per_unit", json_integer(per_unit));
        if (!closed && unit_full(per_unit, cases)) {
            set_msg(r, m, "limit_message", "submit_err_unit_limit_new");
            json_object_set_new(m, "can_create", json_false());
        }
        size_t i;
        json_t *c;
        json_array_foreach(cases, i, c)
        {
            int64_t id = json_integer_value(json_object_get(c, "id"));
            const char *status = jstr(c, "status");
            int st = case_status_parse(status);
            json_object_set_new(c, "status_text", status_text(r, status));
            json_object_set_new(c, "display_title", json_string(case_title(r, c)));
            json_object_set_new(c, "url", json_sprintf("/submit/%lld", (long long)id));
            json_object_set_new(c, "editable",
                                json_boolean(st >= 0 && case_editable((enum case_status)st) &&
                                             (st == CASE_CORRECTION || !closed)));
        }
        json_object_set_new(m, "has_cases", json_boolean(json_array_size(cases) > 0));
        json_object_set_new(m, "cases", cases ? cases : json_array());
        json_decref(k);
    }
    p->model = m;
    p->template = "submit_list";
    p->title = i18n_get(r->lang, "submit_list_title");
    return WEB_OK;
}

/*
 * The newest reason of a return, correction or rejection, with the due date of a
 * correction, for the top of the case's pages; NULL in any other status.
 */
static json_t *case_alert(struct req *r, json_t *c, json_t *events)
{
    const char *status = jstr(c, "status");
    int st = case_status_parse(status);
    if (st != CASE_RETURNED && st != CASE_CORRECTION && st != CASE_REJECTED)
        return NULL;
    const char *reason = "";
    for (size_t j = json_array_size(events); j-- > 0;) {
        json_t *e = json_array_get(events, j);
        if (strcmp(jstr(e, "to"), status) == 0) {
            reason = jstr(e, "reason");
            break;
        }
    }
    return json_pack("{s:o,s:s,s:s}", "title", status_text(r, status), "reason", reason, "due",
                     st == CASE_CORRECTION ? jstr(c, "correction_due") : "");
}

enum web_err page_submit_edit(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *c = submit_own_case(r);
    if (!c)
        return WEB_NOT_FOUND;
    /* A refused save or submission: the form as typed, with its errors. */
    struct web_act *x = web_act_of(r);
    const char *action = x && x->a == &act_submit_case ? web_text(x, "action") : NULL;
    struct form_in typed;
    const struct form_in *shown = NULL;
    if (x && x->a == &act_submit_case && !(action && strcmp(action, "withdraw") == 0)) {
        form_of_act(x, &typed);
        if (!*typed.track)
            typed.track = jstr(c, "track");
        shown = &typed;
    }
    p->model = edit_model(r, c, shown, x ? x->errors : NULL);
    json_t *events = store_case_events(web.store, json_integer_value(json_object_get(c, "id")));
    json_t *alert = case_alert(r, c, events);
    json_decref(events);
    if (alert)
        json_object_set_new(p->model, "alert", alert);
    p->template = "submit_edit";
    p->title = arena_strdup(&r->arena, case_title(r, c));
    json_decref(c);
    return WEB_OK;
}

enum web_err page_submit_preview(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *c = submit_own_case(r);
    if (!c)
        return WEB_NOT_FOUND;
    json_t *sections = json_array();
    json_t *bodies = json_object_get(c, "sections");
    for (int s = 0; s < SUBMISSION_SECTIONS; s++) {
        const char *md = json_string_value(json_array_get(bodies, (size_t)s));
        if (!md || !*md)
            continue;
        char *html = markdown_to_html(md, strlen(md));
        json_array_append_new(sections, json_pack("{s:s,s:s}", "heading",
                                                  submission_section_names[s], "body_html",
                                                  html ? html : ""));
        free(html);
    }
    json_t *files = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(c, "attachments"), i, t)
        json_array_append_new(files,
                              json_pack("{s:s,s:o,s:o}", "name", jstr(t, "name"), "url",
                                        json_sprintf("/files/%s", jstr(t, "sha256")), "size_text",
                                        size_text(json_integer_value(json_object_get(t, "size")))));
    const char *status = jstr(c, "status");
    p->model = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:o,s:o,s:b}", "id",
                         (json_int_t)json_integer_value(json_object_get(c, "id")), "title",
                         case_title(r, c), "unit_name", jstr(c, "unit_name"), "region_name",
                         jstr(c, "region_name"), "track_name", jstr(c, "track_name"), "status",
                         status, "status_text", status_text(r, status), "tags",
                         jstr(c, "tags_text"), "sections", sections, "attachments", files,
                         "has_attachments", json_array_size(files) > 0);
    p->template = "submit_preview";
    p->title = arena_strdup(&r->arena, case_title(r, c));
    json_decref(c);
    return WEB_OK;
}

/* How far along the path draft → submitted → recommended → screened a status is. */
static int path_step(int st)
{
    switch (st) {
    case CASE_DRAFT:
        return 0;
    case CASE_SUBMITTED:
    case CASE_RETURNED:
        return 1;
    case CASE_RECOMMENDED:
    case CASE_CORRECTION:
        return 2;
    default:
        return 3;
    }
}

enum web_err page_submit_status(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *c = submit_own_case(r);
    if (!c)
        return WEB_NOT_FOUND;
    int64_t id = json_integer_value(json_object_get(c, "id"));
    const char *status = jstr(c, "status");
    int st = case_status_parse(status);
    json_t *events = store_case_events(web.store, id);
    if (!events)
        events = json_array();

    /* The path, each step with the date it was last reached. */
    static const char *const steps[] = {"draft", "submitted", "recommended", "passed"};
    json_t *path = json_array();
    int here = path_step(st);
    for (int s = 0; s < 4; s++) {
        const char *reached = st == CASE_REJECTED && s == 3 ? "rejected"
                              : st == CASE_PUBLISHED && s == 3 ? "published"
                                                               : steps[s];
        const char *on = "";
        size_t i;
        json_t *e;
        json_array_foreach(events, i, e) if (strcmp(jstr(e, "to"), reached) == 0) on =
            jstr(e, "on");
        char key[40];
        snprintf(key, sizeof key, "submit_step_%s", s == 3 && st != CASE_REJECTED &&
                                                            st != CASE_PUBLISHED
                                                        ? "screened"
                                                        : reached);
        json_array_append_new(path, json_pack("{s:s,s:s,s:b,s:b}", "name",
                                              i18n_get(r->lang, key), "on", on, "done", s < here,
                                              "current", s == here));
    }

    /* Events in words; the newest reason of a return, correction or rejection up front. */
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        const char *from = jstr(e, "from"), *to = jstr(e, "to");
        json_object_set_new(e, "from_text", *from ? status_text(r, from) : json_string(""));
        json_object_set_new(e, "to_text", status_text(r, to));
    }
    json_t *alert = case_alert(r, c, events);
    json_t *m = json_pack("{s:I,s:s,s:s,s:o,s:s,s:o,s:o}", "id", (json_int_t)id, "title",
                          case_title(r, c), "status", status, "status_text", status_text(r, status),
                          "submitted_on", jstr(c, "submitted_on"), "path", path, "events", events);
    if (alert)
        json_object_set_new(m, "alert", alert);
    p->model = m;
    p->template = "submit_status";
    p->title = arena_strdup(&r->arena, case_title(r, c));
    json_decref(c);
    return WEB_OK;
}

/* ------------------------------------------------------------ actions */

/* A new draft of the unit in the current campaign. */
struct create_job {
    int64_t campaign_id, unit_id, user_id, id;
    char region[8];
    char next[40]; /* filled by the write: the new case's page */
};

/* The campaign takes drafts now (409 with why, if not). */
static enum result create_check(struct web_act *x)
{
    struct create_job *j = x->state;
    const struct store_user *u = web_user(x->r);
    json_t *k = store_current_campaign(web.store);
    if (!k) {
        x->error = "submit_err_closed";
        return RC_CLOSED;
    }
    x->error = campaign_window(jstr(k, "status"), jstr(k, "opens_at"), jstr(k, "closes_at"));
    j->campaign_id = json_integer_value(json_object_get(k, "id"));
    int per_unit =
        (int)json_integer_value(json_object_get(json_object_get(k, "rules"), "cases_per_unit"));
    json_decref(k);
    if (x->error)
        return RC_CLOSED;
    json_t *cases = store_unit_cases(web.store, j->campaign_id, u->unit_id);
    int full = unit_full(per_unit, cases);
    json_decref(cases);
    if (full) {
        x->error = "submit_err_unit_limit_new";
        return RC_EXISTS;
    }
    j->unit_id = u->unit_id;
    j->user_id = u->id;
    snprintf(j->region, sizeof j->region, "%s", u->unit_region);
    x->next = j->next;
    return RC_OK;
}

static int create_write(struct store_tx *tx, void *arg)
{
    struct create_job *j = arg;
    int rc = tx_submission_create(tx, j->campaign_id, j->unit_id, j->region, j->user_id, &j->id);
    if (rc == RC_OK)
        snprintf(j->next, sizeof j->next, "/submit/%lld", (long long)j->id);
    return rc;
}

/* The store finds no track to start the draft with. */
static const struct web_refusal create_refusals[] = {
    {RC_NOTFOUND, 409, "submit_err_no_track", NULL},
    {RC_OK},
};

const struct web_action act_submit_new = {
    .state_size = sizeof(struct create_job),
    .check = create_check,
    .write = create_write,
    .page = page_submit_list,
    .refusals = create_refusals,
};

/* A save, a submission or a withdrawal of one case. */
struct case_job {
    struct submission_fields f;
    int status;                 /* the case's, as loaded */
    const char *block;          /* why it may not be edited now, or NULL */
    const char *withdraw_block; /* why it may not be withdrawn now, or NULL */
    const char *stored_track;
    int save;                   /* write the fields */
    const char *from, *to;      /* and/or move the status */
    int64_t user_id;
    const char *subject, *body; /* the receipt of a submission, or NULL */
};

static const char *const case_actions[] = {"save", "submit", "withdraw", "preview", NULL};

/* The form; the limits are the domain's (each section's own limit is checked with the rules). */
static const struct web_field case_fields[] = {
    {"action", WEB_F_CHOICE, 0, 0, 0, case_actions, NULL},
    {"title", WEB_F_TEXT, 0, 0, SUBMISSION_TITLE_MAX, NULL, "check_title_long"},
    {"track", WEB_F_TEXT, 0, 0, TRACK_SLUG_MAX, NULL, "submit_err_track_unknown"},
    {"tags", WEB_F_TEXT, 0, 0, TAGS_TEXT_MAX, NULL, "submit_err_tags_many"},
    {"contact_name", WEB_F_TEXT, 0, 0, CONTACT_NAME_MAX, NULL, "submit_err_contact_name"},
    {"contact_phone", WEB_F_TEXT, 0, 0, CONTACT_PHONE_MAX, NULL, "submit_err_contact_phone"},
    {"contact_email", WEB_F_TEXT, 0, 0, CONTACT_EMAIL_MAX, NULL, "submit_err_contact_email"},
    {"s1", WEB_F_TEXT, WEB_F_MULTILINE, 0, SUBMISSION_TOTAL_MAX, NULL, "check_section_long"},
    {"s2", WEB_F_TEXT, WEB_F_MULTILINE, 0, SUBMISSION_TOTAL_MAX, NULL, "check_section_long"},
    {"s3", WEB_F_TEXT, WEB_F_MULTILINE, 0, SUBMISSION_TOTAL_MAX, NULL, "check_section_long"},
    {"s4", WEB_F_TEXT, WEB_F_MULTILINE, 0, SUBMISSION_TOTAL_MAX, NULL, "check_section_long"},
    {"s5", WEB_F_TEXT, WEB_F_MULTILINE, 0, SUBMISSION_TOTAL_MAX, NULL, "check_section_long"},
    {NULL},
};

/* The unit's own case (404 for any other) and what its status and window allow. */
static enum result case_load(struct web_act *x)
{
    struct case_job *j = x->state;
    json_t *c = submit_own_case(x->r);
    if (!c)
        return RC_NOTFOUND;
    j->status = case_status_parse(jstr(c, "status"));
    if (j->status < 0) {
        json_decref(c);
        return RC_ERROR;
    }
    j->f.case_id = json_integer_value(json_object_get(c, "id"));
    j->f.expect_status = case_status_name((enum case_status)j->status);
    j->user_id = x->user_id;
    j->block = submit_edit_block(c);
    j->withdraw_block = case_transition((enum case_status)j->status, ACT_WITHDRAW) < 0
                            ? "submit_err_not_withdrawable"
                            : submit_window(c, j->status);
    j->stored_track = arena_strdup(&x->r->arena, jstr(c, "track"));
    json_decref(c);
    return RC_OK;
}

/* The status allows the action (409), and a saved form keeps the domain's rules (422). */
static enum result case_check(struct web_act *x)
{
    struct case_job *j = x->state;
    const char *action = web_text(x, "action");
    long long id = (long long)j->f.case_id;
    if (action && strcmp(action, "withdraw") == 0) {
        if ((x->error = j->withdraw_block))
            return RC_STATE;
        j->from = j->f.expect_status;
        j->to = case_status_name(CASE_DRAFT);
        x->next = arena_printf(&x->r->arena, "/submit/%lld?done=withdrawn", id);
        return RC_OK;
    }
    int submit = action && strcmp(action, "submit") == 0;
    if ((x->error = j->block))
        return RC_STATE;
    struct form_in in;
    form_of_act(x, &in);
    if (!*in.track) /* the case always has a track: an absent field keeps it */
        in.track = j->stored_track ? j->stored_track : "";
    json_t *k = store_current_campaign(web.store);
    struct form_errors e;
    check_form(&in, json_object_get(k, "tracks"), submit, &e);
    json_decref(k);
    if (e.any)
        return refuse_form(x, &e);
    j->save = 1;
    j->f.title = in.title;
    j->f.track = in.track;
    j->f.tags_text = in.tags;
    j->f.contact_name = in.contact_name;
    j->f.contact_phone = in.contact_phone;
    j->f.contact_email = in.contact_email;
    for (int i = 0; i < SUBMISSION_SECTIONS; i++)
        j->f.sections[i] = in.sections[i];
    if (!submit) { /* saved, and shown as the reviewers will read it when asked */
        int preview = action && strcmp(action, "preview") == 0;
        x->next = arena_printf(&x->r->arena, preview ? "/submit/%lld/preview" : "/submit/%lld?done=saved",
                               id);
        return RC_OK;
    }
    int to = case_transition((enum case_status)j->status,
                             j->status == CASE_CORRECTION ? ACT_RESUBMIT : ACT_SUBMIT);
    if (to < 0) {
        x->error = "submit_err_locked";
        return RC_STATE;
    }
    j->from = j->f.expect_status;
    j->to = case_status_name((enum case_status)to);
    /* The receipt says what was received and where it goes next, whatever the status word. */
    intake_mail_text(x->r, j->f.case_id, in.title, j->to, NULL, NULL, &j->subject, &j->body);
    j->subject = arena_printf(&x->r->arena, "%s：%s", i18n_get(LANG_ZH, "intake_mail_subject_received"),
                              in.title);
    x->next = arena_printf(&x->r->arena, "/submit/%lld/status", id);
    return RC_OK;
}

static int case_write(struct store_tx *tx, void *arg)
{
    struct case_job *j = arg;
    int rc;
    if (j->save && (rc = tx_submission_save(tx, &j->f)) != RC_OK)
        return rc;
    if (j->to && strcmp(j->to, "draft") != 0 &&
        (rc = tx_submission_rules(tx, j->f.case_id, strcmp(j->to, "recommended") == 0)) != RC_OK)
        return rc;
    if (j->to && (rc = tx_submission_status(tx, j->f.case_id, j->from, j->to, j->user_id, "")) !=
                     RC_OK)
        return rc;
    return j->subject ? tx_intake_notify(tx, j->f.case_id, j->subject, j->body) : RC_OK;
}

/* The store found the case no longer as loaded (another action won meanwhile). */
static const struct web_refusal changed_refusals[] = {
    {RC_NOTFOUND, 409, "submit_err_changed", NULL},
    {RC_OK},
};

/* ... or the call's rules refuse the submission: one case per unit, the attachments. */
static const struct web_refusal case_refusals[] = {
    {RC_NOTFOUND, 409, "submit_err_changed", NULL},
    {RC_EXISTS, 409, "submit_err_unit_limit", NULL},
    {RC_INVALID, 422, "submit_err_files_missing", NULL},
    {RC_OK},
};

const struct web_action act_submit_case = {
    .fields = case_fields,
    .state_size = sizeof(struct case_job),
    .load = case_load,
    .check = case_check,
    .write = case_write,
    .page = page_submit_edit,
    .refusals = case_refusals,
};

/* ------------------------------------------------------------ attachments */

struct remove_job {
    int64_t case_id, attachment_id;
    const char *block;
};

/* The attachment of the unit's own case named by the path (404 for any other). */
static enum result remove_load(struct web_act *x)
{
    struct remove_job *j = x->state;
    json_t *c = submit_own_case(x->r);
    int64_t aid = x->r->nparams > 1 ? web_path_id(x->r->params[1]) : 0;
    int found = 0;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(c, "attachments"), i, t)
        if (aid > 0 && json_integer_value(json_object_get(t, "id")) == aid) found = 1;
    if (found) {
        j->case_id = json_integer_value(json_object_get(c, "id"));
        j->attachment_id = aid;
        j->block = submit_edit_block(c);
        x->next = arena_printf(&x->r->arena, "/submit/%lld?done=removed#attachments",
                               (long long)j->case_id);
    }
    json_decref(c);
    return found ? RC_OK : RC_NOTFOUND;
}

static enum result remove_check(struct web_act *x)
{
    struct remove_job *j = x->state;
    return (x->error = j->block) ? RC_STATE : RC_OK;
}

static int remove_write(struct store_tx *tx, void *arg)
{
    struct remove_job *j = arg;
    return tx_attachment_remove(tx, j->case_id, j->attachment_id);
}

const struct web_action act_submit_attachment_delete = {
    .state_size = sizeof(struct remove_job),
    .load = remove_load,
    .check = remove_check,
    .write = remove_write,
    .page = page_submit_edit,
    .refusals = changed_refusals,
};
