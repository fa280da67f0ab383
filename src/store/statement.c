/*
 * statement.c — results statements in the store (statement.h): the
 * payload read from the campaign's data, issued and signed inside a write,
 * kept as issued, and checked offline and against the data.  Written over
 * the driver (db.h): it runs on SQLite and on PostgreSQL.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/audit.h"
#include "store/statement.h"
#include "store/store_int.h"

static const char prefix[] = "{\"statement\":";
static const char middle[] = ",\"signature\":\"";
static const char suffix[] = "\"}\n";

/* Where the payload's reads run: the write's connection, or this thread's reader. */
struct src {
    struct store *st;
    struct store_tx *tx;
};

static struct db_stmt *prep(const struct src *q, const char *sql)
{
    return q->tx ? tx_stmt(q->tx, sql) : store_stmt(q->st, sql);
}

/* The campaign's awarded cases by tier, as published: [{name, rank, quota, cases: [...]}]. */
static json_t *tiers(const struct src *q, int64_t campaign)
{
    static const char sql_tiers[] =
        "SELECT id, name, rank, quota FROM tier WHERE campaign_id = ?1 ORDER BY rank, id";
    static const char sql_cases[] =
        "SELECT c.id, c.title, u.name, r.name FROM \"case\" c JOIN unit u ON u.id = c.unit_id "
        "JOIN region r ON r.code = c.region_code WHERE c.tier_id = ?1 AND c.published_at IS "
        "NOT NULL ORDER BY c.region_code, c.id";
    struct db_stmt *s = prep(q, sql_tiers);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign);
    json_t *a = json_array();
    int rc;
    int64_t ids[64];
    size_t n = 0;
    while ((rc = db_step(s)) == DB_ROW && n < 64) {
        ids[n++] = db_column_int64(s, 0);
        json_array_append_new(a, json_pack("{s:o,s:i,s:i,s:[]}", "name", db_jtext(s, 1), "rank",
                                           (int)db_column_int64(s, 2), "quota",
                                           (int)db_column_int64(s, 3), "cases"));
    }
    db_reset(s);
    for (size_t i = 0; i < n && rc != DB_ERROR; i++) {
        json_t *cases = json_object_get(json_array_get(a, i), "cases");
        if (!(s = prep(q, sql_cases))) {
            rc = DB_ERROR;
            break;
        }
        db_bind_int64(s, 1, ids[i]);
        while ((rc = db_step(s)) == DB_ROW)
            json_array_append_new(cases, json_pack("{s:I,s:o,s:o,s:o}", "id",
                                                   (json_int_t)db_column_int64(s, 0), "title",
                                                   db_jtext(s, 1), "unit", db_jtext(s, 2), "region",
                                                   db_jtext(s, 3)));
        db_reset(s);
        json_object_set_new(json_array_get(a, i), "awarded",
                            json_integer((json_int_t)json_array_size(cases)));
    }
    if (rc != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* The campaign's figures: cases, published, awarded, votes, and each stage's pool. */
static json_t *tally(const struct src *q, int64_t campaign)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM \"case\" WHERE campaign_id = ?1), (SELECT count(*) FROM "
        "\"case\" WHERE campaign_id = ?1 AND published_at IS NOT NULL), (SELECT count(*) FROM "
        "\"case\" WHERE campaign_id = ?1 AND tier_id IS NOT NULL AND published_at IS NOT NULL), "
        "(SELECT coalesce(sum(t.votes), 0) FROM vote_total t JOIN stage s ON s.id = t.stage_id "
        "WHERE s.campaign_id = ?1)";
    static const char sql_stages[] =
        "SELECT s.seq, s.name, s.kind, (SELECT count(*) FROM stage_case c WHERE c.stage_id = "
        "s.id), (SELECT count(*) FROM stage_case c WHERE c.stage_id = s.id AND c.advanced = 1) "
        "FROM stage s WHERE s.campaign_id = ?1 ORDER BY s.seq";
    struct db_stmt *s = prep(q, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign);
    json_t *o = NULL;
    if (db_step(s) == DB_ROW)
        o = json_pack("{s:I,s:I,s:I,s:I,s:[]}", "cases", (json_int_t)db_column_int64(s, 0),
                      "published", (json_int_t)db_column_int64(s, 1), "awarded",
                      (json_int_t)db_column_int64(s, 2), "votes", (json_int_t)db_column_int64(s, 3),
                      "stages");
    db_reset(s);
    if (!o || !(s = prep(q, sql_stages))) {
        json_decref(o);
        return NULL;
    }
    db_bind_int64(s, 1, campaign);
    json_t *stages = json_object_get(o, "stages");
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        json_array_append_new(stages,
                              json_pack("{s:i,s:o,s:o,s:I,s:I}", "seq", (int)db_column_int64(s, 0),
                                        "name", db_jtext(s, 1), "kind", db_jtext(s, 2), "cases",
                                        (json_int_t)db_column_int64(s, 3), "advanced",
                                        (json_int_t)db_column_int64(s, 4)));
    db_reset(s);
    if (rc != DB_DONE) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The campaign as the statement names it, and its status; NULL when there is none. */
static json_t *campaign_of(const struct src *q, int64_t campaign, char status[16])
{
    static const char sql[] = "SELECT id, slug, name, organisers, coalesce(published_at, ''), "
                              "status FROM campaign WHERE id = ?1";
    struct db_stmt *s = prep(q, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign);
    json_t *o = NULL;
    if (db_step(s) == DB_ROW) {
        o = json_pack("{s:I,s:o,s:o,s:o,s:o}", "id", (json_int_t)db_column_int64(s, 0), "slug",
                      db_jtext(s, 1), "name", db_jtext(s, 2), "organisers", db_jtext(s, 3),
                      "published_at", db_jtext(s, 4));
        snprintf(status, 16, "%s", db_text(s, 5));
    }
    db_reset(s);
    return o;
}

int tx_statement_issue(struct store_tx *tx, struct statement_issue *q)
{
    static const char sql_head[] = "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1";
    static const char sql_add[] =
        "INSERT INTO statement (campaign_id, issued_at, head, body) VALUES (?1, ?2, ?3, ?4) "
        "RETURNING id";
    struct store *st = tx_store(tx);
    struct src src = {st, tx};
    char status[16] = "";
    json_t *camp = campaign_of(&src, q->campaign_id, status);
    if (!camp)
        return RC_NOTFOUND;
    if (strcmp(status, "published") != 0) {
        json_decref(camp);
        return RC_STATE;
    }
    json_t *t = tiers(&src, q->campaign_id), *f = tally(&src, q->campaign_id);
    struct db_stmt *s = tx_stmt(tx, sql_head);
    if (!t || !f || !s) {
        json_decref(camp);
        json_decref(t);
        json_decref(f);
        return RC_ERROR;
    }
    char head[MERKLE_HEX] = "";
    int64_t rows = 0;
    if (db_step(s) == DB_ROW) {
        rows = db_column_int64(s, 0);
        snprintf(head, sizeof head, "%s", db_text(s, 1));
    }
    db_reset(s);
    char issued[STORE_NOW_LEN], pk[SIGNKEY_PUBLIC_B64];
    store_now(issued);
    signkey_public_b64(store_signkey(st)->pk, pk);
    json_t *p =
        json_pack("{s:s,s:i,s:o,s:o,s:o,s:{s:s,s:I},s:s,s:s}", "kind", "laurel-results-statement",
                  "version", 1, "campaign", camp, "tiers", t, "tally", f, "audit", "head", head,
                  "rows", (json_int_t)rows, "issued_at", issued, "public_key", pk);
    char *payload = p ? json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(p);
    if (!payload)
        return RC_ERROR;
    size_t plen = strlen(payload);
    char sig[SIGNKEY_SIG_B64];
    signkey_sign(store_signkey(st), payload, plen, sig);
    size_t len = strlen(prefix) + plen + strlen(middle) + strlen(sig) + strlen(suffix);
    char *body = malloc(len + 1);
    if (!body) {
        free(payload);
        return RC_ERROR;
    }
    snprintf(body, len + 1, "%s%s%s%s%s", prefix, payload, middle, sig, suffix);
    free(payload);
    int rc = RC_ERROR;
    if ((s = tx_stmt(tx, sql_add))) {
        db_bind_int64(s, 1, q->campaign_id);
        db_bind_text(s, 2, issued, -1);
        db_bind_text(s, 3, head, -1);
        db_bind_blob(s, 4, body, len);
        rc = db_run_id(s, &q->id);
    }
    if (rc == RC_OK && q->audit) {
        char object[64];
        snprintf(object, sizeof object, "/results/statements/%" PRId64, q->id);
        struct audit_entry e = {0, "publish-statement", object, 0, ""};
        unsigned char h[MERKLE_BYTES];
        crypto_hash_sha256(h, (const unsigned char *)body, len);
        merkle_hex(h, e.digest);
        rc = tx_audit_append(tx, &e);
    }
    free(body);
    return rc;
}

int store_statement_body(struct store *st, int64_t id, char **body, size_t *len, int64_t *campaign)
{
    static const char sql[] = "SELECT body, campaign_id FROM statement WHERE id = ?1";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        *len = db_column_bytes(s, 0);
        *body = malloc(*len + 1);
        if (*body) {
            memcpy(*body, db_column_blob(s, 0), *len);
            (*body)[*len] = 0;
        }
        *campaign = db_column_int64(s, 1);
    }
    db_reset(s);
    if (rc == DB_ROW)
        return *body ? RC_OK : RC_ERROR;
    return rc == DB_DONE ? RC_NOTFOUND : RC_ERROR;
}

json_t *store_statements(struct store *st, int64_t campaign_id)
{
    static const char sql[] = "SELECT id, issued_at, head, length(body) FROM statement WHERE "
                              "campaign_id = ?1 ORDER BY id DESC";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign_id);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, json_pack("{s:I,s:o,s:o,s:I}", "id",
                                           (json_int_t)db_column_int64(s, 0), "issued_at",
                                           db_jtext(s, 1), "head", db_jtext(s, 2), "bytes",
                                           (json_int_t)db_column_int64(s, 3)));
    db_reset(s);
    return a;
}

void store_public_key(struct store *st, char out[SIGNKEY_PUBLIC_B64])
{
    signkey_public_b64(store_signkey(st)->pk, out);
}

static int refuse(struct statement_check *c, const char *why)
{
    snprintf(c->why, sizeof c->why, "%s", why);
    return RC_INVALID;
}

int statement_check(const char *buf, size_t len, const unsigned char *pk, struct statement_check *c)
{
    memset(c, 0, sizeof c->why);
    c->payload = NULL;
    c->why[0] = 0;
    size_t pre = strlen(prefix), mid = strlen(middle), suf = strlen(suffix);
    size_t sig_len = SIGNKEY_SIG_B64 - 1;
    if (len < pre + 2 + mid + sig_len + suf || memcmp(buf, prefix, pre) != 0 ||
        memcmp(buf + len - suf, suffix, suf) != 0 ||
        memcmp(buf + len - suf - sig_len - mid, middle, mid) != 0)
        return refuse(c, "not a results statement: its framing is not as issued");
    const char *payload = buf + pre;
    size_t plen = len - suf - sig_len - mid - pre;
    char sig[SIGNKEY_SIG_B64];
    memcpy(sig, buf + len - suf - sig_len, sig_len);
    sig[sig_len] = 0;
    json_error_t e;
    json_t *p = json_loadb(payload, plen, JSON_REJECT_DUPLICATES, &e);
    const char *kind = json_string_value(json_object_get(p, "kind"));
    if (!p || !kind || strcmp(kind, "laurel-results-statement") != 0) {
        json_decref(p);
        return refuse(c, "not a results statement: its content is not a statement");
    }
    unsigned char named[SIGNKEY_PUBLIC_BYTES];
    const char *named_b64 = json_string_value(json_object_get(p, "public_key"));
    if (!named_b64 || signkey_public_parse(named_b64, named) != 0) {
        json_decref(p);
        return refuse(c, "the statement names no valid public key");
    }
    if (pk && memcmp(pk, named, sizeof named) != 0) {
        json_decref(p);
        return refuse(c, "the statement was signed with another key than the one given");
    }
    if (!signkey_check(pk ? pk : named, payload, plen, sig)) {
        json_decref(p);
        return refuse(c, "the signature does not match: the statement was changed or not signed "
                         "by this key");
    }
    c->payload = p;
    return RC_OK;
}

/* 1 if the payload's member name equals now's, else why says so. */
static int same(json_t *payload, json_t *now, const char *name, const char *what, char *why,
                size_t whylen)
{
    if (json_equal(json_object_get(payload, name), now))
        return 1;
    snprintf(why, whylen, "%s differ from the data", what);
    return 0;
}

int store_statement_matches(struct store *st, json_t *payload, char *why, size_t whylen)
{
    static const char sql_row[] = "SELECT id FROM audit WHERE hash = ?1";
    struct src src = {st, NULL};
    char status[16], pk[SIGNKEY_PUBLIC_B64];
    json_t *camp_in = json_object_get(payload, "campaign");
    int64_t id = (int64_t)json_integer_value(json_object_get(camp_in, "id"));
    store_public_key(st, pk);
    const char *named = json_string_value(json_object_get(payload, "public_key"));
    if (!named || strcmp(named, pk) != 0) {
        snprintf(why, whylen, "the statement's key is not this installation's");
        return RC_INVALID;
    }
    json_t *camp = campaign_of(&src, id, status), *t = tiers(&src, id), *f = tally(&src, id);
    int rc = RC_ERROR;
    if (!camp || !t || !f) {
        if (!camp)
            snprintf(why, whylen, "the statement's campaign is not in the data");
        rc = camp ? RC_ERROR : RC_INVALID;
    } else if (same(payload, camp, "campaign", "the campaign's name or dates", why, whylen) &&
               same(payload, t, "tiers", "the awards by tier", why, whylen) &&
               same(payload, f, "tally", "the tally figures", why, whylen)) {
        rc = RC_INVALID;
        const char *head =
            json_string_value(json_object_get(json_object_get(payload, "audit"), "head"));
        struct db_stmt *s = store_stmt(st, sql_row);
        struct audit_report r;
        int found = 0;
        if (s && head) {
            db_bind_text(s, 1, head, -1);
            found = db_step(s) == DB_ROW;
            db_reset(s);
        }
        if (head && *head && !found)
            snprintf(why, whylen, "the statement's chain head is no row of the audit chain");
        else if (store_audit_verify(st, &r) != RC_OK)
            snprintf(why, whylen, "the audit chain is broken at row %" PRId64 ": %s", r.broken_id,
                     r.why);
        else
            rc = RC_OK;
    } else {
        rc = RC_INVALID;
    }
    json_decref(camp);
    json_decref(t);
    json_decref(f);
    return rc;
}
