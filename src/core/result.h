/*
 * result.h — the one result code of the store and the domain.
 *
 * Every store call and every domain rule answers with one of these; the web
 * edge maps each to an HTTP status and a message in one table (web_result
 * in web/action.c).  A write that returns anything but RC_OK is rolled back.
 * Positive codes are refusals by a rule, RC_ERROR is a fault (logged where
 * it happened).
 */
#ifndef LAUREL_RESULT_H
#define LAUREL_RESULT_H

enum result {
    RC_ERROR = -1,  /* the database or the machine failed: 500/503 */
    RC_OK = 0,
    RC_NOTFOUND = 1, /* no such object, or not one this user may see: 404 */
    RC_STATE,        /* the object's state forbids this (a stage closed, ...): 409 */
    RC_STALE,        /* the object changed since the page was shown: 409 */
    RC_QUOTA,        /* a quota is used up: 409 */
    RC_EXISTS,       /* already there: 409 */
    RC_CLOSED,       /* past its deadline, or no longer taking this: 409 */
    RC_GONE,         /* no longer this user's (an assignment taken away): 409 */
    RC_INVALID,      /* a value out of range: 422 */
};

#endif
