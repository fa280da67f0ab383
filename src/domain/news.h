/*
 * news.h — the rules of news articles, without I/O: what a slug may be and
 * how one is made from a title, the states an article moves through, and
 * the announcements drafted from the data (a 公示 of proposed awards, a
 * 结果公告 of published results) as Markdown.
 *
 * An announcement is generic: a campaign's name, its tiers in order, and a
 * list of awards (a case's title, unit and region with the index of its
 * tier), in any order; the text lists them by tier, then by region (code
 * order), then as given.  Titles are escaped, so nothing a unit typed can
 * turn into a link or markup.
 */
#ifndef LAUREL_DOMAIN_NEWS_H
#define LAUREL_DOMAIN_NEWS_H

#include <stddef.h>

#define NEWS_SLUG_MAX 80
#define NEWS_TITLE_MAX 120
#define NEWS_SOURCE_MAX 60
#define NEWS_BODY_MAX 60000
/* An uploaded image: at most this many bytes. */
#define NEWS_IMAGE_MAX (5u << 20)

/* 1 if s may be a slug: 1..80 of a-z 0-9 and '-', not all digits, no '-' at an end or twice. */
int news_slug_valid(const char *s);

/*
 * A slug from a title: its runs of ASCII letters and digits, lower-cased,
 * joined by '-' (at most out_size - 1 bytes, cut at a '-').  Empty when the
 * title has none (a Chinese title): the caller picks a fallback.
 */
void news_slug_from_title(const char *title, char *out, size_t out_size);

/* The states; a move is allowed when news_can_move says so. */
enum news_status { NEWS_DRAFT, NEWS_PUBLISHED, NEWS_UNPUBLISHED, NEWS__STATUSES };
extern const char *const news_status_names[NEWS__STATUSES];
/* The status named s, or -1. */
int news_status_of(const char *s);
/* Publish from a draft or an unpublished article; unpublish a published one. */
int news_can_move(enum news_status from, enum news_status to);

enum news_kind { NEWS_KIND_NEWS, NEWS_KIND_NOTICE, NEWS_KIND_RESULTS };

struct news_award {
    const char *title, *unit, *region, *region_code;
    size_t tier; /* index into the announcement's tiers */
};

struct news_announcement {
    enum news_kind kind; /* NOTICE or RESULTS */
    const char *campaign;
    const char *const *tiers; /* names, in order */
    size_t ntiers;
    const struct news_award *awards;
    size_t nawards;
    const char *from, *to; /* the notice period, 2020-02-04 (NOTICE) */
};

/* The announcement's title, malloc'd. */
char *news_announcement_title(const struct news_announcement *a);
/* Its body as Markdown, malloc'd; NULL when out of memory or an award's tier is out of range. */
char *news_announcement_markdown(const struct news_announcement *a);

#endif
