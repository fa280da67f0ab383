/*
 * i18n.c — loading and looking up the message catalogs; see i18n.h.
 */
#include "i18n.h"

#include <stdio.h>
#include <string.h>

#include "core/embed.h"

static json_t *catalogs[LANG__MAX];
static const char *const codes[LANG__MAX] = {"zh-CN", "en"};

int i18n_load(char *err, size_t errlen)
{
    for (int l = 0; l < LANG__MAX; l++) {
        char name[64];
        snprintf(name, sizeof name, "i18n/%s.json", codes[l]);
        const struct embed_file *f = embed_find(name);
        json_error_t je;
        if (!f || !(catalogs[l] = json_loadb((const char *)f->data, f->len, 0, &je)) ||
            !json_is_object(catalogs[l])) {
            snprintf(err, errlen, "%s: %s", name, f ? je.text : "missing");
            return -1;
        }
    }
    const char *key;
    json_t *v;
    json_object_foreach(catalogs[LANG_ZH], key, v)
    {
        if (!json_is_string(json_object_get(catalogs[LANG_EN], key))) {
            snprintf(err, errlen, "i18n/en.json lacks the key %s", key);
            return -1;
        }
    }
    json_object_foreach(catalogs[LANG_EN], key, v)
    {
        if (!json_is_string(json_object_get(catalogs[LANG_ZH], key))) {
            snprintf(err, errlen, "i18n/zh-CN.json lacks the key %s", key);
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
