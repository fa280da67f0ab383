/*
 * i18n.c — loading and looking up the message catalogs; see i18n.h.
 */
#include "i18n.h"

#include <stdio.h>
#include <string.h>

#include "core/embed.h"

static json_t *catalogs[LANG__MAX];
static const char *const codes[LANG__MAX] = {"zh-CN", "en"};

/* Merge every embedded i18n/<code>*.json (e.g. zh-CN.json, zh-CN.submit.json) into one catalog. */
static json_t *load_catalog(const char *code, char *err, size_t errlen)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "i18n/%s.", code);
    size_t plen = strlen(prefix);
    json_t *cat = json_object();
    for (unsigned i = 0; i < embed_count; i++) {
        const struct embed_file *f = &embed_files[i];
        size_t n = strlen(f->name);
        if (strncmp(f->name, prefix, plen) != 0 || n < 5 || strcmp(f->name + n - 5, ".json"))
            continue;
        json_error_t je;
        json_t *part = json_loadb((const char *)f->data, f->len, 0, &je);
        if (!json_is_object(part)) {
            snprintf(err, errlen, "%s:%d: %s", f->name, je.line, je.text);
            json_decref(part);
            json_decref(cat);
            return NULL;
        }
        const char *key;
        json_t *v;
        json_object_foreach(part, key, v)
        {
            if (json_object_get(cat, key) || !json_is_string(v)) {
                snprintf(err, errlen, "%s: key %s is defined twice or not a string", f->name,
                         key);
                json_decref(part);
                json_decref(cat);
                return NULL;
            }
        }
        json_object_update(cat, part);
        json_decref(part);
    }
    return cat;
}

int i18n_load(char *err, size_t errlen)
{
    for (int l = 0; l < LANG__MAX; l++)
        if (!(catalogs[l] = load_catalog(codes[l], err, errlen)))
            return -1;
    const char *key;
    json_t *v;
    json_object_foreach(catalogs[LANG_ZH], key, v)
    {
        if (!json_is_string(json_object_get(catalogs[LANG_EN], key))) {
            snprintf(err, errlen, "the English catalog lacks the key %s", key);
            return -1;
        }
    }
    json_object_foreach(catalogs[LANG_EN], key, v)
    {
        if (!json_is_string(json_object_get(catalogs[LANG_ZH], key))) {
            snprintf(err, errlen, "the Chinese catalog lacks the key %s", key);
            return -1;
        }
    }
    return 0;
}

void i18n_free(void)
{
    for (int l = 0; l < LANG__MAX; l++) {
        json_decref(catalogs[l]);
        catalogs[l] = NULL;
    }
}

json_t *i18n_catalog(enum lang l)
{
    return catalogs[l];
}

const char *i18n_get(enum lang l, const char *key)
{
    const char *m = json_string_value(json_object_get(catalogs[l], key));
    if (!m)
        m = json_string_value(json_object_get(catalogs[LANG_ZH], key));
    return m ? m : key;
}

const char *i18n_code(enum lang l)
{
    return codes[l];
}

int i18n_parse(const char *code)
{
    if (!code)
        return -1;
    if (strcmp(code, "zh-CN") == 0 || strcmp(code, "zh") == 0)
        return LANG_ZH;
    if (strcmp(code, "en") == 0)
        return LANG_EN;
    return -1;
}
