/*
 * statement.h — the signed results on the site: the public page of the
 * public campaign's statements with the installation's public key, the
 * statement files and the key as downloads, and the organiser's action
 * that issues a statement (store/statement.h).
 */
#ifndef LAUREL_WEB_STATEMENT_H
#define LAUREL_WEB_STATEMENT_H

#include "web/action.h"
#include "web/web.h"

enum web_err page_statement(struct req *r, const struct web_input *in, struct page *p);
void raw_statement_file(struct req *r, struct resp *w);
void raw_public_key(struct req *r, struct resp *w);

/* The organiser's results page (/admin/results): statements and certificates. */
enum web_err page_admin_results(struct req *r, const struct web_input *in, struct page *p);
extern const struct web_action act_statement_issue;

#endif
