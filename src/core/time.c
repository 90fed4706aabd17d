/* Times on truthound's naive local clock, as microseconds since 1970-01-01T00:00:00 of
 * that clock. Calendar arithmetic is done by hand (days from civil), so no time zone
 * rule ever shifts a naive reading. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dqbatch/core.h"

#define US_PER_SECOND INT64_C(1000000)
#define SECONDS_PER_DAY INT64_C(86400)

/* Howard Hinnant's days_from_civil. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *year, int *month, int *day)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(y + (m <= 2));
    *month = (int)m;
    *day = (int)d;
}

static bool leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

/* Reads exactly n digits. */
static bool read_digits(const char **s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*s)[i]))
            return false;
        v = v * 10 + ((*s)[i] - '0');
    }
    *s += n;
    *out = v;
    return true;
}

static bool expect(const char **s, char c)
{
    if (**s != c)
        return false;
    (*s)++;
    return true;
}

/* The local zone's offset from UTC, in seconds, at a UTC instant. */
static int64_t local_offset_at(int64_t utc_seconds)
{
    time_t t = (time_t)utc_seconds;
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return 0;
    return tm.tm_gmtoff;
}

/* Reads "[.fraction]" into microseconds (digits past the sixth are dropped). */
static bool read_fraction(const char **s, int64_t *us)
{
    *us = 0;
    if (**s != '.' && **s != ',')
        return true;
    (*s)++;
    int digits = 0;
    while (isdigit((unsigned char)**s)) {
        if (digits < 6)
            *us = *us * 10 + (**s - '0');
        digits++;
        (*s)++;
    }
    if (!digits)
        return false;
    for (; digits < 6; digits++)
        *us *= 10;
    return true;
}

/* Reads "Z", "+HH:MM", "-HHMM" or nothing, into seconds east of UTC. */
static bool read_offset(const char **s, bool *aware, int64_t *offset)
{
    *aware = false;
    *offset = 0;
    if (**s == 'Z' || **s == 'z') {
        (*s)++;
        *aware = true;
        return true;
    }
    if (**s != '+' && **s != '-')
        return true;
    int sign = **s == '-' ? -1 : 1;
    (*s)++;
    int hh, mm = 0;
    if (!read_digits(s, 2, &hh))
        return false;
    if (**s == ':')
        (*s)++;
    if (isdigit((unsigned char)**s) && !read_digits(s, 2, &mm))
        return false;
    if (hh > 23 || mm > 59)
        return false;
    *aware = true;
    *offset = sign * (hh * 3600 + mm * 60);
    return true;
}

dq_code dq_time_parse_iso(const char *text, dq_time *out)
{
    const char *s = text;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t us = 0;
    if (!read_digits(&s, 4, &y) || !expect(&s, '-') || !read_digits(&s, 2, &mo) ||
        !expect(&s, '-') || !read_digits(&s, 2, &d))
        return DQ_EFORMAT;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return DQ_EFORMAT;
    if (*s == 'T' || *s == 't' || *s == ' ') {
        s++;
        if (!read_digits(&s, 2, &h) || !expect(&s, ':') || !read_digits(&s, 2, &mi))
            return DQ_EFORMAT;
        if (*s == ':' && (s++, !read_digits(&s, 2, &sec)))
            return DQ_EFORMAT;
        if (h > 23 || mi > 59 || sec > 59 || !read_fraction(&s, &us))
            return DQ_EFORMAT;
    }
    bool aware;
    int64_t offset;
    if (!read_offset(&s, &aware, &offset) || *s != '\0')
        return DQ_EFORMAT;
    int64_t seconds =
        days_from_civil(y, (unsigned)mo, (unsigned)d) * SECONDS_PER_DAY + h * 3600 + mi * 60 + sec;
    if (aware) {
        int64_t utc = seconds - offset;
        seconds = utc + local_offset_at(utc);
    }
    *out = seconds * US_PER_SECOND + us;
    return DQ_OK;
}

dq_code dq_time_parse_arg(const char *s, dq_time now, dq_time *out)
{
    if (dq_time_parse_iso(s, out) == DQ_OK)
        return DQ_OK;
    char *end;
    double amount = strtod(s, &end);
    if (end == s || amount < 0 || end[0] == '\0' || end[1] != '\0')
        return DQ_EFORMAT;
    double unit;
    switch (*end) {
    case 's':
        unit = 1;
        break;
    case 'm':
        unit = 60;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'd':
        unit = 86400;
        break;
    case 'w':
        unit = 7 * 86400;
        break;
    default:
        return DQ_EFORMAT;
    }
    double age = amount * unit * (double)US_PER_SECOND;
    if (age > 1e17)
        return DQ_EFORMAT;
    *out = now - (dq_time)age;
    return DQ_OK;
}

dq_time dq_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t seconds = (int64_t)ts.tv_sec;
    return (seconds + local_offset_at(seconds)) * US_PER_SECOND + ts.tv_nsec / 1000;
}

static void time_split(dq_time t, struct tm *tm, int *micro)
{
    int64_t seconds = t / US_PER_SECOND;
    int64_t us = t % US_PER_SECOND;
    if (us < 0) {
        us += US_PER_SECOND;
        seconds--;
    }
    int64_t days = seconds / SECONDS_PER_DAY;
    int64_t rest = seconds % SECONDS_PER_DAY;
    if (rest < 0) {
        rest += SECONDS_PER_DAY;
        days--;
    }
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    memset(tm, 0, sizeof(*tm));
    tm->tm_year = y - 1900;
    tm->tm_mon = m - 1;
    tm->tm_mday = d;
    tm->tm_hour = (int)(rest / 3600);
    tm->tm_min = (int)(rest / 60 % 60);
    tm->tm_sec = (int)(rest % 60);
    tm->tm_wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
    tm->tm_yday = (int)(days - days_from_civil(y, 1, 1));
    *micro = (int)us;
}

void dq_time_format_iso(dq_time t, char *out, size_t size)
{
    struct tm tm;
    int us;
    time_split(t, &tm, &us);
    int n = snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (us && n > 0 && (size_t)n < size)
        snprintf(out + n, size - (size_t)n, ".%06d", us);
}

size_t dq_time_format(dq_time t, const char *fmt, char *out, size_t size)
{
    struct tm tm;
    int us;
    time_split(t, &tm, &us);
    return strftime(out, size, fmt, &tm);
}

/* n as two digits at p. */
static char *put2(char *p, int n)
{
    p[0] = (char)('0' + n / 10);
    p[1] = (char)('0' + n % 10);
    return p + 2;
}

size_t dq_time_format_plain(dq_time t, char *out, size_t size)
{
    struct tm tm;
    int us;
    time_split(t, &tm, &us);
    int year = tm.tm_year + 1900;
    if (year < 1000 || year > 9999 || size < DQ_TIME_PLAIN_SIZE)
        return strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm); /* %Y unpadded, or no room */
    char *p = put2(put2(out, year / 100), year % 100);
    *p++ = '-';
    p = put2(p, tm.tm_mon + 1);
    *p++ = '-';
    p = put2(p, tm.tm_mday);
    *p++ = ' ';
    p = put2(p, tm.tm_hour);
    *p++ = ':';
    p = put2(p, tm.tm_min);
    *p++ = ':';
    p = put2(p, tm.tm_sec);
    *p = '\0';
    return (size_t)(p - out);
}
