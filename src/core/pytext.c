/* Python's text forms, byte for byte, shared by the renderers and the docs: repr of a
 * float, json.dumps of a number, and json.dumps' ensure_ascii escape of a code point. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dqbatch/core.h"

/* ---- exact decimal digits of a double ----------------------------------------------- */

/* A double is m / 2^s with m below 2^53, so its decimal digits are integer arithmetic:
 * m times a power of five or ten, shifted right with the remainder deciding the rounding.
 * 128 bits hold every product the callers ask for, which is how these functions give
 * printf's and strtod's exact answers without their arbitrary-precision arithmetic. */
#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 u128;

static const uint64_t pow10_u64[20] = {1ULL,
                                       10ULL,
                                       100ULL,
                                       1000ULL,
                                       10000ULL,
                                       100000ULL,
                                       1000000ULL,
                                       10000000ULL,
                                       100000000ULL,
                                       1000000000ULL,
                                       10000000000ULL,
                                       100000000000ULL,
                                       1000000000000ULL,
                                       10000000000000ULL,
                                       100000000000000ULL,
                                       1000000000000000ULL,
                                       10000000000000000ULL,
                                       100000000000000000ULL,
                                       1000000000000000000ULL,
                                       10000000000000000000ULL};

/* 5^27 is the largest power of five below 2^64. */
#define MAX_POW5 27

static const uint64_t pow5[MAX_POW5 + 1] = {1ULL,
                                            5ULL,
                                            25ULL,
                                            125ULL,
                                            625ULL,
                                            3125ULL,
                                            15625ULL,
                                            78125ULL,
                                            390625ULL,
                                            1953125ULL,
                                            9765625ULL,
                                            48828125ULL,
                                            244140625ULL,
                                            1220703125ULL,
                                            6103515625ULL,
                                            30517578125ULL,
                                            152587890625ULL,
                                            762939453125ULL,
                                            3814697265625ULL,
                                            19073486328125ULL,
                                            95367431640625ULL,
                                            476837158203125ULL,
                                            2384185791015625ULL,
                                            11920928955078125ULL,
                                            59604644775390625ULL,
                                            298023223876953125ULL,
                                            1490116119384765625ULL,
                                            7450580596923828125ULL};

/* |v| as m / 2^s; false for infinities and NaN. */
static bool split_double(double v, uint64_t *m, int *s)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int biased = (int)(bits >> 52 & 0x7ff);
    uint64_t fraction = bits & ((1ULL << 52) - 1);
    if (biased == 0x7ff)
        return false;
    *m = biased ? fraction | 1ULL << 52 : fraction;
    *s = biased ? 1075 - biased : 1074;
    return true;
}

/* x / 2^s rounded to nearest, ties to even (printf's and strtod's rounding); x < 2^127. */
static u128 shift_round(u128 x, int s)
{
    if (s <= 0)
        return x << -s;
    if (s >= 128)
        return 0;
    u128 q = x >> s;
    u128 rem = x - (q << s), half = (u128)1 << (s - 1);
    if (rem > half || (rem == half && (q & 1)))
        q++;
    return q;
}

bool dq_double_fixed(double v, int decimals, uint64_t *out)
{
    uint64_t m;
    int s;
    /* Below 1e19 a left shift is at most 11 bits; m * 10^9 is below 2^83. */
    if (decimals < 0 || decimals > 9 || !(fabs(v) < 1e19) || !split_double(v, &m, &s))
        return false;
    u128 q = shift_round((u128)m * pow10_u64[decimals], s);
    if (q > UINT64_MAX)
        return false;
    *out = (uint64_t)q;
    return true;
}

/* floor(e * log10(2)), exact for |e| up to 1650 (Ryu's constant). */
static int log10_pow2_estimate(int e)
{
    return e >= 0 ? (e * 78913) >> 18 : -((-e * 78913) >> 18) - 1;
}

bool dq_double_digits(double v, int digits, uint64_t *out, int *exp10)
{
    uint64_t m;
    int s;
    if (digits < 1 || digits > 17 || !split_double(v, &m, &s) || m < 1ULL << 52)
        return false; /* zero and subnormals too */
    /* 10^e10 <= 2^(52 - s) <= |v| < 10^(e10 + 2): count up to the exponent. */
    int e10 = log10_pow2_estimate(52 - s);
    for (int tries = 0; tries < 3; tries++, e10++) {
        int j = digits - 1 - e10, shift = s - j;
        if (j < 0 || j > MAX_POW5 || shift < 1 || shift > 127)
            return false;
        u128 x = (u128)m * pow5[j]; /* |v| * 10^j * 2^shift, below 2^117 */
        u128 truncated = x >> shift;
        if (truncated >= pow10_u64[digits])
            continue; /* e10 too small */
        if (truncated < pow10_u64[digits - 1])
            return false; /* cannot happen while e10 counts up from below */
        u128 q = shift_round(x, shift);
        if (q == pow10_u64[digits]) { /* 9.99.. rounded up to 10.0.. */
            q = pow10_u64[digits - 1];
            e10++;
        }
        *out = (uint64_t)q;
        *exp10 = e10;
        return true;
    }
    return false;
}

/* Whether digits * 10^-j reads back as |v| = m / 2^s: strtod rounds to nearest, ties to
 * the even mantissa. Everything is scaled by 2^(s+2) * 5^j to stay whole; the caller keeps
 * 0 <= j <= 27 and s + 2 - j <= 70 so that it fits. */
static bool reads_back(uint64_t m, int s, uint64_t digits, int j)
{
    u128 d = (u128)digits << (s + 2 - j);
    u128 c = (u128)m * pow5[j] << 2;
    u128 up = (u128)pow5[j] << 1;
    /* Below a power of two the next double down is half as far. */
    u128 down = m == 1ULL << 52 ? up >> 1 : up;
    bool even = !(m & 1);
    if (d >= c)
        return d - c < up || (d - c == up && even);
    return c - d < down || (c - d == down && even);
}

/* The digits of the slow search below (15 digits, else 16, else 17, each as %.*e rounds
 * them, the first that strtod reads back), trailing zeros dropped, found exactly in integers.
 * Within 1e-10 .. 1e14 the products stay below 2^122; elsewhere false. */
static bool float_digits_fast(double v, char *digits, size_t *nd, int *exp10)
{
    uint64_t m, n = 0;
    int s, e10 = 0;
    if (!(fabs(v) >= 1e-10 && fabs(v) < 1e14) || !split_double(v, &m, &s))
        return false;
    for (int count = 15; count <= 17; count++) {
        if (!dq_double_digits(v, count, &n, &e10))
            return false;
        int j = count - 1 - e10;
        if (j < 0 || j > MAX_POW5 || s + 2 - j > 70)
            return false;
        if (count == 17 || reads_back(m, s, n, j))
            break;
    }
    while (n % 10 == 0)
        n /= 10;
    char text[24];
    char *end = text + sizeof text, *start = end;
    do {
        *--start = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    *nd = (size_t)(end - start);
    memcpy(digits, start, *nd);
    digits[*nd] = '\0';
    *exp10 = e10;
    return true;
}
#else
static bool float_digits_fast(double v, char *digits, size_t *nd, int *exp10)
{
    (void)v, (void)digits, (void)nd, (void)exp10;
    return false;
}

bool dq_double_fixed(double v, int decimals, uint64_t *out)
{
    (void)v, (void)decimals, (void)out;
    return false;
}

bool dq_double_digits(double v, int digits, uint64_t *out, int *exp10)
{
    (void)v, (void)digits, (void)out, (void)exp10;
    return false;
}
#endif

/* ---- repr ------------------------------------------------------------------------------ */

/* Shortest digits that read back as v, as Python's repr chooses them. A normal double
 * holds 15.9 significant digits, so 15 of them (trailing zeros dropped later) name the
 * shortest form whenever that has 15 or fewer: at most three tries. A subnormal holds
 * fewer, so its search starts at one. printf and strtod make this slow: float_digits_fast
 * gives the same digits for the usual magnitudes. */
static void float_digits_slow(double v, char *digits, size_t *nd, int *exp10)
{
    char sci[40];
    for (int count = fabs(v) >= DBL_MIN ? 15 : 1; count <= 17; count++) {
        snprintf(sci, sizeof sci, "%.*e", count - 1, v);
        if (strtod(sci, NULL) == v)
            break;
    }
    /* sci is "[-]d[.ddd]e[+-]XX": keep the digits and the exponent. */
    const char *p = sci + (sci[0] == '-');
    *nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.' && *nd + 1 < 24)
            digits[(*nd)++] = *p;
    *exp10 = atoi(p + 1);
    while (*nd > 1 && digits[*nd - 1] == '0')
        (*nd)--;
    digits[*nd] = '\0';
}

/* Appends n copies of c, or text, at *p. */
static void put_chars(char **p, char c, int n)
{
    for (; n > 0; n--)
        *(*p)++ = c;
}

static void put_text(char **p, const char *text, size_t n)
{
    memcpy(*p, text, n);
    *p += n;
}

/* The decimal digits of n at *p. */
static void put_uint(char **p, uint64_t n)
{
    char text[24];
    char *end = text + sizeof text, *start = end;
    do {
        *--start = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    put_text(p, start, (size_t)(end - start));
}

/* text (len bytes) into out as snprintf would: cut to size - 1 bytes, always ended. */
static void put_out(char *out, size_t size, const char *text, size_t len)
{
    if (!size)
        return;
    if (len >= size)
        len = size - 1;
    memcpy(out, text, len);
    out[len] = '\0';
}

void dq_py_float_repr(double v, char *out, size_t size)
{
    if (isnan(v)) {
        put_out(out, size, "NaN", 3);
        return;
    }
    if (isinf(v)) {
        put_out(out, size, v > 0 ? "Infinity" : "-Infinity", v > 0 ? 8 : 9);
        return;
    }
    char text[64];
    char *p = text;
    if (signbit(v))
        *p++ = '-';
    if (v == 0 || (fabs(v) < 1e16 && v == (double)(int64_t)v)) {
        /* Whole numbers (rates of 1.0, counts stored as floats) are the common case, and
         * their repr is the integer and ".0": no search for the shortest digits. */
        put_uint(&p, (uint64_t)fabs(v));
        put_text(&p, ".0", 2);
        put_out(out, size, text, (size_t)(p - text));
        return;
    }
    char digits[24];
    size_t nd;
    int exp10;
    if (!float_digits_fast(v, digits, &nd, &exp10))
        float_digits_slow(v, digits, &nd, &exp10);
    if (exp10 < -4 || exp10 >= 16) {
        /* Python: 1e-05, 1.5e+16 */
        *p++ = digits[0];
        if (nd > 1) {
            *p++ = '.';
            put_text(&p, digits + 1, nd - 1);
        }
        *p++ = 'e';
        *p++ = exp10 < 0 ? '-' : '+';
        if (abs(exp10) < 10)
            *p++ = '0';
        put_uint(&p, (uint64_t)abs(exp10));
    } else if (exp10 < 0) {
        put_text(&p, "0.", 2);
        put_chars(&p, '0', -exp10 - 1);
        put_text(&p, digits, nd);
    } else if ((size_t)exp10 + 1 >= nd) {
        put_text(&p, digits, nd);
        put_chars(&p, '0', exp10 + 1 - (int)nd);
        put_text(&p, ".0", 2);
    } else {
        put_text(&p, digits, (size_t)exp10 + 1);
        *p++ = '.';
        put_text(&p, digits + exp10 + 1, nd - (size_t)exp10 - 1);
    }
    put_out(out, size, text, (size_t)(p - text));
}

void dq_py_number_text(double v, char *out, size_t size)
{
    /* The tree does not say which numbers were ints: integral values within double's
     * exact range are written without a fraction, as the writer most likely had them
     * (and as %.0f does, "-0" included). */
    if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0) {
        char text[24];
        char *p = text;
        if (signbit(v))
            *p++ = '-';
        put_uint(&p, (uint64_t)fabs(v));
        put_out(out, size, text, (size_t)(p - text));
    } else {
        dq_py_float_repr(v, out, size);
    }
}

const char *dq_json_escape(unsigned cp, char *out)
{
    static const char plain[] = "\"\\\n\r\t\b\f";
    static const char named[] = "\"\\nrtbf";
    const char *hit = cp && cp < 0x80 ? strchr(plain, (int)cp) : NULL;
    if (hit) {
        out[0] = '\\';
        out[1] = named[hit - plain];
        out[2] = '\0';
    } else if (cp >= 0x10000) {
        cp -= 0x10000;
        snprintf(out, DQ_JSON_ESCAPE_SIZE, "\\u%04x\\u%04x", 0xd800 + (cp >> 10),
                 0xdc00 + (cp & 0x3ff));
    } else {
        snprintf(out, DQ_JSON_ESCAPE_SIZE, "\\u%04x", cp);
    }
    return out;
}
