/*
 * certs.c — certificates in the store (certs.h): their serials and check
 * codes given to the published awards, the list of a campaign's or a
 * unit's, and one found by its code.  Written over the driver (db.h): it
 * runs on SQLite and on PostgreSQL.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "store/certs.h"
#include "store/store_int.h"

/* A random check code, XXXX-XXXX-XXXX in Crockford's base32 (no I, L, O, U). */
static void new_code(char out[CERT_CODE_LEN + 1])
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    unsigned char r[12];
    randombytes_buf(r, sizeof r);
    for (int i = 0, j = 0; i < 12; i++) {
        if (i && i % 4 == 0)
            out[j++] = '-';
        out[j++] = alphabet[r[i] & 31];
    }
    out[CERT_CODE_LEN] = 0;
}

int tx_certs_assign(struct store_tx *tx, int64_t campaign_id, int *made)
{
    static const char sql_next[] =
        "SELECT coalesce(max(serial), 0) FROM certificate WHERE campaign_id = ?1";
    static const char sql_todo[] =
        "SELECT c.id, c.tier_id FROM \"case\" c JOIN tier t ON t.id = c.tier_id WHERE "
        "c.campaign_id = ?1 AND c.published_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
        "certificate x WHERE x.case_id = c.id) ORDER BY t.rank, c.region_code, c.id LIMIT ?2";
    static const char sql_add[] =
        "INSERT INTO certificate (case_id, campaign_id, serial, code, tier_id) "
        "VALUES (?1, ?2, ?3, ?4, ?5)";
    *made = 0;
    struct db_stmt *s = tx_stmt(tx, sql_next);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign_id);
    int64_t serial = db_step(s) == DB_ROW ? db_column_int64(s, 0) : -1;
    db_reset(s);
    /* In rounds of TODO_MAX cases (the writer thread's stack), until none is left. */
    enum { TODO_MAX = 1024 };
    int64_t todo[TODO_MAX][2];
    size_t n;
    do {
        if (serial < 0 || !(s = tx_stmt(tx, sql_todo)))
            return RC_ERROR;
        db_bind_int64(s, 1, campaign_id);
        db_bind_int64(s, 2, TODO_MAX);
        n = 0;
        int step;
        while ((step = db_step(s)) == DB_ROW) {
            todo[n][0] = db_column_int64(s, 0);
            todo[n][1] = db_column_int64(s, 1);
            n++;
        }
        db_reset(s);
        if (step != DB_DONE)
            return RC_ERROR;
        for (size_t i = 0; i < n; i++) {
            char code[CERT_CODE_LEN + 1];
            new_code(code);
            struct db_stmt *add = tx_stmt(tx, sql_add);
            if (!add)
                return RC_ERROR;
            db_bind_int64(add, 1, todo[i][0]);
            db_bind_int64(add, 2, campaign_id);
            db_bind_int64(add, 3, ++serial);
            db_bind_text(add, 4, code, -1);
            db_bind_int64(add, 5, todo[i][1]);
            int rc = db_run(add);
            if (rc != RC_OK)
                return rc;
            (*made)++;
        }
    } while (n == TODO_MAX);
    return RC_OK;
}

#define CERT_COLS                                                                                  \
    "x.case_id, x.serial, x.code, u.name, c.title, t0.name, k.name, k.organisers, "                \
    "coalesce(k.published_at, ''), k.slug, tn.name, c.published_at IS NOT NULL "
#define CERT_JOINS                                                                                 \
    "FROM certificate x JOIN \"case\" c ON c.id = x.case_id JOIN unit u ON u.id = c.unit_id "      \
    "JOIN campaign k ON k.id = x.campaign_id JOIN tier t0 ON t0.id = x.tier_id "                   \
    "LEFT JOIN tier tn ON tn.id = c.tier_id "

static json_t *cert_row(struct db_stmt *s)
{
    return json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b}", "case_id",
                     (json_int_t)db_column_int64(s, 0), "serial", (json_int_t)db_column_int64(s, 1),
                     "code", db_jtext(s, 2), "unit", db_jtext(s, 3), "title", db_jtext(s, 4),
                     "tier", db_jtext(s, 5), "campaign", db_jtext(s, 6), "organisers",
                     db_jtext(s, 7), "published_at", db_jtext(s, 8), "slug", db_jtext(s, 9),
                     "tier_now", db_column_type(s, 10) == DB_NULL ? json_null() : db_jtext(s, 10),
                     "published", (int)db_column_int64(s, 11));
}

json_t *store_certs(struct store *st, int64_t campaign_id, int64_t unit_id)
{
    static const char sql[] =
        "SELECT " CERT_COLS CERT_JOINS "WHERE x.campaign_id = ?1 AND c.tier_id = x.tier_id AND "
        "c.published_at IS NOT NULL AND (?2 = 0 OR c.unit_id = ?2) "
        "ORDER BY x.serial";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign_id);
    db_bind_int64(s, 2, unit_id);
    json_t *a = json_array();
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        json_array_append_new(a, cert_row(s));
    db_reset(s);
    if (rc != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

json_t *store_cert_by_code(struct store *st, const char *code)
{
    static const char sql[] = "SELECT " CERT_COLS CERT_JOINS "WHERE x.code = ?1";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_text(s, 1, code, -1);
    json_t *o = db_step(s) == DB_ROW ? cert_row(s) : NULL;
    db_reset(s);
    return o;
}
