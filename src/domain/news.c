/*
 * news.c — slugs, article states and announcements drafted from the data;
 * see news.h.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "domain/news.h"

const char *const news_status_names[NEWS__STATUSES] = {"draft", "published", "unpublished"};

int news_slug_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > NEWS_SLUG_MAX || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
        return 0;
    if (s[0] == '-' || s[n - 1] == '-' || strstr(s, "--"))
        return 0;
    return strspn(s, "0123456789") != n; /* all digits would read as an article's number */
}

void news_slug_from_title(const char *title, char *out, size_t out_size)
{
    size_t j = 0;
    int gap = 0;
    if (!out_size)
        return;
    for (const char *p = title ? title : ""; *p && j + 1 < out_size; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (gap && j > 0) {
                if (j + 2 >= out_size)
                    break;
                out[j++] = '-';
            }
            out[j++] = c;
            gap = 0;
        } else {
            gap = 1;
        }
    }
    out[j] = 0;
    /* Cut to a whole word, never leaving all digits (a number is an id). */
    if (j && strspn(out, "0123456789") == j)
        out[0] = 0;
}

int news_status_of(const char *s)
{
    for (int i = 0; s && i < NEWS__STATUSES; i++)
        if (strcmp(s, news_status_names[i]) == 0)
            return i;
    return -1;
}

int news_can_move(enum news_status from, enum news_status to)
{
    if (to == NEWS_PUBLISHED)
        return from == NEWS_DRAFT || from == NEWS_UNPUBLISHED;
    if (to == NEWS_UNPUBLISHED)
        return from == NEWS_PUBLISHED;
    return 0;
}

/* Text as Markdown that prints as typed: ASCII punctuation escaped, line breaks as spaces. */
static void md_text(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        char c = *s;
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        if (strchr("\\`*_{}[]()<>#+-.!|~&\"'", c) && c)
            buf_putc(b, '\\');
        buf_putc(b, c);
    }
}

/* 1 if award x goes before award y: by tier, then region code (the order given stays). */
static int award_before(const struct news_award *x, const struct news_award *y)
{
    if (x->tier != y->tier)
        return x->tier < y->tier;
    return strcmp(x->region_code ? x->region_code : "", y->region_code ? y->region_code : "") < 0;
}

char *news_announcement_title(const struct news_announcement *a)
{
    struct buf b = BUF_INIT;
    buf_init(&b, 4096);
    buf_puts(&b, a->campaign ? a->campaign : "");
    buf_puts(&b, a->kind == NEWS_KIND_NOTICE ? "拟入选案例公示" : "结果公告");
    return b.oom ? (buf_release(&b), NULL) : buf_detach(&b, NULL);
}

char *news_announcement_markdown(const struct news_announcement *a)
{
    size_t *order = malloc((a->nawards + 1) * sizeof *order);
    size_t *count = calloc(a->ntiers + 1, sizeof *count);
    if (!order || !count) {
        free(order);
        free(count);
        return NULL;
    }
    for (size_t i = 0; i < a->nawards; i++) {
        if (a->awards[i].tier >= a->ntiers) {
            free(order);
            free(count);
            return NULL;
        }
        order[i] = i;
        count[a->awards[i].tier]++;
    }
    /* A stable insertion sort: a campaign awards a few hundred cases at most. */
    for (size_t i = 1; i < a->nawards; i++) {
        size_t k = order[i], j = i;
        for (; j > 0 && award_before(&a->awards[k], &a->awards[order[j - 1]]); j--)
            order[j] = order[j - 1];
        order[j] = k;
    }

    struct buf b = BUF_INIT;
    buf_init(&b, 0);
    int notice = a->kind == NEWS_KIND_NOTICE;
    md_text(&b, a->campaign);
    buf_puts(&b, notice ? "经专家评审，拟入选案例共 " : "经专家评审和社会公示，共评选出获奖案例 ");
    buf_printf(&b, "%zu 个，其中", a->nawards);
    for (size_t t = 0; t < a->ntiers; t++) {
        buf_puts(&b, t ? "，" : "");
        md_text(&b, a->tiers[t]);
        buf_printf(&b, " %zu 个", count[t]);
    }
    buf_puts(&b, notice ? "。现将拟入选名单予以公示。\n\n" : "。现将获奖名单予以公布。\n\n");
    if (notice) {
        buf_puts(&b, "公示期：");
        md_text(&b, a->from);
        buf_puts(&b, " 至 ");
        md_text(&b, a->to);
        buf_puts(&b, "。公示期内，对名单有异议的，可通过本网站的公示页面实名提出，"
                     "并说明理由；逾期不予受理。\n\n");
    }
    buf_puts(&b, "## 各等次数量\n\n");
    for (size_t t = 0; t < a->ntiers; t++) {
        buf_puts(&b, "- ");
        md_text(&b, a->tiers[t]);
        buf_printf(&b, "：%zu 个\n", count[t]);
    }
    size_t i = 0;
    for (size_t t = 0; t < a->ntiers; t++) {
        if (!count[t])
            continue;
        buf_puts(&b, "\n## ");
        md_text(&b, a->tiers[t]);
        buf_printf(&b, "（%zu 个）\n", count[t]);
        const char *region = NULL;
        int n = 0;
        for (; i < a->nawards && a->awards[order[i]].tier == t; i++) {
            const struct news_award *w = &a->awards[order[i]];
            if (!region || strcmp(region, w->region_code ? w->region_code : "") != 0) {
                region = w->region_code ? w->region_code : "";
                buf_puts(&b, "\n### ");
                md_text(&b, w->region);
                buf_puts(&b, "\n\n");
                n = 0;
            }
            buf_printf(&b, "%d. ", ++n);
            md_text(&b, w->title);
            if (w->unit && *w->unit) {
                buf_puts(&b, "（");
                md_text(&b, w->unit);
                buf_puts(&b, "）");
            }
            buf_putc(&b, '\n');
        }
    }
    free(order);
    free(count);
    return b.oom ? (buf_release(&b), NULL) : buf_detach(&b, NULL);
}
