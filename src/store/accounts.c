/*
 * accounts.c — users, roles, sessions, tokens and the outbox in the
 * store; see accounts.h.  Written over the driver (db.h): it runs on
 * SQLite and on PostgreSQL.  The table "user" is quoted (a reserved word
 * in PostgreSQL); an e-mail address is found whatever its case (lower()
 * of both sides: SQLite's column ignores ASCII case, PostgreSQL's does
 * not); times (now, a session's or a token's end) are made in C.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/accounts.h"
#include "store/store_int.h"

static const char *const role_names[] = {"organiser", "recommender", "submitter", "reviewer"};

unsigned store_role_parse(const char *name)
{
    for (unsigned i = 0; i < 4; i++)
        if (name && strcmp(name, role_names[i]) == 0)
            return 1u << i;
    return 0;
}

const char *store_role_name(unsigned bit)
{
    for (unsigned i = 0; i < 4; i++)
        if (bit == 1u << i)
            return role_names[i];
    return "";
}

#define USER_COLS "u.id, u.email, u.name, coalesce(u.password_hash, ''), u.disabled"

static const char SQL_USER_BY_EMAIL[] =
    "SELECT " USER_COLS " FROM \"user\" u WHERE lower(u.email) = lower(?1)";
static const char SQL_USER_BY_SESSION[] =
    "SELECT " USER_COLS ", s.csrf FROM session s JOIN \"user\" u ON u.id = s.user_id "
    "WHERE s.token_hash = ?1 AND s.expires_at > ?2 "
    "AND u.disabled = 0";
static const char SQL_USER_BY_TOKEN[] =
    "SELECT " USER_COLS " FROM token t JOIN \"user\" u ON u.id = t.user_id "
    "WHERE t.token_hash = ?1 AND t.kind = ?2 AND t.used_at IS NULL "
    "AND t.expires_at > ?3 AND u.disabled = 0";
static const char SQL_ROLES[] =
    "SELECT r.role, coalesce(r.region_code, ''), coalesce(g.name, ''), coalesce(r.unit_id, 0), "
    "coalesce(un.name, ''), coalesce(un.region_code, '') FROM user_role r "
    "LEFT JOIN region g ON g.code = r.region_code LEFT JOIN unit un ON un.id = r.unit_id "
    "WHERE r.user_id = ?1";
/*
 * A recommender acts for the region bound to the campaign being run, and is no
 * recommender without one; asked only of recommenders, so that the other
 * accounts' requests pay nothing for it.  A reviewer's campaigns are checked
 * where a stage is named (scoring, ballots).
 */
static const char SQL_RECOMMENDER[] =
    "SELECT cr.region_code, g.name FROM campaign_role cr JOIN region g ON g.code = cr.region_code "
    "WHERE cr.user_id = ?1 AND cr.role = 'recommender' AND cr.campaign_id = " CURRENT_CAMPAIGN;

/* Fill out from a row of USER_COLS (+ csrf at col 5 when with_csrf), then its roles. */
static int user_from(struct store *st, struct db_stmt *s, int with_csrf, struct store_user *out)
{
    memset(out, 0, sizeof *out);
    int rc = db_step(s);
    if (rc != DB_ROW) {
        db_reset(s);
        return rc == DB_DONE ? RC_NOTFOUND : RC_ERROR;
    }
    out->id = db_column_int64(s, 0);
    db_copy_text(out->email, sizeof out->email, s, 1);
    db_copy_text(out->name, sizeof out->name, s, 2);
    db_copy_text(out->password_hash, sizeof out->password_hash, s, 3);
    out->disabled = (int)db_column_int64(s, 4);
    if (with_csrf)
        db_copy_text(out->csrf, sizeof out->csrf, s, 5);
    db_reset(s);

    struct db_stmt *q = store_stmt(st, SQL_ROLES);
    if (!q)
        return RC_ERROR;
    db_bind_int64(q, 1, out->id);
    while (db_step(q) == DB_ROW) {
        unsigned bit = store_role_parse(db_column_text(q, 0));
        out->roles |= bit;
        if (bit == ROLE_RECOMMENDER) {
            db_copy_text(out->region_code, sizeof out->region_code, q, 1);
            db_copy_text(out->region_name, sizeof out->region_name, q, 2);
        } else if (bit == ROLE_SUBMITTER) {
            out->unit_id = db_column_int64(q, 3);
            db_copy_text(out->unit_name, sizeof out->unit_name, q, 4);
            db_copy_text(out->unit_region, sizeof out->unit_region, q, 5);
        }
    }
    db_reset(q);
    if (out->roles & ROLE_RECOMMENDER) {
        out->roles &= ~(unsigned)ROLE_RECOMMENDER;
        out->region_code[0] = out->region_name[0] = 0;
        if (!(q = store_stmt(st, SQL_RECOMMENDER)))
            return RC_ERROR;
        db_bind_int64(q, 1, out->id);
        if (db_step(q) == DB_ROW) {
            out->roles |= ROLE_RECOMMENDER;
            db_copy_text(out->region_code, sizeof out->region_code, q, 0);
            db_copy_text(out->region_name, sizeof out->region_name, q, 1);
        }
        db_reset(q);
    }
    return RC_OK;
}

int store_user_by_email(struct store *st, const char *email, struct store_user *out)
{
    struct db_stmt *s = store_stmt(st, SQL_USER_BY_EMAIL);
    if (!s)
        return RC_ERROR;
    db_bind_text(s, 1, email, -1);
    return user_from(st, s, 0, out);
}

int store_user_by_id(struct store *st, int64_t id, struct store_user *out)
{
    static const char sql[] = "SELECT " USER_COLS " FROM \"user\" u WHERE u.id = ?1";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    return user_from(st, s, 0, out);
}

int store_user_by_session(struct store *st, const char *token_digest, struct store_user *out)
{
    struct db_stmt *s = store_stmt(st, SQL_USER_BY_SESSION);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_text(s, 1, token_digest, -1);
    db_bind_text(s, 2, now, -1);
    return user_from(st, s, 1, out);
}

int store_user_by_token(struct store *st, const char *token_digest, const char *kind,
                        struct store_user *out)
{
    struct db_stmt *s = store_stmt(st, SQL_USER_BY_TOKEN);
    if (!s)
        return RC_ERROR;
    db_bind_text(s, 1, token_digest, -1);
    db_bind_text(s, 2, kind, -1);
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_text(s, 3, now, -1);
    return user_from(st, s, 0, out);
}

static const char SQL_USERS[] =
    "SELECT u.id, u.email, u.name, u.password_hash IS NOT NULL, "
    "(SELECT trim(max(CASE role WHEN 'organiser' THEN 'organiser ' ELSE '' END) || "
    "max(CASE role WHEN 'recommender' THEN 'recommender ' ELSE '' END) || "
    "max(CASE role WHEN 'reviewer' THEN 'reviewer ' ELSE '' END) || "
    "max(CASE role WHEN 'submitter' THEN 'submitter' ELSE '' END)) "
    "FROM user_role WHERE user_id = u.id), "
    "(SELECT g.name FROM user_role r JOIN region g ON g.code = r.region_code "
    " WHERE r.user_id = u.id AND r.role = 'recommender'), "
    "(SELECT n.name FROM user_role r JOIN unit n ON n.id = r.unit_id "
    " WHERE r.user_id = u.id AND r.role = 'submitter') "
    "FROM \"user\" u ORDER BY u.id";

json_t *store_users(struct store *st)
{
    struct db_stmt *s = store_stmt(st, SQL_USERS);
    if (!s)
        return NULL;
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, json_pack("{s:I,s:o,s:o,s:b,s:o,s:o,s:o}", "id",
                                           (json_int_t)db_column_int64(s, 0), "email", db_jtext(s, 1),
                                           "name", db_jtext(s, 2), "active",
                                           (int)db_column_int64(s, 3), "roles", db_jtext(s, 4),
                                           "region", db_jtext(s, 5), "unit", db_jtext(s, 6)));
    db_reset(s);
    return a;
}

int tx_user_add(struct store_tx *tx, const char *email, const char *name, const char *password_hash,
                int64_t *id)
{
    static const char sql[] =
        "INSERT INTO \"user\" (email, name, password_hash) VALUES (?1,?2,?3) RETURNING id";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_text(s, 1, email, -1);
    db_bind_text(s, 2, name, -1);
    db_bind_opt(s, 3, password_hash);
    int step = db_step(s);
    int rc = step == DB_ROW ? RC_OK : db_err_result(db_errcode(tx_conn(tx)));
    if (step == DB_ROW && id)
        *id = db_column_int64(s, 0);
    db_reset(s);
    return rc;
}

int tx_user_role(struct store_tx *tx, int64_t user_id, unsigned role, const char *region_code,
                 int64_t unit_id, int64_t campaign_id)
{
    static const char sql[] =
        "INSERT INTO user_role (user_id, role, region_code, unit_id) VALUES (?1,?2,?3,?4) "
        "ON CONFLICT (user_id, role) DO UPDATE SET region_code = excluded.region_code, "
        "unit_id = excluded.unit_id";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, user_id);
    db_bind_text(s, 2, store_role_name(role), -1);
    db_bind_opt(s, 3, region_code);
    if (unit_id > 0)
        db_bind_int64(s, 4, unit_id);
    else
        db_bind_null(s, 4);
    int rc = db_run(s);
    if (rc == RC_OK && (role == ROLE_REVIEWER || role == ROLE_RECOMMENDER))
        rc = tx_campaign_role(tx, campaign_id, user_id, role, region_code);
    return rc;
}

int tx_campaign_role(struct store_tx *tx, int64_t campaign_id, int64_t user_id, unsigned role,
                     const char *region_code)
{
    /* A recommender's region is replaced, the rows of other campaigns kept. */
    static const char sql[] =
        "INSERT INTO campaign_role (campaign_id, user_id, role, region_code) "
        "SELECT c.id, ?2, ?3, ?4 FROM campaign c WHERE (?1 > 0 AND c.id = ?1) "
        " OR (?1 = 0 AND c.status NOT IN ('published','archived')) "
        "ON CONFLICT (user_id, role, campaign_id) DO UPDATE SET region_code = excluded.region_code";
    if (role != ROLE_REVIEWER && role != ROLE_RECOMMENDER)
        return RC_INVALID;
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign_id);
    db_bind_int64(s, 2, user_id);
    db_bind_text(s, 3, store_role_name(role), -1);
    db_bind_opt(s, 4, role == ROLE_RECOMMENDER ? region_code : NULL);
    return db_run(s);
}

int tx_campaign_role_drop(struct store_tx *tx, int64_t campaign_id, int64_t user_id, unsigned role)
{
    static const char sql[] =
        "DELETE FROM campaign_role WHERE campaign_id = ?1 AND user_id = ?2 AND role = ?3";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign_id);
    db_bind_int64(s, 2, user_id);
    db_bind_text(s, 3, store_role_name(role), -1);
    return db_run_changed(s, RC_NOTFOUND);
}

int tx_campaign_roles_copy(struct store_tx *tx, int64_t from, int64_t to, unsigned roles)
{
    static const char sql[] =
        "INSERT INTO campaign_role (campaign_id, user_id, role, region_code) "
        "SELECT ?2, user_id, role, region_code FROM campaign_role WHERE campaign_id = ?1 "
        "AND role = ?3 ON CONFLICT DO NOTHING";
    for (unsigned bit = ROLE_RECOMMENDER; bit <= ROLE_REVIEWER; bit <<= 1) {
        if (!(roles & bit) || (bit != ROLE_REVIEWER && bit != ROLE_RECOMMENDER))
            continue;
        struct db_stmt *s = tx_stmt(tx, sql);
        if (!s)
            return RC_ERROR;
        db_bind_int64(s, 1, from);
        db_bind_int64(s, 2, to);
        db_bind_text(s, 3, store_role_name(bit), -1);
        if (db_run(s) != RC_OK)
            return RC_ERROR;
    }
    return RC_OK;
}

int store_campaign_role_held(struct store *st, int64_t campaign_id, int64_t user_id, unsigned role)
{
    static const char sql[] =
        "SELECT 1 FROM campaign_role WHERE campaign_id = ?1 AND user_id = ?2 AND role = ?3";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return -1;
    db_bind_int64(s, 1, campaign_id);
    db_bind_int64(s, 2, user_id);
    db_bind_text(s, 3, store_role_name(role), -1);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

json_t *store_campaign_roles_of(struct store *st, int64_t user_id)
{
    static const char sql[] =
        "SELECT cr.campaign_id, c.name, cr.role, coalesce(g.name, '') FROM campaign_role cr "
        "JOIN campaign c ON c.id = cr.campaign_id LEFT JOIN region g ON g.code = cr.region_code "
        "WHERE cr.user_id = ?1 ORDER BY cr.campaign_id DESC, cr.role";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, user_id);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:o,s:o}", "campaign_id", (json_int_t)db_column_int64(s, 0),
                         "campaign", db_jtext(s, 1), "role", db_jtext(s, 2), "region", db_jtext(s, 3)));
    db_reset(s);
    return a;
}

int tx_user_password(struct store_tx *tx, int64_t user_id, const char *password_hash)
{
    static const char sql[] = "UPDATE \"user\" SET password_hash = ?2 WHERE id = ?1";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, user_id);
    db_bind_text(s, 2, password_hash, -1);
    return db_run(s);
}

int tx_session_create(struct store_tx *tx, const char *token_digest, int64_t user_id,
                      const char *csrf)
{
    static const char sql[] =
        "INSERT INTO session (token_hash, user_id, csrf, created_at, expires_at) VALUES "
        "(?1, ?2, ?3, ?4, ?5)";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN], end[STORE_NOW_LEN];
    store_now(now);
    store_time(end, (int64_t)time(NULL) + SESSION_TTL_S);
    db_bind_text(s, 1, token_digest, -1);
    db_bind_int64(s, 2, user_id);
    db_bind_text(s, 3, csrf, -1);
    db_bind_text(s, 4, now, -1);
    db_bind_text(s, 5, end, -1);
    return db_run(s);
}

int tx_session_delete(struct store_tx *tx, const char *token_digest)
{
    static const char sql[] = "DELETE FROM session WHERE token_hash = ?1";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_text(s, 1, token_digest, -1);
    return db_run(s);
}

int tx_sessions_end(struct store_tx *tx, int64_t user_id)
{
    static const char sql[] = "DELETE FROM session WHERE user_id = ?1";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (s)
        db_bind_int64(s, 1, user_id);
    return db_run(s);
}

int tx_token_create(struct store_tx *tx, const char *token_digest, int64_t user_id,
                    const char *kind)
{
    static const char sql[] = "INSERT INTO token (token_hash, user_id, kind, expires_at) VALUES "
                              "(?1, ?2, ?3, ?4)";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    char end[STORE_NOW_LEN];
    store_time(end, (int64_t)time(NULL) + TOKEN_TTL_S);
    db_bind_text(s, 1, token_digest, -1);
    db_bind_int64(s, 2, user_id);
    db_bind_text(s, 3, kind, -1);
    db_bind_text(s, 4, end, -1);
    return db_run(s);
}

int tx_token_use(struct store_tx *tx, const char *token_digest)
{
    static const char sql[] =
        "UPDATE token SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL "
        "AND expires_at > ?2";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_text(s, 1, token_digest, -1);
    db_bind_text(s, 2, now, -1);
    return db_run_changed(s, RC_NOTFOUND);
}

int tx_outbox_add(struct store_tx *tx, const char *to, const char *subject, const char *body)
{
    static const char sql[] = "INSERT INTO outbox (to_addr, subject, body, created_at, "
                              "next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?4)";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_text(s, 1, to, -1);
    db_bind_text(s, 2, subject, -1);
    db_bind_text(s, 3, body, -1);
    db_bind_text(s, 4, now, -1);
    return db_run(s);
}
