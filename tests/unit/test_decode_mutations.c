/* Mutated fixture bytes: whatever the damage, dq_decode returns a value (a result, or an
 * error naming the file), never crashes, leaks or reads out of bounds (the suite runs
 * under AddressSanitizer and UBSan). Deterministic: a fixed seed, a fixed set of files. */
#include <stdlib.h>
#include <string.h>

#include "decode_support.h"
#include "dqtest.h"

static const char *const files[] = {
    "flat/app_reviews_quality_20240315_233533_d733d8cc.json",
    "by_date/2024/03/06/customer_accounts_daily_20240306_015902_b73de6bf.json.gz",
    "flat/shipments_hourly_20240309_131129_a89ba261.yaml",
    "flat/customer_accounts_daily_20240326_231825_3ee39c66.json",
};

static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* Tokens that steer the parsers into their rarer paths. */
static const char *const tokens[] = {
    "NaN", "-Infinity", "\\ud800",  "[[[[", "]}",    "*id001", "&id001 ", "!!python/object:x ",
    "\"",  "\xc3",      "\x1f\x8b", "null", "1e999", "- ",     ": ",      "\n  ",
    "{",   "0x1F",      "<<: "};

static size_t mutate(unsigned char *buf, size_t len, size_t cap, uint64_t *rng)
{
    size_t at = len ? (size_t)(next_random(rng) % len) : 0;
    switch (next_random(rng) % 4) {
    case 0: /* flip a byte */
        if (len)
            buf[at] ^= (unsigned char)(1u << (next_random(rng) % 8));
        return len;
    case 1: /* cut */
        return at;
    case 2: { /* insert a token */
        const char *t = tokens[next_random(rng) % (sizeof(tokens) / sizeof(*tokens))];
        size_t n = strlen(t);
        if (len + n > cap)
            return len;
        memmove(buf + at + n, buf + at, len - at);
        memcpy(buf + at, t, n);
        return len + n;
    }
    default: /* delete a run */
    {
        size_t n = (size_t)(next_random(rng) % 64);
        if (at + n > len)
            n = len - at;
        memmove(buf + at, buf + at + n, len - at - n);
        return len - n;
    }
    }
}

/* DQ_DECODE_MUTATIONS=N runs N rounds per file instead of the quick default. */
static int mutation_rounds(void)
{
    const char *env = getenv("DQ_DECODE_MUTATIONS");
    int n = env ? atoi(env) : 0;
    return n > 0 ? n : 2000;
}

START_TEST(mutated_fixtures)
{
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    int rounds = mutation_rounds();
    size_t ok = 0, failed = 0;
    for (size_t f = 0; f < sizeof(files) / sizeof(*files); f++) {
        size_t len = 0;
        char *original = decode_test_store_file(files[f], &len);
        /* Mutate the text under the gzip too, so the parsers see the damage. */
        size_t plain_len = 0;
        char *plain = decode_test_plain(original, len, &plain_len);
        bool gz = dq_decode_is_gzip(original, len);
        size_t cap = plain_len + 256;
        unsigned char *buf = malloc(cap);
        ck_assert_ptr_nonnull(buf);
        for (int round = 0; round < rounds; round++) {
            memcpy(buf, plain, plain_len);
            size_t n = plain_len;
            int edits = 1 + (int)(next_random(&rng) % 3);
            for (int e = 0; e < edits; e++)
                n = mutate(buf, n, cap, &rng);
            size_t packed_len = n;
            unsigned char *packed = gz && round % 2 ? decode_test_gzip(buf, n, &packed_len) : NULL;
            dq_result r;
            dq_error err = {0};
            dq_format format = DQ_FORMAT_JSON;
            ck_assert(dq_decode_name_format(files[f], &format));
            dq_code rc =
                dq_decode(files[f], packed ? packed : buf, packed_len, format, NULL, &r, &err);
            if (rc == DQ_OK) {
                ck_assert_ptr_nonnull(r.run_id);
                ok++;
            } else {
                ck_assert_msg(strstr(err.msg, files[f]) != NULL, "unnamed: %s", err.msg);
                ck_assert_ptr_null(r.doc);
                failed++;
            }
            dq_result_free(&r);
            free(packed);
        }
        free(buf);
        free(plain);
        free(original);
    }
    /* Both outcomes happen, or the mutations test nothing. */
    ck_assert_uint_gt(ok, 0);
    ck_assert_uint_gt(failed, 0);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("decode_mutations");
    TCase *tc = tcase_create("mutations");
    tcase_add_test(tc, mutated_fixtures);
    suite_add_tcase(suite, tc);
    return dqtest_run(suite);
}
