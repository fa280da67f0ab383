/*
 * sqlite_accounts.c — users, roles, sessions, tokens and the outbox in
 * SQLite; see accounts.h.
 */
#include <stdio.h>
#include <string.h>

#include "store/accounts.h"
#include "store/sqlite_int.h"

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
    "SELECT " USER_COLS " FROM user u WHERE u.email = ?1";
static const char SQL_USER_BY_SESSION[] =
    "SELECT " USER_COLS ", s.csrf FROM session s JOIN user u ON u.id = s.user_id "
    "WHERE s.token_hash = ?1 AND s.expires_at > strftime('%Y-%m-%dT%H:%M:%SZ','now') "
    "AND u.disabled = 0";
static const char SQL_USER_BY_TOKEN[] =
    "SELECT " USER_COLS " FROM token t JOIN user u ON u.id = t.user_id "
    "WHERE t.token_hash = ?1 AND t.kind = ?2 AND t.used_at IS NULL "
    "AND t.expires_at > strftime('%Y-%m-%dT%H:%M:%SZ','now') AND u.disabled = 0";
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
static int user_from(struct store *st, sqlite3_stmt *s, int with_csrf, struct store_user *out)
{
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sq_done(s);
        return rc == SQLITE_DONE ? RC_NOTFOUND : RC_ERROR;
    }
    out->id = sqlite3_column_int64(s, 0);
    sq_copy(out->email, sizeof out->email, s, 1);
    sq_copy(out->name, sizeof out->name, s, 2);
    sq_copy(out->password_hash, sizeof out->password_hash, s, 3);
    out->disabled = sqlite3_column_int(s, 4);
    if (with_csrf)
        sq_copy(out->csrf, sizeof out->csrf, s, 5);
    sq_done(s);

    sqlite3_stmt *q = sq_prepare(st, SQL_ROLES);
    if (!q)
        return RC_ERROR;
    sqlite3_bind_int64(q, 1, out->id);
    while (sqlite3_step(q) == SQLITE_ROW) {
        unsigned bit = store_role_parse(sq_text(q, 0));
        out->roles |= bit;
        if (bit == ROLE_RECOMMENDER) {
            sq_copy(out->region_code, sizeof out->region_code, q, 1);
            sq_copy(out->region_name, sizeof out->region_name, q, 2);
        } else if (bit == ROLE_SUBMITTER) {
            out->unit_id = sqlite3_column_int64(q, 3);
            sq_copy(out->unit_name, sizeof out->unit_name, q, 4);
            sq_copy(out->unit_region, sizeof out->unit_region, q, 5);
        }
    }
    sq_done(q);
    if (out->roles & ROLE_RECOMMENDER) {
        out->roles &= ~(unsigned)ROLE_RECOMMENDER;
        out->region_code[0] = out->region_name[0] = 0;
        if (!(q = sq_prepare(st, SQL_RECOMMENDER)))
            return RC_ERROR;
        sqlite3_bind_int64(q, 1, out->id);
        if (sqlite3_step(q) == SQLITE_ROW) {
            out->roles |= ROLE_RECOMMENDER;
            sq_copy(out->region_code, sizeof out->region_code, q, 0);
            sq_copy(out->region_name, sizeof out->region_name, q, 1);
        }
        sq_done(q);
    }
    return RC_OK;
}

int store_user_by_email(struct store *st, const char *email, struct store_user *out)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_USER_BY_EMAIL);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_text(s, 1, email, -1, SQLITE_STATIC);
    return user_from(st, s, 0, out);
}

int store_user_by_id(struct store *st, int64_t id, struct store_user *out)
{
    static const char sql[] = "SELECT " USER_COLS " FROM user u WHERE u.id = ?1";
    sqlite3_stmt *s = sq_prepare(st, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, id);
    return user_from(st, s, 0, out);
}

int store_user_by_session(struct store *st, const char *token_digest, struct store_user *out)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_USER_BY_SESSION);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_text(s, 1, token_digest, -1, SQLITE_STATIC);
    return user_from(st, s, 1, out);
}

int store_user_by_token(struct store *st, const char *token_digest, const char *kind,
                        struct store_user *out)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_USER_BY_TOKEN);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_text(s, 1, token_digest, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
    return user_from(st, s, 0, out);
}

static const char SQL_USERS[] =
    "SELECT u.id, u.email, u.name, u.password_hash IS NOT NULL, "
    "(SELECT group_concat(role, ' ') FROM user_role WHERE user_id = u.id), "
    "(SELECT g.name FROM user_role r JOIN region g ON g.code = r.region_code "
    " WHERE r.user_id = u.id AND r.role = 'recommender'), "
    "(SELECT n.name FROM user_role r JOIN unit n ON n.id = r.unit_id "
    " WHERE r.user_id = u.id AND r.role = 'submitter') "
    "FROM user u ORDER BY u.id";

json_t *store_users(struct store *st)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_USERS);
    if (!s)
        return NULL;
    json_t *a = json_array();
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:o,s:b,s:o,s:o,s:o}", "id",
                         (json_int_t)sqlite3_column_int64(s, 0), "email", sq_jtext(s, 1), "name",
                         sq_jtext(s, 2), "active", sqlite3_column_int(s, 3), "roles",
                         sq_jtext(s, 4), "region", sq_jtext(s, 5), "unit", sq_jtext(s, 6)));
    sq_done(s);
    return a;
}

int tx_user_add(struct store_tx *tx, const char *email, const char *name,
                const char *password_hash, int64_t *id)
{
    static const char sql[] = "INSERT INTO user (email, name, password_hash) VALUES (?1,?2,?3)";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_text(s, 1, email, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
    sq_bind_opt(s, 3, password_hash);
    int rc = tx_exec(tx, s);
    if (rc == RC_OK && id)
        *id = sqlite3_last_insert_rowid(tx->db);
    return rc;
}

int tx_user_role(struct store_tx *tx, int64_t user_id, unsigned role, const char *region_code,
                 int64_t unit_id, int64_t campaign_id)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO user_role (user_id, role, region_code, unit_id) "
        "VALUES (?1,?2,?3,?4)";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, user_id);
    sqlite3_bind_text(s, 2, store_role_name(role), -1, SQLITE_STATIC);
    sq_bind_opt(s, 3, region_code);
    if (unit_id > 0)
        sqlite3_bind_int64(s, 4, unit_id);
    int rc = tx_exec(tx, s);
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
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign_id);
    sqlite3_bind_int64(s, 2, user_id);
    sqlite3_bind_text(s, 3, store_role_name(role), -1, SQLITE_STATIC);
    sq_bind_opt(s, 4, role == ROLE_RECOMMENDER ? region_code : NULL);
    return tx_exec(tx, s);
}

int tx_campaign_role_drop(struct store_tx *tx, int64_t campaign_id, int64_t user_id,
                          unsigned role)
{
    static const char sql[] =
        "DELETE FROM campaign_role WHERE campaign_id = ?1 AND user_id = ?2 AND role = ?3";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign_id);
    sqlite3_bind_int64(s, 2, user_id);
    sqlite3_bind_text(s, 3, store_role_name(role), -1, SQLITE_STATIC);
    return tx_exec_changed(tx, s, RC_NOTFOUND);
}

int tx_campaign_roles_copy(struct store_tx *tx, int64_t from, int64_t to, unsigned roles)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO campaign_role (campaign_id, user_id, role, region_code) "
        "SELECT ?2, user_id, role, region_code FROM campaign_role WHERE campaign_id = ?1 "
        "AND role = ?3";
    for (unsigned bit = ROLE_RECOMMENDER; bit <= ROLE_REVIEWER; bit <<= 1) {
        if (!(roles & bit) || (bit != ROLE_REVIEWER && bit != ROLE_RECOMMENDER))
            continue;
        sqlite3_stmt *s = tx_prepare(tx, sql);
        if (!s)
            return RC_ERROR;
        sqlite3_bind_int64(s, 1, from);
        sqlite3_bind_int64(s, 2, to);
        sqlite3_bind_text(s, 3, store_role_name(bit), -1, SQLITE_STATIC);
        if (tx_exec(tx, s) != RC_OK)
            return RC_ERROR;
    }
    return RC_OK;
}

int store_campaign_role_held(struct store *st, int64_t campaign_id, int64_t user_id,
                             unsigned role)
{
    static const char sql[] =
        "SELECT 1 FROM campaign_role WHERE campaign_id = ?1 AND user_id = ?2 AND role = ?3";
    sqlite3_stmt *s = sq_prepare(st, sql);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, campaign_id);
    sqlite3_bind_int64(s, 2, user_id);
    sqlite3_bind_text(s, 3, store_role_name(role), -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sq_done(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

json_t *store_campaign_roles_of(struct store *st, int64_t user_id)
{
    static const char sql[] =
        "SELECT cr.campaign_id, c.name, cr.role, coalesce(g.name, '') FROM campaign_role cr "
        "JOIN campaign c ON c.id = cr.campaign_id LEFT JOIN region g ON g.code = cr.region_code "
        "WHERE cr.user_id = ?1 ORDER BY cr.campaign_id DESC, cr.role";
    sqlite3_stmt *s = sq_prepare(st, sql);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, user_id);
    json_t *a = json_array();
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:I,s:o,s:o,s:o}", "campaign_id",
                                           (json_int_t)sqlite3_column_int64(s, 0), "campaign",
                                           sq_jtext(s, 1), "role", sq_jtext(s, 2), "region",
                                           sq_jtext(s, 3)));
    sq_done(s);
    return a;
}

int tx_user_password(struct store_tx *tx, int64_t user_id, const char *password_hash)
{
    static const char sql[] = "UPDATE user SET password_hash = ?2 WHERE id = ?1";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, user_id);
    sqlite3_bind_text(s, 2, password_hash, -1, SQLITE_TRANSIENT);
    return tx_exec(tx, s);
}

int tx_session_create(struct store_tx *tx, const char *token_digest, int64_t user_id,
                      const char *csrf)
{
    static const char sql[] =
        "INSERT INTO session (token_hash, user_id, csrf, created_at, expires_at) VALUES "
        "(?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ','now'), "
        " strftime('%Y-%m-%dT%H:%M:%SZ','now', ?4 || ' seconds'))";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_text(s, 1, token_digest, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, user_id);
    sqlite3_bind_text(s, 3, csrf, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 4, SESSION_TTL_S);
    return tx_exec(tx, s);
}

int tx_session_delete(struct store_tx *tx, const char *token_digest)
{
    static const char sql[] = "DELETE FROM session WHERE token_hash = ?1";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_text(s, 1, token_digest, -1, SQLITE_TRANSIENT);
    return tx_exec(tx, s);
}

int tx_sessions_end(struct store_tx *tx, int64_t user_id)
{
    static const char sql[] = "DELETE FROM session WHERE user_id = ?1";
    return tx_exec_id(tx, sql, user_id);
}

int tx_token_create(struct store_tx *tx, const char *token_digest, int64_t user_id,
                    const char *kind)
{
    static const char sql[] =
        "INSERT INTO token (token_hash, user_id, kind, expires_at) VALUES "
        "(?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ','now', ?4 || ' seconds'))";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_text(s, 1, token_digest, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, user_id);
    sqlite3_bind_text(s, 3, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 4, TOKEN_TTL_S);
    return tx_exec(tx, s);
}

int tx_token_use(struct store_tx *tx, const char *token_digest)
{
    static const char sql[] =
        "UPDATE token SET used_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE token_hash = ?1 "
        "AND used_at IS NULL AND expires_at > strftime('%Y-%m-%dT%H:%M:%SZ','now')";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_text(s, 1, token_digest, -1, SQLITE_TRANSIENT);
    return tx_exec_changed(tx, s, RC_NOTFOUND);
}

int tx_outbox_add(struct store_tx *tx, const char *to, const char *subject, const char *body)
{
    static const char sql[] = "INSERT INTO outbox (to_addr, subject, body) VALUES (?1,?2,?3)";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_text(s, 1, to, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, subject, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, body, -1, SQLITE_TRANSIENT);
    return tx_exec(tx, s);
}
