/*
 * stage.c — a review stage's states, moves and kinds; see stage.h.
 */
#include "stage.h"

#include <string.h>

static const char *const state_names[STAGE_STATE__MAX] = {
    [STAGE_SETUP] = "setup",   [STAGE_PROPOSED] = "proposed", [STAGE_RELEASED] = "released",
    [STAGE_CLOSED] = "closed", [STAGE_RANKED] = "ranked",     [STAGE_ADVANCED] = "advanced",
};

static const char *const state_keys[STAGE_STATE__MAX] = {
    [STAGE_SETUP] = "stage_state_setup",       [STAGE_PROPOSED] = "stage_state_proposed",
    [STAGE_RELEASED] = "stage_state_released", [STAGE_CLOSED] = "stage_state_closed",
    [STAGE_RANKED] = "stage_state_ranked",     [STAGE_ADVANCED] = "stage_state_advanced",
};

/* transitions[from][action] = to + 1 (0: not allowed). */
static const signed char transitions[STAGE_STATE__MAX][STAGE_ACTION__MAX] = {
    [STAGE_SETUP] = {[STAGE_EDIT] = STAGE_SETUP + 1,
                     [STAGE_FILL] = STAGE_SETUP + 1,
                     [STAGE_PROPOSE] = STAGE_PROPOSED + 1},
    [STAGE_PROPOSED] = {[STAGE_EDIT] = STAGE_PROPOSED + 1,
                        [STAGE_PROPOSE] = STAGE_PROPOSED + 1,
                        [STAGE_ASSIGN] = STAGE_PROPOSED + 1,
                        [STAGE_RELEASE] = STAGE_RELEASED + 1},
    [STAGE_RELEASED] = {[STAGE_ASSIGN] = STAGE_RELEASED + 1,
                        [STAGE_REMIND] = STAGE_RELEASED + 1,
                        [STAGE_SCORE] = STAGE_RELEASED + 1,
                        [STAGE_CLOSE] = STAGE_CLOSED + 1,
                        [STAGE_RANK] = STAGE_RANKED + 1}, /* closing first, confirmed */
    [STAGE_CLOSED] = {[STAGE_RANK] = STAGE_RANKED + 1},
    [STAGE_RANKED] = {[STAGE_RANK] = STAGE_RANKED + 1, [STAGE_ADVANCE] = STAGE_ADVANCED + 1},
};

static const char *const kind_names[STAGE_KIND__MAX] = {
    [STAGE_KIND_REVIEW] = "review",
    [STAGE_KIND_EXHIBITION] = "exhibition",
    [STAGE_KIND_BALLOT] = "ballot",
};

static const char *const kind_keys[STAGE_KIND__MAX] = {
    [STAGE_KIND_REVIEW] = "stages_kind_review",
    [STAGE_KIND_EXHIBITION] = "stages_kind_exhibition",
    [STAGE_KIND_BALLOT] = "stages_kind_ballot",
};

const char *stage_state_name(enum stage_state s)
{
    return (unsigned)s < STAGE_STATE__MAX ? state_names[s] : "";
}

int stage_state_parse(const char *name)
{
    for (int i = 0; name && i < STAGE_STATE__MAX; i++)
        if (strcmp(name, state_names[i]) == 0)
            return i;
    return -1;
}

const char *stage_state_key(enum stage_state s)
{
    return (unsigned)s < STAGE_STATE__MAX ? state_keys[s] : "stage_state_unknown";
}

int stage_transition(enum stage_state from, enum stage_action a)
{
    if ((unsigned)from >= STAGE_STATE__MAX || (unsigned)a >= STAGE_ACTION__MAX)
        return -1;
    return transitions[from][a] - 1;
}

int stage_allows(enum stage_state s, enum stage_action a)
{
    return stage_transition(s, a) >= 0;
}

int stage_has_results(enum stage_state s)
{
    return s == STAGE_RANKED || s == STAGE_ADVANCED;
}

void stage_can(enum stage_state s, enum stage_kind k, int under_review, int next_state,
               struct stage_can *out)
{
    int on = under_review != 0, ranks = k == STAGE_KIND_REVIEW;
    out->edit = on && stage_allows(s, STAGE_EDIT);
    out->fill = on && stage_allows(s, STAGE_FILL);
    out->propose = on && stage_kind_assignable(k) && stage_allows(s, STAGE_PROPOSE);
    out->assign = on && stage_allows(s, STAGE_ASSIGN);
    out->release = on && stage_allows(s, STAGE_RELEASE);
    out->remind = on && stage_allows(s, STAGE_REMIND);
    out->close = on && ranks && stage_allows(s, STAGE_CLOSE);
    out->rank = on && ranks && stage_allows(s, STAGE_RANK);
    out->rank_closes = s == STAGE_RELEASED && ranks;
    out->next_started = next_state >= 0 && !stage_allows((enum stage_state)next_state, STAGE_FILL);
    out->advance = on && ranks && stage_allows(s, STAGE_ADVANCE) && !out->next_started;
    out->has_results = stage_has_results(s);
}

const char *stage_kind_name(enum stage_kind k)
{
    return (unsigned)k < STAGE_KIND__MAX ? kind_names[k] : "";
}

int stage_kind_parse(const char *name)
{
    for (int i = 0; name && i < STAGE_KIND__MAX; i++)
        if (strcmp(name, kind_names[i]) == 0)
            return i;
    return -1;
}

const char *stage_kind_key(enum stage_kind k)
{
    return (unsigned)k < STAGE_KIND__MAX ? kind_keys[k] : "stages_kind_unknown";
}

int stage_kind_assignable(enum stage_kind k)
{
    return k == STAGE_KIND_REVIEW || k == STAGE_KIND_BALLOT;
}
