/*
 * audit.h — the web's side of the audit chain (store/audit.h): the row each
 * declared action appends (action.c asks for it before the write), and the
 * organiser's audit page with its filters and the chain head.
 */
#ifndef LAUREL_WEB_AUDIT_H
#define LAUREL_WEB_AUDIT_H

#include "store/audit.h"
#include "web/action.h"
#include "web/web.h"

/*
 * The row action x appends with its change: who, the route as what, the
 * path as the object (and the case when the route acts on one), and the
 * SHA-256 of the form as sent without its token and passwords.  NULL (no
 * row) for the actions that change no campaign data: signing in and out,
 * one's own password, invitations and resets accepted, and the voters'
 * own requests, whose votes are sealed by batch instead.
 */
struct audit_entry *web_audit_entry(struct web_act *x);

/* 1 if the POST route with this pattern appends an audit row (for `laurel routes`). */
int web_audit_route(const char *pattern);

enum web_err page_audit(struct req *r, const struct web_input *in, struct page *p);

#endif
