/*
 * workdays.h — working days in the Chinese calendar: weekends are off,
 * public holidays are off, and the adjusted working days (调休上班, a
 * Saturday or Sunday worked in exchange for a longer holiday) are on.
 *
 * A calendar is China's official one for 2019–2026 (workdays_cn.c, from
 * the State Council's yearly notices) plus the organiser's own lines,
 * which win over it: one date a line, "2024-10-01 休" (or "off") for a day
 * off, "2024-09-29 班" (or "work") for a day worked; blank lines and lines
 * starting with # are ignored.
 *
 * A notice period of n working days starts on the first working day on or
 * after the day it is published and ends on its n-th working day.  Days are
 * counted as days since 1970-01-01 (proleptic Gregorian).  Pure: no I/O.
 */
#ifndef LAUREL_WORKDAYS_H
#define LAUREL_WORKDAYS_H

#include <stddef.h>

#define WORKDAYS_MAX_OWN 512 /* the organiser's lines */

struct workdays {
    int own_day[WORKDAYS_MAX_OWN];
    signed char own_work[WORKDAYS_MAX_OWN]; /* 1 worked, 0 off */
    int nown;
};

/* "2020-02-04" → days since 1970-01-01 in *day; 0, or -1 for no such date. */
int workdays_parse(const char *s, int *day);
/* Day → "2020-02-04" (out has room for 11). */
void workdays_format(int day, char out[11]);
/* 0 Monday ... 6 Sunday. */
int workdays_weekday(int day);

/*
 * Read the organiser's lines into c (starting from no lines).  0, or the
 * 1-based number of the first line that is not "date 休|班|off|work" (c is
 * then emptied), or -1 when there are more than WORKDAYS_MAX_OWN.
 */
int workdays_own(struct workdays *c, const char *text);

/* 1 if day is a working day under c (NULL: the official calendar alone). */
int workdays_is_working(const struct workdays *c, int day);
/* The first working day on or after day. */
int workdays_first(const struct workdays *c, int day);
/* The last day of a period of n ≥ 1 working days starting on or after day. */
int workdays_end(const struct workdays *c, int day, int n);
/* Working days from a to b, both included (0 when b < a). */
int workdays_between(const struct workdays *c, int a, int b);

/* The official calendar's first and last years. */
#define WORKDAYS_CN_FIRST 2019
#define WORKDAYS_CN_LAST 2026
/* 1 off, 2 worked (an adjusted working day), 0 not in the official calendar. */
int workdays_cn(int day);

#endif
