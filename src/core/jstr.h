/*
 * jstr.h — a text field of a model (a jansson object), never NULL.
 *
 * Models built by the store are jansson objects whose text fields may be
 * absent or null (an optional column).  Code that formats them wants a
 * string it can print or compare without a NULL check at every use: jstr
 * gives "" for a missing, null or non-string field.  It lives in core/ so
 * that every layer that holds models uses the one helper; the module is one
 * function, so the function is named as the module.
 */
#ifndef LAUREL_JSTR_H
#define LAUREL_JSTR_H

#include <jansson.h>

/* The string field key of object o, or "" (borrowed from o: valid while o is). */
static inline const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

#endif
