/*
 * export_site.h — `laurel export-site DIR`: the public site as static files
 * (export_site.c), with its search index (export_index.c) and relative
 * links (export_links.h).
 */
#ifndef LAUREL_EXPORT_SITE_H
#define LAUREL_EXPORT_SITE_H

#include <jansson.h>

#include "web/export_links.h"

struct store;

/* The command: argv[1] is "export-site".  Returns the exit status. */
int export_site_main(int argc, char **argv);

/*
 * The search index of the published cases whose pages were exported
 * (resolve names each case's file): {version, docs, grams}, or NULL on a
 * fault of the store.
 */
json_t *export_search_index(struct store *st, export_resolve_fn resolve, void *ctx);

#endif
