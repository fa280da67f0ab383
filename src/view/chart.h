/*
 * chart.h — the results chart (chart.c): awards by region drawn as a
 * server-rendered SVG, for the public results page.
 */
#ifndef LAUREL_CHART_H
#define LAUREL_CHART_H

#include <jansson.h>

#include "core/lang.h"

/*
 * The SVG bar chart of awards by region: regions as the results model lists
 * them ({code, name, awarded, awards: {slug: n}}), tiers as [{slug, name}].
 * A new JSON string the caller owns; every name in it is XML-escaped.
 */
json_t *chart_awards_svg(json_t *regions, json_t *tiers, enum lang lang);

#endif
