/* Calendar months: the model's clock ticks once a month. */
#include <stdio.h>
#include <string.h>

#include "pactsim.h"

int ps_date_diff(ps_date a, ps_date b)
{
    return (a.year - b.year) * 12 + (a.month - b.month);
}

ps_date ps_date_add(ps_date d, int months)
{
    int m = d.year * 12 + (d.month - 1) + months;
    ps_date r = {m / 12, m % 12 + 1};
    if (m < 0) { /* floor division for years before 0, never used in practice */
        r.year = (m - 11) / 12;
        r.month = m - r.year * 12 + 1;
    }
    return r;
}

static int parse_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int ps_date_parse(const char *s, ps_date *out)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t len = strlen(s);
    int y, m, d = 1;
    if ((len != 7 && len != 10) || s[4] != '-')
        return -1;
    if (parse_digits(s, 4, &y) || parse_digits(s + 5, 2, &m))
        return -1;
    if (len == 10 && (s[7] != '-' || parse_digits(s + 8, 2, &d)))
        return -1;
    if (y < 1800 || y > 2300 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return -1;
    /* 29 February only in leap years (Gregorian: 2000 is one, 1900 and 2100 are not). */
    if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return -1;
    out->year = y;
    out->month = m;
    return 0;
}

void ps_date_format(ps_date d, char buf[8])
{
    snprintf(buf, 8, "%04u-%02u", (unsigned)d.year % 10000u, (unsigned)d.month % 100u);
}
