/*
 * action.h — a POST action, declared: its form fields with their types and
 * limits, and the steps the one runner (action.c) takes in order.
 *
 *   parse    every declared field, validated into a typed value;
 *   load     find what the action acts on from the path (404 comes before
 *            422); then any refused field answers 422 with the page again;
 *   check    the rules that need the store (409 or 422 with a message);
 *   write    the change, in one transaction on the writer thread, or
 *   work     slow work on the worker pool (password hashing);
 *   then     on the server thread again, with the result (set cookies,
 *            count failures, turn a result into a refusal);
 *   next     where to go: 303 to x->next, or the action's `next`; or, for
 *            an action that declares `done`, that page at 200 in its place.
 *
 * A refusal at any step shows the action's page again (its model handler,
 * with the error, the errors by field and the status) or, for an action
 * without a page, the error page with the message (a step's x->error, the
 * action's refusals table, or the result table's).  Results map to statuses
 * in one table (web_result_status); an action may declare what the results
 * of its write or work mean for it instead (refusals: a status, a message,
 * a page).  Fields
 * whose names come from data are read by check with web_read_field, under
 * the same rules as declared ones.  An action whose answer is a report (an
 * import's outcome, the bulk screening) names a `done` page shown at 200
 * instead of the redirect; that page, and a page showing a refusal, read
 * the action's values and state through web_act_of.
 *
 * An upload is an action too: its `begin` runs when the headers are in (the
 * route and the role known) and installs the body sink; the sink keeps the
 * small parts of a multipart body as form values (web_form_keep), so that
 * the CSRF token and the declared fields are checked as for any form, and
 * what it streamed elsewhere (a file) waits in the action's state for load,
 * check and work.  The model of kcgi's validated fields
 * and Redis's command table: what an action takes is data, read before any
 * of its code runs.
 */
#ifndef LAUREL_WEB_ACTION_H
#define LAUREL_WEB_ACTION_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "web/web.h"

enum web_field_type {
    WEB_F_TEXT,   /* trimmed UTF-8 without control characters but line breaks; at most max characters */
    WEB_F_SECRET, /* a password: as typed, at most max bytes */
    WEB_F_INT,    /* a decimal integer in [min, max] */
    WEB_F_NUMBER, /* a decimal number in [min, max] */
    WEB_F_CHOICE, /* one of choices */
    WEB_F_BOOL,   /* a ticked box: "1", "on", "true" or "yes"; absent is false */
    WEB_F_DATE,   /* 2020-02-04 */
    WEB_F_EMAIL,  /* an address with one @, at most 254 bytes, lower-cased */
    WEB_F_IDS,    /* positive ids, the field repeated or one list "3, 5 8"; at most max */
    WEB_F_NEXT,   /* a local URL to go to afterwards ("/" when not local) */
};

#define WEB_F_REQUIRED 1u /* absent or empty is an error */
#define WEB_F_NONEMPTY 2u /* may be absent, but given empty is an error (change if sent) */
#define WEB_F_ONELINE 4u  /* text: no line breaks or tabs (names, titles) */
/* Text typed in a text area: line breaks as LF (CRLF counts as one), not trimmed. */
#define WEB_F_MULTILINE 8u

struct web_field {
    const char *name;
    enum web_field_type type;
    unsigned flags;
    double min, max;            /* numbers: the range; text: max characters; ids: max count */
    const char *const *choices; /* WEB_F_CHOICE: NULL-terminated */
    const char *error;          /* the catalog key shown when the value is refused, or NULL */
};

/* A field's typed value. */
struct web_value {
    int given;        /* present and not empty */
    int valid;        /* given, and accepted */
    const char *s;    /* text, secret, choice, date, e-mail, next */
    int64_t i;        /* int, bool */
    double n;         /* number */
    const int64_t *ids;
    size_t nids;
};

struct web_action;
struct audit_entry;

/* An action in progress: what each step reads and fills. */
struct web_act {
    struct req *r;
    const struct web_action *a;
    struct web_value *v; /* one per declared field, in order */
    void *state;         /* the action's own struct, a->state_size bytes, zeroed */
    int64_t user_id;     /* the signed-in user, or 0 */
    const char *next;    /* where to go on success (overrides a->next) */
    const char *error;   /* a catalog key for the whole form, set by a step that refuses */
    json_t *errors;      /* {field: message} of refused fields */
    int status;          /* a refusal's status instead of the result's (401, 429); on
                            success with a done page, that answer's (201, 202) */
    web_model_fn page;   /* the page to show a refusal on, instead of a->page */
    struct audit_entry *audit; /* the audit row the write (or work's writes) appends, or NULL */
};

typedef enum result (*web_step_fn)(struct web_act *x);

/* What a write's or work's result means for one action: status (0: the table's), message, page. */
struct web_refusal {
    enum result rc;    /* RC_OK ends the list */
    int status;
    const char *error; /* a catalog key, unless a step named one */
    web_model_fn page; /* NULL: the action's page */
};

struct web_action {
    const struct web_field *fields; /* ends with {NULL} */
    size_t state_size;
    /*
     * Uploads: run once the headers are in, with the state zeroed; installs
     * r->sink (and r->max_body, r->cleanup).  Returns 0, or an HTTP status
     * to refuse the request before its body is read.  NULL for most actions.
     */
    int (*begin)(struct web_act *x);
    web_step_fn load;                /* may be NULL */
    web_step_fn check;               /* may be NULL */
    store_write_fn write;            /* with x->state; or NULL */
    enum result (*work)(void *state); /* on the worker pool; or NULL */
    /* On the server thread after the write or work; returns the final result. */
    enum result (*then)(struct web_act *x, struct resp *w, enum result rc);
    const char *next;                /* where to go on success, unless a step set x->next */
    web_model_fn page;               /* shown again with a refusal, or NULL */
    web_model_fn done;               /* shown on success instead of the redirect, or NULL */
    const struct web_refusal *refusals; /* ends with {RC_OK}; or NULL */
};

/* Typed values by field name (the name must be declared: checked). */
const char *web_text(const struct web_act *x, const char *name);
int64_t web_int(const struct web_act *x, const char *name);
double web_number(const struct web_act *x, const char *name);
int web_given(const struct web_act *x, const char *name);
const int64_t *web_ids(const struct web_act *x, const char *name, size_t *n);

/* Refuse field name with message key (for checks that need the store); returns RC_INVALID. */
enum result web_refuse_field(struct web_act *x, const char *name, const char *key);

/*
 * Parse and validate a field whose name depends on data (one score per
 * criterion, one quota per region) exactly as a declared one, into v: f is
 * built by check (name from the arena, limits from the data).  RC_OK, or
 * RC_INVALID with the field refused by its message.
 */
enum result web_read_field(struct web_act *x, const struct web_field *f, struct web_value *v);

/*
 * The action being run for request r, or NULL: the page an action shows
 * (again, or as its done page) reads what was typed, the refused fields
 * (x->errors) and the action's state from it.
 */
struct web_act *web_act_of(struct req *r);

/*
 * The state of action a when it is the request's action (its page is being
 * shown after a refusal, or as its done page), for that page's model handler;
 * NULL otherwise (a GET, another action).
 */
void *web_act_state(struct req *r, const struct web_action *a);

/*
 * Keep a form value that a body sink read from a multipart part (copied to
 * the arena); web_form answers with these values then.  0, or -1 when there
 * is no room.
 */
int web_form_keep(struct req *r, const char *name, const char *val, size_t len);

/* Start action a at the headers (web_begin calls it for an action with a begin). */
int web_act_begin(struct req *r, const struct web_action *a);

/* The HTTP status for a result (RC_OK is 200). */
int web_result_status(enum result rc);

/* Run action a for the request (the dispatcher calls it for H_ACTION routes). */
void web_act_run(struct req *r, struct resp *w, const struct web_action *a);

#endif
