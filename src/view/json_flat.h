/*
 * json_flat.h — a flat JSON object written compactly without jansson's
 * json_dumps: the API's small answers (a vote's {case, votes,
 * remaining_today}).
 *
 * json_dumps spent 8,000 instructions on those three integers (a cycle
 * check that hashes a pointer string per object, snprintf per integer,
 * a growing buffer and a copy): 5 % of a vote's serving thread.  Only an
 * object whose keys are ASCII letters, digits and underscores and whose
 * values are integers, true, false or null is written here; anything else
 * is left to json_dumps.  The bytes are json_dumps(o, JSON_COMPACT)'s
 * (tests/unit/test_json_flat.c compares them).
 */
#ifndef LAUREL_JSON_FLAT_H
#define LAUREL_JSON_FLAT_H

#include <jansson.h>

#include "core/buf.h"

/* Append o to b if it is such an object: 0; else -1 and b unchanged. */
int json_flat_write(const json_t *o, struct buf *b);

#endif
