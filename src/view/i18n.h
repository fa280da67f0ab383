/*
 * i18n.h — message catalogs: Simplified Chinese by default, English second.
 *
 * Catalogs are the embedded files i18n/zh-CN*.json and i18n/en*.json (one
 * pair per area, e.g. zh-CN.submit.json), flat objects of key -> message,
 * merged and loaded once at start.  Templates reach them as
 * {{t.key}}; C code through i18n_get().  A key missing from English falls
 * back to Chinese; i18n_load refuses catalogs whose keys differ.
 */
#ifndef LAUREL_I18N_H
#define LAUREL_I18N_H

#include <jansson.h>
#include <stddef.h>

#include "core/lang.h"

/* 0, or -1 with a message. */
int i18n_load(char *err, size_t errlen);
void i18n_free(void);
/* The catalog object (borrowed). */
json_t *i18n_catalog(enum lang l);
/* The message for key, or key itself when no catalog has it. */
const char *i18n_get(enum lang l, const char *key);
/* "zh-CN" or "en". */
const char *i18n_code(enum lang l);
/* LANG_ZH / LANG_EN from "zh-CN"/"zh"/"en"; -1 if neither. */
int i18n_parse(const char *code);

#endif
