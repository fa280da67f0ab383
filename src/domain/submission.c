/*
 * submission.c — the case template, its limits and the status machine; see
 * submission.h.
 */
#include "submission.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/utf8.h"

const char *const submission_section_names[SUBMISSION_SECTIONS] = {
    "背景与起因", "做法与经过", "成效与反响", "探讨与评论", "附录"};
const int submission_section_max[SUBMISSION_SECTIONS] = {2000, 4000, 3000, 2000, 2000};
const int submission_section_required[SUBMISSION_SECTIONS] = {1, 1, 1, 1, 0};

static const char *const status_names[CASE_STATUS__MAX] = {
    [CASE_DRAFT] = "draft",         [CASE_SUBMITTED] = "submitted",
    [CASE_RETURNED] = "returned",   [CASE_RECOMMENDED] = "recommended",
    [CASE_PASSED] = "passed",       [CASE_CORRECTION] = "correction",
    [CASE_REJECTED] = "rejected",   [CASE_PUBLISHED] = "published",
};

/* transitions[from][action] = to + 1 (0: not allowed). */
static const signed char transitions[CASE_STATUS__MAX][ACT__MAX] = {
    [CASE_DRAFT] = {[ACT_SUBMIT] = CASE_SUBMITTED + 1},
    [CASE_RETURNED] = {[ACT_SUBMIT] = CASE_SUBMITTED + 1},
    [CASE_SUBMITTED] = {[ACT_WITHDRAW] = CASE_DRAFT + 1,
                        [ACT_RECOMMEND] = CASE_RECOMMENDED + 1,
                        [ACT_RETURN] = CASE_RETURNED + 1},
    [CASE_RECOMMENDED] = {[ACT_PASS] = CASE_PASSED + 1,
                          [ACT_CORRECT] = CASE_CORRECTION + 1,
                          [ACT_REJECT] = CASE_REJECTED + 1},
    [CASE_CORRECTION] = {[ACT_RESUBMIT] = CASE_RECOMMENDED + 1},
};

const char *case_status_name(enum case_status s)
{
    return (unsigned)s < CASE_STATUS__MAX ? status_names[s] : "";
}

int case_status_parse(const char *name)
{
    for (int i = 0; i < CASE_STATUS__MAX; i++)
        if (name && strcmp(name, status_names[i]) == 0)
            return i;
    return -1;
}

int case_transition(enum case_status from, enum case_action a)
{
    if ((unsigned)from >= CASE_STATUS__MAX || (unsigned)a >= ACT__MAX)
        return -1;
    return transitions[from][a] - 1;
}

int case_editable(enum case_status s)
{
    return s == CASE_DRAFT || s == CASE_RETURNED || s == CASE_CORRECTION;
}

int case_action_needs_reason(enum case_action a)
{
    return a == ACT_RETURN || a == ACT_CORRECT || a == ACT_REJECT;
}

static size_t chars(const char *s)
{
    return s ? utf8_count(s, strlen(s)) : 0;
}

/* Characters other than white space: what "empty" means for a field. */
static int blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 0;
    return 1;
}

void submission_check(const char *title, const char *track, const char *contact_name,
                      const char *contact_phone, const char *const sections[SUBMISSION_SECTIONS],
                      int for_submit, struct submission_check *out)
{
    memset(out, 0, sizeof *out);
    if (blank(title))
        out->title = "check_title_missing";
    else if (chars(title) > SUBMISSION_TITLE_MAX)
        out->title = "check_title_long";
    if (for_submit && blank(track))
        out->track = "check_track_missing";
    if (for_submit && (blank(contact_name) || blank(contact_phone)))
        out->contact = "check_contact_missing";
    size_t total = 0;
    for (int i = 0; i < SUBMISSION_SECTIONS; i++) {
        size_t n = chars(sections[i]);
        total += n;
        if ((int)n > submission_section_max[i])
            out->section[i] = "check_section_long";
        else if (for_submit && submission_section_required[i] && blank(sections[i]))
            out->section[i] = "check_section_missing";
    }
    if (total > SUBMISSION_TOTAL_MAX)
        out->total = "check_total_long";
    else if (for_submit && total < SUBMISSION_TOTAL_MIN)
        out->total = "check_total_short";
    out->ok = !out->title && !out->track && !out->contact && !out->total;
    for (int i = 0; i < SUBMISSION_SECTIONS; i++)
        if (out->section[i])
            out->ok = 0;
}

int submission_sections_complete(const int len[SUBMISSION_SECTIONS])
{
    for (int i = 0; i < SUBMISSION_SECTIONS; i++)
        if (submission_section_required[i] && len[i] == 0)
            return 0;
    return 1;
}

int submission_lengths_ok(const int len[SUBMISSION_SECTIONS])
{
    int total = 0;
    for (int i = 0; i < SUBMISSION_SECTIONS; i++) {
        total += len[i];
        if (len[i] > submission_section_max[i])
            return 0;
    }
    return total >= SUBMISSION_TOTAL_MIN && total <= SUBMISSION_TOTAL_MAX;
}

int submission_before(const char *today, const char *last_day)
{
    return strncmp(today, last_day, 10) <= 0;
}

void submission_today(char out[11])
{
    time_t now = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}
