/*
 * admin_list.c — paging, filters and search for the organiser's long lists
 * (see admin_list.h).  The lists that hold thousands of rows (the screening
 * queue, a stage's ranking) page in SQL and use only the pager and the
 * filters here; the shorter ones (users, a stage's assignments, whose rows
 * the store builds whole) are filtered here with admin_list_match.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "web/admin_list.h"

int admin_list_pages(int total)
{
    return total > 0 ? (total + ADMIN_LIST_PER_PAGE - 1) / ADMIN_LIST_PER_PAGE : 1;
}

int admin_list_offset(int page)
{
    return (page > 1 ? page - 1 : 0) * ADMIN_LIST_PER_PAGE;
}

/* The URL of page n of the list: base, the filters, q, then page (left out for the first). */
static json_t *page_url(struct req *r, const char *base, const struct admin_filter *f, size_t nf,
                        int n)
{
    struct buf b = BUF_INIT;
    buf_init(&b, 4096);
    buf_puts(&b, base);
    char sep = '?';
    const char *q = query_get(&r->query, "q");
    for (size_t i = 0; i <= nf; i++) {
        const char *key = i < nf ? f[i].key : "q";
        const char *value = i < nf ? f[i].value : q;
        if (!value || !*value)
            continue;
        buf_putc(&b, sep);
        sep = '&';
        buf_puts(&b, key);
        buf_putc(&b, '=');
        buf_url(&b, value, strlen(value));
    }
    if (n > 1)
        buf_printf(&b, "%cpage=%d", sep, n);
    json_t *s = json_string(b.p ? b.p : base);
    buf_release(&b);
    return s;
}

json_t *admin_list_pager(struct req *r, const char *base, const struct admin_filter *f, size_t n,
                         int page, int total)
{
    int pages = admin_list_pages(total);
    if (page < 1 || page > pages)
        return NULL;
    json_t *pager = json_pack("{s:i,s:i,s:i,s:b}", "page", page, "pages", pages, "total", total,
                              "show", pages > 1);
    if (page > 1)
        json_object_set_new(pager, "prev_url", page_url(r, base, f, n, page - 1));
    if (page < pages)
        json_object_set_new(pager, "next_url", page_url(r, base, f, n, page + 1));
    json_t *nums = json_array();
    /* The first, the last and three either side of this one. */
    for (int k = 1; k <= pages; k++) {
        if (k != 1 && k != pages && (k < page - 3 || k > page + 3))
            continue;
        json_array_append_new(nums, json_pack("{s:i,s:o,s:b}", "n", k, "url",
                                              page_url(r, base, f, n, k), "current", k == page));
    }
    json_object_set_new(pager, "numbers", nums);
    return pager;
}

const char *admin_list_choice(struct req *r, const char *key, const char *const *choices)
{
    const char *v = query_get(&r->query, key);
    if (!v || !*v)
        return "";
    for (size_t i = 0; choices[i]; i++)
        if (strcmp(v, choices[i]) == 0)
            return choices[i];
    return NULL;
}

int64_t admin_list_q_id(const char *q)
{
    if (!q)
        return 0;
    if (*q == '#')
        q++;
    size_t n = strlen(q);
    if (n == 0 || n > 12 || strspn(q, "0123456789") != n || *q == '0')
        return 0;
    return strtoll(q, NULL, 10);
}

/* 1 if needle is in hay, ASCII letters compared without case. */
static int contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; hay && *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

int admin_list_match(const char *q, int64_t id, const char *const *words, size_t n)
{
    if (!q || !*q)
        return 1;
    if (id && admin_list_q_id(q) == id)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (words[i] && contains(words[i], q))
            return 1;
    return 0;
}
