/* --digest without the network: which actions are digested, one group per chat action
 * and checkpoint or per incident key, the summary headline, the latest result winning
 * whatever the order results arrive in, and an idempotency key that names the set of runs. */
#include <stdlib.h>
#include <string.h>

#include "actions_support.h"
#include "dqbatch/actions.h"
#include "dqtest.h"

static const char *const files[] = {
    "store/by_checkpoint/app_reviews_quality/app_reviews_quality_20240326_095850_e143fe46.json.gz",
    "store/by_status/error/app_reviews_quality_20240319_060045_79296ca4.json",
    "store/by_checkpoint/app_reviews_quality/app_reviews_quality_20240329_233715_0ffc43d8.json.gz",
    "store/by_checkpoint/shipments_hourly/shipments_hourly_20240322_183709_abddf923.json.gz",
};

static const char config_text[] =
    "actions:\n"
    "  - {type: slack, webhook_url: 'https://hooks.slack.com/services/T/B/K', notify_on: "
    "always}\n"
    "  - {type: pagerduty, routing_key: r, notify_on: always, dedup_key_template: "
    "'{checkpoint}'}\n"
    "  - {type: webhook, url: 'https://x'}\n";

/* Folds the four results in the given order and renders every group. */
static void digest_run(const int order[4], dq_request_list *out, size_t *groups)
{
    dq_config c;
    dq_error err = {0};
    ck_assert_int_eq(dq_config_parse("d.yaml", config_text, strlen(config_text), &c, NULL, &err),
                     DQ_OK);
    ck_assert(dq_digest_covers(&c.actions[0]));
    ck_assert(dq_digest_covers(&c.actions[1]));
    ck_assert(!dq_digest_covers(&c.actions[2]));
    dq_digest *d = dq_digest_new(&c);
    ck_assert_ptr_nonnull(d);
    for (int i = 0; i < 4; i++) {
        dq_result r;
        actions_test_result(files[order[i]], &r);
        for (size_t a = 0; a < 2; a++)
            ck_assert_int_eq(dq_digest_add(d, a, &r, &err), DQ_OK);
        dq_result_free(&r);
    }
    dq_render_context ctx = {0};
    memset(out, 0, sizeof *out);
    *groups = dq_digest_count(d);
    for (size_t g = 0; g < *groups; g++)
        ck_assert_msg(dq_digest_render(d, g, &ctx, out, &err) == DQ_OK, "%s", err.msg);
    dq_digest_free(d);
    dq_config_free(&c);
}

static const dq_request *find(const dq_request_list *l, const char *action, const char *text)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i].action, action) == 0 && strstr(l->items[i].body, text))
            return &l->items[i];
    ck_abort_msg("no %s request with %s", action, text);
    return NULL;
}

START_TEST(test_digest_groups)
{
    static const int forward[4] = {0, 1, 2, 3}, backward[4] = {3, 2, 1, 0};
    dq_request_list a, b;
    size_t groups_a, groups_b;
    digest_run(forward, &a, &groups_a);
    digest_run(backward, &b, &groups_b);
    ck_assert_uint_eq(groups_a, 4); /* (slack, pagerduty) x (app_reviews, shipments) */
    ck_assert_uint_eq(a.len, 4);
    const dq_request *s = find(&a, "slack", "app_reviews_quality");
    ck_assert_msg(strstr(s->body, "Digest of 3 runs of 'app_reviews_quality' from 2024-03-19 "
                                  "06:00:45 to 2024-03-29 23:37:15: "),
                  "%s", s->body);
    ck_assert_ptr_nonnull(strstr(s->body, "Latest: FAILURE (app_reviews_quality_20240329_233715"
                                          "_0ffc43d8)"));
    ck_assert_ptr_nonnull(strstr(s->idempotency_key, "slack:app_reviews_quality:digest:3:"));
    const dq_request *one = find(&a, "slack", "shipments_hourly");
    ck_assert_ptr_nonnull(strstr(one->body, "Digest of 1 run of 'shipments_hourly'"));
    /* incidents: the latest state of each key, keyed as usual */
    const dq_request *pd = find(&a, "pagerduty", "\"dedup_key\": \"app_reviews_quality\"");
    ck_assert_str_eq(pd->idempotency_key,
                     "pagerduty:app_reviews_quality_20240329_233715_0ffc43d8:trigger");
    /* the order results arrive in changes nothing */
    for (size_t i = 0; i < a.len; i++) {
        bool same = false;
        for (size_t k = 0; k < b.len; k++)
            same = same || (strcmp(a.items[i].idempotency_key, b.items[k].idempotency_key) == 0 &&
                            strcmp(a.items[i].body, b.items[k].body) == 0);
        ck_assert_msg(same, "%s differs with the order", a.items[i].idempotency_key);
    }
    dq_request_list_free(&a);
    dq_request_list_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("actions_digest");
    TCase *tc = tcase_create("digest");
    tcase_add_test(tc, test_digest_groups);
    suite_add_tcase(s, tc);
    return dqtest_run(s);
}
