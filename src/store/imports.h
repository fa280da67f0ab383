/*
 * imports.h — the store's interface for the organiser's bulk files: the
 * look-ups that validate an imported CSV file line by line (regions, units,
 * e-mail addresses, tracks), the inserts that load a whole valid file in one
 * write, and the rows of the spreadsheet export.
 *
 * Look-ups run on the calling thread and return plain values; inserts are
 * tx_* functions called inside one store write (store.h), so that a file is
 * imported whole or not at all.  Export rows are jansson models owned by the
 * caller.
 */
#ifndef LAUREL_IMPORTS_H
#define LAUREL_IMPORTS_H

#include <jansson.h>
#include <stdint.h>

#include "domain/submission.h"
#include "store/store.h"

/* 1 if a region with this GB/T 2260 code exists, else 0. */
int store_import_region_known(struct store *st, const char *code);

/*
 * The id of the unit called `name` (in region `region` when it is not NULL
 * or ""): > 0 when exactly one unit matches, 0 when none does, -1 when
 * several do (the name is ambiguous).
 */
int64_t store_import_unit_id(struct store *st, const char *region, const char *name);

/* The region code of a unit into out (8 bytes); RC_OK or RC_NOTFOUND. */
int store_import_unit_region(struct store *st, int64_t unit_id, char out[8]);

/* 1 if a user holds this e-mail address (case-insensitive), else 0. */
int store_import_email_taken(struct store *st, const char *email);

/* The id of the track `slug` of campaign `campaign_id`, or 0 if none. */
int64_t store_import_track_id(struct store *st, int64_t campaign_id, const char *slug);

/* A new unit; *id receives its id.  parent_id 0 for a top-level unit. */
int tx_import_unit(struct store_tx *tx, const char *region, const char *name, int64_t parent_id,
                   int level, int64_t *id);

/* A case received on paper, entered as submitted (see tx_import_case). */
struct import_case {
    int64_t campaign_id;
    int64_t unit_id;
    int64_t track_id;
    int64_t user_id; /* the organiser who imports it */
    const char *title;
    const char *contact_name;
    const char *contact_phone;
    const char *contact_email;
    const char *tags_text; /* tags separated by "，" */
    const char *sections[SUBMISSION_SECTIONS];
};

/*
 * Insert the case with status 'submitted' (submitted now, region of its
 * unit), its five sections and a case_event draft -> submitted naming the
 * importing user.  *id receives the case's id.
 */
int tx_import_case(struct store_tx *tx, const struct import_case *c, int64_t *id);

/*
 * The export of a campaign's cases that have left the draft state, of one
 * region when region is not NULL, oldest first:
 * [{id, region_code, region, unit, title, track, tags, status, submitted_at,
 *   recommended_at, screening, screening_reason, contact_name, contact_phone,
 *   contact_email, chars}], dates as YYYY-MM-DD ("" when none).
 */
json_t *store_export_cases(struct store *st, int64_t campaign_id, const char *region);

/*
 * Per-region counts of the same cases: [{code, name, cases, recommended,
 * passed}], every region (or the one asked for) in code order.
 */
json_t *store_export_regions(struct store *st, int64_t campaign_id, const char *region);

/* The name of a region, or NULL (a new string, owned by the caller: free()). */
char *store_import_region_name(struct store *st, const char *code);

#endif
