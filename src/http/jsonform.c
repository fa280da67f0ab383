/*
 * jsonform.c — JSON object bodies as form fields (jsonform.h), over jansson.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/jsonform.h"

int jsonform_is_json(const char *ct)
{
    if (!ct)
        return 0;
    while (*ct == ' ')
        ct++;
    return strncasecmp(ct, "application/json", 16) == 0 &&
           (ct[16] == 0 || ct[16] == ';' || ct[16] == ' ');
}

/* One scalar as a pair; 1 added, 0 skipped (null), -1 refused. */
static int add(struct arena *a, struct query *q, const char *key, json_t *v)
{
    char num[40];
    const char *s;
    size_t len;
    switch (json_typeof(v)) {
    case JSON_STRING:
        s = json_string_value(v);
        len = json_string_length(v);
        if (memchr(s, 0, len))
            return -1;
        break;
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        s = num;
        len = strlen(num);
        break;
    case JSON_REAL:
        snprintf(num, sizeof num, "%.17g", json_real_value(v));
        s = num;
        len = strlen(num);
        break;
    case JSON_TRUE:
        s = "true";
        len = 4;
        break;
    case JSON_FALSE:
        s = "";
        len = 0;
        break;
    case JSON_NULL:
        return 0;
    default:
        return -1;
    }
    if (q->n >= QUERY_MAX_PARAMS)
        return -1;
    char *k = arena_strdup(a, key), *val = arena_strndup(a, s, len);
    if (!k || !val || query_add(a, q, k, val, len) != QUERY_OK)
        return -1;
    return 1;
}

enum query_rc jsonform_parse(struct arena *a, const char *body, size_t n, struct query *q)
{
    json_error_t err;
    json_t *o = json_loadb(body, n, JSON_REJECT_DUPLICATES, &err);
    enum query_rc rc = QUERY_OK;
    if (!json_is_object(o)) {
        json_decref(o);
        return QUERY_EUTF8;
    }
    size_t start = q->n;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        if (json_is_array(v)) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e)
            {
                if (json_is_array(e) || add(a, q, key, e) < 0) {
                    rc = QUERY_EUTF8;
                    break;
                }
            }
        } else if (add(a, q, key, v) < 0) {
            rc = QUERY_EUTF8;
        }
        if (rc != QUERY_OK)
            break;
    }
    json_decref(o);
    if (rc != QUERY_OK)
        q->n = start;
    return rc;
}
