/*
 * finish_ballot.c — the demo's 2019 终评 and 公示, run as the organiser,
 * the jurors and the public would (see finish2019.c): the jury and its
 * sitting, each present juror's secret ballot, the tally, the tier
 * proposal, the notice with its objections and answers, and its close.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "demo/finish_int.h"
#include "domain/auth.h"
#include "domain/workdays.h"
#include "store/award.h"
#include "store/ballot.h"
#include "store/notice.h"

#define QUORUM 11
#define PLACES 140
#define NOTICE_DAYS 5
#define NOTICE_STARTS "2019-11-25"

static int jury_settings(struct fin *f)
{
    return tx_ballot_settings(f->tx, f->stage[3], PLACES, QUORUM);
}

static int jury_add(struct fin *f)
{
    return tx_juror_add(f->tx, f->stage[3], f->jury[f->juror].id);
}

static int sitting_open(struct fin *f)
{
    return tx_sitting_open(f->tx, f->stage[3], 0);
}

static int sitting_presence(struct fin *f)
{
    int64_t ids[PRESENT];
    for (int i = 0; i < PRESENT; i++)
        ids[i] = f->jury[i].id;
    return tx_sitting_presence(f->tx, f->stage[3], ids, PRESENT);
}

static int sitting_start(struct fin *f)
{
    return tx_sitting_start(f->tx, f->stage[3]);
}

static int read_candidates(struct fin *f)
{
    static const char sql[] =
        "SELECT case_id FROM stage_case WHERE stage_id = ?1 ORDER BY rank, case_id";
    sqlite3_stmt *s = tx_prepare(f->tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, f->stage[3]);
    f->cands = malloc(R2_ADVANCE * sizeof *f->cands);
    while (f->cands && f->ncands < R2_ADVANCE && sqlite3_step(s) == SQLITE_ROW)
        f->cands[f->ncands++] = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return f->cands && f->ncands ? RC_OK : RC_ERROR;
}

/*
 * Juror j's approvals: every best case, most excellent ones (each skipped
 * by about a quarter of the jury), the impostor (skipped by the first
 * juror who may judge it), and a few of the rest (by about a third, short
 * of a majority); never a case in their 回避.
 */
static int ballot_cast(struct fin *f)
{
    int j = f->juror;
    const struct person *p = &f->jury[j];
    int64_t ids[PLACES];
    int n = 0;
    for (int k = 0; k < f->ncands && n < PLACES; k++) {
        int64_t id = f->cands[k];
        if (finish_conflicted(f, p, id))
            continue;
        int m = f->merit[id], yes;
        if (m == FINISH_MERIT_BEST)
            yes = 1;
        else if (m == FINISH_MERIT_EXCELLENT)
            yes = (k + j) % 4 != 0;
        else if (m == MERIT_IMPOSTOR) {
            int first = 0;
            while (first < PRESENT && finish_conflicted(f, &f->jury[first], id))
                first++;
            yes = j != first;
        } else
            yes = (k + j) % 3 == 0;
        if (yes)
            ids[n++] = id;
    }
    char receipt[AUTH_TOKEN_CHARS + 1], digest[AUTH_DIGEST_CHARS + 1];
    auth_token(receipt);
    receipt[BALLOT_RECEIPT_CHARS] = 0;
    auth_digest(receipt, digest);
    return tx_ballot_cast(f->tx, f->sitting, p->id, ids, n, digest);
}

static int tally(struct fin *f)
{
    struct tally_outcome out;
    int rc = tx_ballot_tally(f->tx, f->stage[3], &out);
    if (rc == RC_OK && out.runoff) {
        snprintf(f->err, sizeof f->err, "the demo's ballot asked for a runoff");
        return RC_STATE;
    }
    return rc;
}

static int propose(struct fin *f)
{
    int placed = 0;
    return tx_award_propose(f->tx, f->stage[3], &placed);
}

/* Fifteen experts of distinct regions, none of Shanghai's. */
static int pick_jury(struct fin *f)
{
    int n = 0;
    for (int i = f->nrev - 1; i >= 0 && n < JURORS; i--) {
        const struct person *p = &f->rev[i];
        int taken = strcmp(p->region, "310000") == 0;
        for (int k = 0; k < n && !taken; k++)
            taken = strcmp(f->jury[k].region, p->region) == 0;
        if (!taken)
            f->jury[n++] = *p;
    }
    return n == JURORS ? 0 : -1;
}

/* The jurors added one by one, as on the jury page. */
static int jury(struct fin *f)
{
    for (f->juror = 0; f->juror < JURORS; f->juror++) {
        char form[48];
        snprintf(form, sizeof form, "user_id=%lld\n", (long long)f->jury[f->juror].id);
        if (finish_step(f, jury_add, "/admin/stages/{id}/jury/add",
                        finish_path("/admin/stages/%lld/jury/add", f->stage[3]), f->organiser,
                        form))
            return -1;
    }
    return 0;
}

int finish_ballot(struct fin *f)
{
    int64_t b = f->stage[3];
    if (pick_jury(f)) {
        snprintf(f->err, sizeof f->err, "not enough experts for the 2019 jury");
        return -1;
    }
    if (finish_step(f, jury_settings, "/admin/stages/{id}/jury",
                    finish_path("/admin/stages/%lld/jury", b), f->organiser,
                    "places=140\nquorum=11\n") ||
        jury(f) ||
        finish_step(f, sitting_open, "/admin/stages/{id}/sitting",
                    finish_path("/admin/stages/%lld/sitting", b), f->organiser, "") ||
        finish_step(f, sitting_presence, "/admin/stages/{id}/sitting/presence",
                    finish_path("/admin/stages/%lld/sitting/presence", b), f->organiser,
                    "present=13\n") ||
        finish_step(f, sitting_start, "/admin/stages/{id}/sitting/start",
                    finish_path("/admin/stages/%lld/sitting/start", b), f->organiser, "") ||
        finish_step(f, read_candidates, NULL, NULL, 0, NULL))
        return -1;
    struct ballot_stage bs;
    if (store_ballot_stage(f->st, b, &bs) != RC_OK || !bs.sitting_id)
        return -1;
    f->sitting = bs.sitting_id;
    for (f->juror = 0; f->juror < PRESENT; f->juror++) {
        /* A juror's row records that they cast, never what (its digest covers no field). */
        if (finish_step(f, ballot_cast, "/ballot/{stage}/cast", finish_path("/ballot/%lld/cast", b),
                        f->jury[f->juror].id, ""))
            return -1;
    }
    if (finish_step(f, tally, "/admin/stages/{id}/tally",
                    finish_path("/admin/stages/%lld/tally", b), f->organiser, "") ||
        finish_step(f, propose, "/admin/stages/{id}/tiers/propose",
                    finish_path("/admin/stages/%lld/tiers/propose", b), f->organiser, ""))
        return -1;
    return 0;
}

/* ------------------------------------------------------------ 公示 */

static const struct {
    const char *name, *contact, *reason, *answer;
} objections[3] = {
    {"刘建国", "liujianguo@example.com",
     "该案例的主要做法与本地区往届已获奖案例基本相同，不符合征集通知关于首次申报的要求。",
     "经组委会办公室核实，该案例主体内容与往届获奖案例重复，异议成立，撤销其获奖资格，"
     "按终评投票顺序递补。"},
    {"陈晓梅", "chenxiaomei@example.com", "该案例所列成效数据未注明来源，建议核实。",
     "经核实，案例所列数据均有区统计部门出具的证明材料，异议不成立。"},
    {"王志强", "wangzhiqiang@example.com", "案例申报单位名称与实际不一致。",
     "经核实，该单位于机构改革后更名，案例使用的是现名称，异议不成立。"},
};

static int notice_publish(struct fin *f)
{
    struct workdays cal;
    int start;
    if (workdays_own(&cal, "") != 0 || workdays_parse(NOTICE_STARTS, &start) != 0)
        return RC_ERROR;
    char from[11], to[11];
    workdays_format(workdays_first(&cal, start), from);
    workdays_format(workdays_end(&cal, start, NOTICE_DAYS), to);
    return tx_notice_publish(f->tx, f->stage[3], NOTICE_DAYS, from, to,
                             "对公示案例如有异议，请于公示期内在本页实名提出，并写明理由；"
                             "组委会办公室将逐一核实并答复。",
                             "");
}

/* The objected cases: the impostor, a best case of Shanghai, an excellent case elsewhere. */
static int pick_objected(struct fin *f)
{
    static const char sql[] =
        "SELECT a.case_id FROM award a JOIN tier t ON t.id = a.tier_id JOIN \"case\" c ON "
        "c.id = a.case_id WHERE a.campaign_id = ?1 AND t.slug = ?2 AND "
        "(c.region_code = '310000') = ?3 AND a.case_id <> ?4 ORDER BY a.ord LIMIT 1";
    f->obj[0] = f->impostor;
    for (int i = 1; i < 3; i++) {
        sqlite3_stmt *s = tx_prepare(f->tx, sql);
        if (!s)
            return RC_ERROR;
        sqlite3_bind_int64(s, 1, f->campaign);
        sqlite3_bind_text(s, 2, i == 1 ? "best" : "excellent", -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, i == 1);
        sqlite3_bind_int64(s, 4, f->impostor);
        f->obj[i] = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        if (!f->obj[i])
            return RC_ERROR;
    }
    return RC_OK;
}

/* Objection i: a code asked and verified, then filed, as on the public notice page. */
static int objection_file(struct fin *f, int i)
{
    char code[7], buf[128], hash[VOTER_HEX];
    voter_code(code);
    snprintf(buf, sizeof buf, "%s|%s", objections[i].contact, code);
    voter_sha256(buf, hash);
    char body[96];
    snprintf(body, sizeof body, "您的验证码是 %s，10分钟内有效。", code);
    long now = (long)time(NULL);
    int rc = tx_objection_code(f->tx, f->stage[3], objections[i].contact, hash,
                               "案例公示异议验证码", body, now);
    if (rc != RC_OK)
        return rc;
    struct objection_filing fl = {.stage_id = f->stage[3],
                                  .case_id = f->obj[i],
                                  .name = objections[i].name,
                                  .contact = objections[i].contact,
                                  .reason = objections[i].reason,
                                  .code_hash = hash,
                                  .now = now};
    rc = tx_objection_file(f->tx, &fl);
    return rc == RC_OK ? fl.outcome : rc;
}

static int file_k(struct fin *f)
{
    return objection_file(f, f->k);
}

/* The organiser's answer to objection i (upheld for the impostor, else rejected). */
static int objection_answer(struct fin *f, int i)
{
    static const char sql[] =
        "SELECT id FROM objection WHERE campaign_id = ?1 AND case_id = ?2 AND state = 'open'";
    sqlite3_stmt *s = tx_prepare(f->tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, f->campaign);
    sqlite3_bind_int64(s, 2, f->obj[i]);
    int64_t id = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (!id)
        return RC_NOTFOUND;
    snprintf(f->object, sizeof f->object, "/admin/stages/%lld/objections/%lld",
             (long long)f->stage[3], (long long)id);
    char body[512];
    snprintf(body, sizeof body, "%s\n%s",
             i == 0 ? "您提出的异议经核实成立。" : "您提出的异议经核实不成立。",
             objections[i].answer);
    return tx_objection_answer(f->tx, f->stage[3], id, i == 0, 0, objections[i].answer,
                               "案例公示异议答复", body);
}

static int answer_k(struct fin *f)
{
    return objection_answer(f, f->k);
}

static int notice_close(struct fin *f)
{
    return tx_notice_close(f->tx, f->stage[3]);
}

int finish_notice(struct fin *f)
{
    int64_t b = f->stage[3];
    static const int order[3] = {1, 0, 2}; /* as they came in */
    if (finish_step(f, notice_publish, "/admin/stages/{id}/notice",
                    finish_path("/admin/stages/%lld/notice", b), f->organiser,
                    "days=5\nstarts_on=" NOTICE_STARTS "\n") ||
        finish_step(f, pick_objected, NULL, NULL, 0, NULL))
        return -1;
    for (int i = 0; i < 3; i++) {
        f->k = order[i];
        if (finish_step(f, file_k, "/notice/{stage}/objection",
                        finish_path("/notice/%lld/objection", b), 0, objections[f->k].reason))
            return -1;
    }
    for (int i = 0; i < 3; i++) {
        f->k = order[i];
        if (finish_step(f, answer_k, "/admin/stages/{id}/objections/{oid}", f->object, f->organiser,
                        f->k == 0 ? "decision=uphold\ntier_id=0\n" : "decision=reject\n"))
            return -1;
    }
    return finish_step(f, notice_close, "/admin/stages/{id}/notice/close",
                       finish_path("/admin/stages/%lld/notice/close", b), f->organiser, "");
}
