/*
 * workdays.c — working days in the Chinese calendar; see workdays.h.
 * Dates convert with the days-from-civil algorithm (Howard Hinnant's
 * public-domain description, written out here).
 */
#include "workdays.h"

#include <stdio.h>
#include <string.h>

static int from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void to_civil(int z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

int workdays_parse(const char *s, int *day)
{
    int y, m, d, n = 0;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
        s[4] != '-' || s[7] != '-' || y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1)
        return -1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return -1;
    *day = from_civil(y, m, d);
    return 0;
}

void workdays_format(int day, char out[11])
{
    int y, m, d;
    to_civil(day, &y, &m, &d);
    unsigned uy = (unsigned)y % 10000, um = (unsigned)m % 100, ud = (unsigned)d % 100;
    out[0] = (char)('0' + uy / 1000);
    out[1] = (char)('0' + uy / 100 % 10);
    out[2] = (char)('0' + uy / 10 % 10);
    out[3] = (char)('0' + uy % 10);
    out[4] = out[7] = '-';
    out[5] = (char)('0' + um / 10);
    out[6] = (char)('0' + um % 10);
    out[8] = (char)('0' + ud / 10);
    out[9] = (char)('0' + ud % 10);
    out[10] = 0;
}

int workdays_weekday(int day)
{
    /* 1970-01-01 was a Thursday (3). */
    int w = (day + 3) % 7;
    return w < 0 ? w + 7 : w;
}

/* The word after a date: 1 worked, 0 off, -1 neither. */
static int word(const char *p, size_t n)
{
    static const struct {
        const char *w;
        int work;
    } words[] = {{"休", 0}, {"off", 0}, {"班", 1}, {"work", 1}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i].w) == n && strncmp(p, words[i].w, n) == 0)
            return words[i].work;
    return -1;
}

int workdays_own(struct workdays *c, const char *text)
{
    c->nown = 0;
    int line = 0;
    for (const char *p = text; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        line++;
        while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        while (n && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        if (n && *p != '#') {
            char date[11];
            int day, w;
            if (n < 12 || (memcpy(date, p, 10), date[10] = 0, workdays_parse(date, &day)) != 0)
                goto bad;
            const char *q = p + 10;
            size_t k = n - 10;
            while (k && (*q == ' ' || *q == '\t')) {
                q++;
                k--;
            }
            if (q == p + 10 || (w = word(q, k)) < 0)
                goto bad;
            if (c->nown == WORKDAYS_MAX_OWN) {
                c->nown = 0;
                return -1;
            }
            c->own_day[c->nown] = day;
            c->own_work[c->nown++] = (signed char)w;
        }
        p = e ? e + 1 : p + n;
    }
    return 0;
bad:
    c->nown = 0;
    return line;
}

int workdays_is_working(const struct workdays *c, int day)
{
    for (int i = c ? c->nown - 1 : -1; i >= 0; i--)
        if (c->own_day[i] == day)
            return c->own_work[i];
    int cn = workdays_cn(day);
    if (cn)
        return cn == 2;
    return workdays_weekday(day) < 5;
}

int workdays_first(const struct workdays *c, int day)
{
    /* At most a few weeks of days off in a row; bounded all the same. */
    for (int i = 0; i < 366 && !workdays_is_working(c, day); i++)
        day++;
    return day;
}

int workdays_end(const struct workdays *c, int day, int n)
{
    day = workdays_first(c, day);
    for (int left = n - 1; left > 0;) {
        day++;
        left -= workdays_is_working(c, day);
    }
    return day;
}

int workdays_between(const struct workdays *c, int a, int b)
{
    int n = 0;
    for (int d = a; d <= b; d++)
        n += workdays_is_working(c, d);
    return n;
}
