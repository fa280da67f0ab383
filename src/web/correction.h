/*
 * correction.h — corrections (更正) after publication on the web
 * (correction.c): the organiser's action, and the dated corrections the
 * public pages show (results, a case, a region, a certificate's check).
 */
#ifndef LAUREL_WEB_CORRECTION_H
#define LAUREL_WEB_CORRECTION_H

#include <jansson.h>
#include <stdint.h>

#include "web/action.h"
#include "web/web.h"

/* POST /admin/stages/{id}/corrections (ROLE_ORGANISER): withdraw an award or change its tier. */
extern const struct web_action act_correction_make;

/*
 * The public campaign's corrections, newest first: all (case_id 0, region
 * NULL), of one case, or of one region's cases (store/correction.h); an
 * empty array when there is none or no public campaign.
 */
json_t *correction_public(int64_t case_id, const char *region);
/* Put them into a page's model as corrections and has_corrections. */
void correction_put(json_t *model, int64_t case_id, const char *region);

#endif
