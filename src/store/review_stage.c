/*
 * review_stage.c — one stage's settings (store_review_stage, review.h),
 * written over the driver (db.h): it runs on SQLite and on PostgreSQL.
 * The final ballot (ballot.c) reads its stage through it; the rest of the
 * review rounds are review.c.
 */
#include <string.h>

#include "core/log.h"
#include "store/review.h"
#include "store/store_int.h"

int store_review_stage(struct store *st, int64_t stage_id, struct review_stage *out)
{
    static const char sql[] =
        "SELECT s.id, s.campaign_id, s.seq, s.name, s.kind, s.starts_at, s.ends_at, s.state, "
        "s.reviewers_per_case, s.blind, s.max_same_region, s.exclude_previous, s.aggregation, "
        "s.trim_k, s.trim_min, s.normalise, s.previous_weight, s.vote_weight, s.quorum, "
        "s.advance_rule, s.advance_n, s.advance_threshold FROM stage s WHERE s.id = ?1";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    int rc = db_step(s);
    if (rc != DB_ROW) {
        db_reset(s);
        return rc == DB_DONE ? RC_NOTFOUND : RC_ERROR;
    }
    memset(out, 0, sizeof *out);
    out->id = db_column_int64(s, 0);
    out->campaign_id = db_column_int64(s, 1);
    out->seq = (int)db_column_int64(s, 2);
    db_copy_text(out->name, sizeof out->name, s, 3);
    int kind = stage_kind_parse(db_text(s, 4));
    db_copy_text(out->starts_at, sizeof out->starts_at, s, 5);
    db_copy_text(out->ends_at, sizeof out->ends_at, s, 6);
    int state = stage_state_parse(db_text(s, 7));
    out->reviewers_per_case = (int)db_column_int64(s, 8);
    out->blind = (int)db_column_int64(s, 9);
    out->max_same_region = (int)db_column_int64(s, 10);
    out->exclude_previous = (int)db_column_int64(s, 11);
    db_copy_text(out->aggregation, sizeof out->aggregation, s, 12);
    out->trim_k = (int)db_column_int64(s, 13);
    out->trim_min = (int)db_column_int64(s, 14);
    out->normalise = (int)db_column_int64(s, 15);
    out->previous_weight = db_column_double(s, 16);
    out->vote_weight = db_column_double(s, 17);
    out->quorum = (int)db_column_int64(s, 18);
    db_copy_text(out->advance_rule, sizeof out->advance_rule, s, 19);
    out->advance_n = (int)db_column_int64(s, 20);
    out->advance_threshold = db_column_double(s, 21);
    db_reset(s);
    if (kind < 0 || state < 0) { /* the schema's CHECKs forbid it */
        log_error("review: stage %lld has an unknown kind or state", (long long)stage_id);
        return RC_ERROR;
    }
    out->kind = (enum stage_kind)kind;
    out->state = (enum stage_state)state;
    return RC_OK;
}
