/*
 * jsonform.h — a JSON object body read as form fields, so that a declared
 * action takes `{"stage": 3, "phone": "13800138000"}` exactly as it takes
 * stage=3&phone=13800138000.
 *
 * Each member of the top-level object becomes one pair: a string as it is,
 * an integer in decimal, a real in %.17g, true as "true", false as "", null
 * skipped; an array of such scalars becomes the key repeated (id lists).
 * Anything else (not an object, nested objects, strings with NUL bytes,
 * more than QUERY_MAX_PARAMS pairs) refuses the whole body.
 */
#ifndef LAUREL_JSONFORM_H
#define LAUREL_JSONFORM_H

#include <stddef.h>

#include "core/arena.h"
#include "http/query.h"

/* 1 if content_type names JSON (application/json, with or without parameters). */
int jsonform_is_json(const char *content_type);

/* Parse body[0..n) into q (appending); QUERY_OK, or QUERY_EUTF8 for a body that is not such an object. */
enum query_rc jsonform_parse(struct arena *a, const char *body, size_t n, struct query *q);

#endif
