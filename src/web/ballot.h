/*
 * ballot.h — the final ballot (终评) on the web (ballot.c): the organiser's
 * jury and sitting pages and the tally, the juror's ballot, and the public
 * receipt check.
 */
#ifndef LAUREL_WEB_BALLOT_H
#define LAUREL_WEB_BALLOT_H

#include "web/action.h"
#include "web/web.h"

/* GET /admin/stages/{id}/jury and /admin/stages/{id}/tally (ROLE_ORGANISER). */
enum web_err page_ballot_jury(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_ballot_tally(struct req *r, const struct web_input *in, struct page *p);
/* POST /admin/stages/{id}/jury (settings), /jury/add, /jury/{uid}/remove, /sitting (open,
 * or the runoff), /sitting/presence, /sitting/start, /tally. */
extern const struct web_action act_ballot_settings, act_ballot_juror_add, act_ballot_juror_remove,
    act_ballot_sitting, act_ballot_presence, act_ballot_voting, act_ballot_tally;

/* GET /ballot and GET /ballot/{stage} (ROLE_REVIEWER, on the stage's jury). */
enum web_err page_ballot_list(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_ballot_paper(struct req *r, const struct web_input *in, struct page *p);
/* POST /ballot/{stage} (save) and /ballot/{stage}/cast (final; answers with the receipt). */
extern const struct web_action act_ballot_save, act_ballot_cast;

/* GET and POST /ballot-receipt: anyone holding a receipt sees the ballot it names. */
enum web_err page_ballot_receipt(struct req *r, const struct web_input *in, struct page *p);
extern const struct web_action act_ballot_receipt;

#endif
