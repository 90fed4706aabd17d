/* gen_doc: one synthetic stored result, shaped as truthound 3.1's StoreValidationResult
 * writes it (spec/truthound.md section 1): CheckpointResult.to_dict() with its
 * validation_run, then the validation_result DTO whose statistics agree with the
 * issues, and a status derived from the severities by derive_checkpoint_outcome.
 * Issue shapes copy truthound's null, not_null, unique, duplicate, range and regex
 * validators at the summary result format, as the fixtures show them. */
#include "gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- checkpoint profiles ------------------------------------------------------------ */

typedef enum gen_validator {
    VALIDATOR_NULL,
    VALIDATOR_NOT_NULL,
    VALIDATOR_UNIQUE,
    VALIDATOR_DUPLICATE,
    VALIDATOR_RANGE,
    VALIDATOR_REGEX,
} gen_validator;

/* A column a check can fail on; range columns carry their bounds. */
typedef struct gen_column {
    const char *name;
    const char *expected; /* range: the text truthound shows, "[1, 5]" or ">= 0" */
    int64_t maximum;      /* range: values above it fail too (0: no upper bound) */
} gen_column;

enum { GEN_MAX_COLUMNS = 6, GEN_MAX_CHECKS = 4, GEN_MAX_SAMPLES = 20 };

typedef struct gen_check_profile {
    const char *name;
    const char *category;
    gen_validator validator;
    const char *pattern;       /* regex: config.pattern */
    const char *config_column; /* config.columns = [it], or no columns key */
    gen_column columns[GEN_MAX_COLUMNS];
} gen_check_profile;

typedef struct gen_profile {
    const char *name;
    const char *asset;
    int64_t rows;
    int columns;
    bool fail_on_high;
    bool notifies; /* a Slack and a callback action run before the store action */
    const char *owner;
    const char *tags[3][2];
    const char *bad_strings[10]; /* what a failing regex column holds */
    gen_check_profile checks[GEN_MAX_CHECKS];
} gen_profile;

static const int64_t gen_bad_numbers[] = {-999, -20, -5, -1, -19, -4, -998};

/* Columns in the tables below: any column, and a range column with its bounds. */
#define GEN_COLUMN(name)                                                                           \
    {                                                                                              \
        (name), NULL, 0                                                                            \
    }
#define GEN_RANGE(name, expected, maximum)                                                         \
    {                                                                                              \
        (name), (expected), (maximum)                                                              \
    }

static const gen_profile gen_profiles[] = {
    {
        .name = "customer_accounts_daily",
        .asset = "data/customer_accounts.csv",
        .rows = 48000,
        .columns = 12,
        .owner = "data-eng",
        .tags = {{"environment", "production"}, {"domain", "crm"}},
        .bad_strings = {"john.doe@", "n/a", "", "foo@bar", "jane@example", "user at example.com",
                        "<unknown>", "jos\xc3\xa9@ex\xc3\xa4mple.fr"},
        .checks = {{.name = "null",
                    .category = "completeness",
                    .validator = VALIDATOR_NULL,
                    .columns = {GEN_COLUMN("email"), GEN_COLUMN("country"),
                                GEN_COLUMN("created_at"), GEN_COLUMN("age")}},
                   {.name = "duplicate",
                    .category = "uniqueness",
                    .validator = VALIDATOR_DUPLICATE,
                    .columns = {GEN_COLUMN("[account_id, email, age...]")}},
                   {.name = "range",
                    .category = "distribution",
                    .validator = VALIDATOR_RANGE,
                    .columns = {GEN_RANGE("age", "[0, 120]", 120),
                                GEN_RANGE("score", "[0, 100]", 100)}},
                   {.name = "regex",
                    .category = "string",
                    .validator = VALIDATOR_REGEX,
                    .pattern = "^[\\w.+-]+@[\\w-]+\\.[\\w.-]+$",
                    .config_column = "email",
                    .columns = {GEN_COLUMN("email")}}},
    },
    {
        .name = "card_transactions_critical",
        .asset = "s3://fin-lake/transactions/2024/card_tx.parquet",
        .rows = 3440000,
        .columns = 9,
        .fail_on_high = true,
        .owner = "data-eng",
        .tags = {{"environment", "production"}, {"pii", "true"}, {"tier", "critical"}},
        .checks = {{.name = "not_null",
                    .category = "completeness",
                    .validator = VALIDATOR_NOT_NULL,
                    .columns = {GEN_COLUMN("amount"), GEN_COLUMN("currency"), GEN_COLUMN("tx_id"),
                                GEN_COLUMN("card_bin"), GEN_COLUMN("merchant_id")}},
                   {.name = "unique",
                    .category = "uniqueness",
                    .validator = VALIDATOR_UNIQUE,
                    .columns = {GEN_COLUMN("tx_id"), GEN_COLUMN("merchant_id"),
                                GEN_COLUMN("card_bin"), GEN_COLUMN("amount")}},
                   {.name = "range",
                    .category = "distribution",
                    .validator = VALIDATOR_RANGE,
                    .columns = {GEN_RANGE("amount", ">= 0", 0)}}},
    },
    {
        .name = "app_reviews_quality",
        .asset = "exports/app_reviews_\xf0\x9f\x93\xb1.jsonl",
        .rows = 22000,
        .columns = 6,
        .owner = "mobile",
        .tags = {{"environment", "staging"}, {"team", "mobile"}},
        .bad_strings = {"EN-us", "fr_fr", "zz", "", "unknown",
                        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "pt-br", "en_US"},
        .checks = {{.name = "null",
                    .category = "completeness",
                    .validator = VALIDATOR_NULL,
                    .columns = {GEN_COLUMN("rating"), GEN_COLUMN("review_id"),
                                GEN_COLUMN("\xe8\xa9\x95\xe4\xbe\xa1\xe3\x82\xb3\xe3\x83\xa1"
                                           "\xe3\x83\xb3\xe3\x83\x88")}},
                   {.name = "range",
                    .category = "distribution",
                    .validator = VALIDATOR_RANGE,
                    .columns = {GEN_RANGE("rating", "[1, 5]", 5)}},
                   {.name = "regex",
                    .category = "string",
                    .validator = VALIDATOR_REGEX,
                    .pattern = "^[a-z]{2}-[A-Z]{2}$",
                    .config_column = "locale",
                    .columns = {GEN_COLUMN("locale")}}},
    },
    {
        .name = "contr\xc3\xb4le_fournisseurs",
        .asset = "donn\xc3\xa9"
                 "es/fournisseurs_\xc3\xa9t\xc3\xa9.csv",
        .rows = 42000,
        .columns = 10,
        .notifies = true,
        .owner = "data-eng",
        .tags = {{"environment", "production"}, {"region", "eu-west-3"}},
        .bad_strings = {"\xf0\x9f\x93\x9e 01 45", "", "unknown", "fr_fr", "EN-us", "zz",
                        "t\xc3\xa9l: inconnu", "n/a", "foo@bar"},
        .checks = {{.name = "null",
                    .category = "completeness",
                    .validator = VALIDATOR_NULL,
                    .columns = {GEN_COLUMN("t\xc3\xa9l\xc3\xa9phone"), GEN_COLUMN("code_postal"),
                                GEN_COLUMN("fournisseur_id"), GEN_COLUMN("e-mail")}},
                   {.name = "duplicate",
                    .category = "uniqueness",
                    .validator = VALIDATOR_DUPLICATE,
                    .columns = {GEN_COLUMN("[fournisseur_id, raison_sociale, "
                                           "t\xc3\xa9l\xc3\xa9phone...]")}},
                   {.name = "regex",
                    .category = "string",
                    .validator = VALIDATOR_REGEX,
                    .pattern = "^\\+?[0-9 ]{7,15}$",
                    .config_column = "t\xc3\xa9l\xc3\xa9phone",
                    .columns = {GEN_COLUMN("t\xc3\xa9l\xc3\xa9phone")}}},
    },
    {
        .name = "shipments_hourly",
        .asset = "warehouse/shipments.parquet",
        .rows = 1200000,
        .columns = 16,
        .owner = "data-eng",
        .tags = {{"environment", "production"}, {"domain", "logistics"}},
        .checks = {{.name = "null",
                    .category = "completeness",
                    .validator = VALIDATOR_NULL,
                    .columns = {GEN_COLUMN("carrier"), GEN_COLUMN("price"),
                                GEN_COLUMN("shipment_id"), GEN_COLUMN("quantity")}},
                   {.name = "unique",
                    .category = "uniqueness",
                    .validator = VALIDATOR_UNIQUE,
                    .config_column = "shipment_id",
                    .columns = {GEN_COLUMN("price"), GEN_COLUMN("carrier"), GEN_COLUMN("order_id"),
                                GEN_COLUMN("shipment_id"), GEN_COLUMN("discount_pct")}},
                   {.name = "range",
                    .category = "distribution",
                    .validator = VALIDATOR_RANGE,
                    .columns = {GEN_RANGE("price", ">= 0", 0),
                                GEN_RANGE("quantity", "[0, 10000]", 10000),
                                GEN_RANGE("discount_pct", "[0, 100]", 100)}}},
    },
    {
        .name = "orders_hourly",
        .asset = "warehouse/orders.parquet",
        .rows = 2400000,
        .columns = 18,
        .owner = "sales-eng",
        .tags = {{"environment", "production"}, {"domain", "sales"}},
        .bad_strings = {"usd", "EURO", "", "\xe2\x82\xac", "US$", "N/A", "eur "},
        .checks = {{.name = "null",
                    .category = "completeness",
                    .validator = VALIDATOR_NULL,
                    .columns = {GEN_COLUMN("customer_id"), GEN_COLUMN("ship_date"),
                                GEN_COLUMN("order_total")}},
                   {.name = "unique",
                    .category = "uniqueness",
                    .validator = VALIDATOR_UNIQUE,
                    .config_column = "order_id",
                    .columns = {GEN_COLUMN("order_id")}},
                   {.name = "range",
                    .category = "distribution",
                    .validator = VALIDATOR_RANGE,
                    .columns = {GEN_RANGE("order_total", ">= 0", 0),
                                GEN_RANGE("quantity", "[1, 500]", 500)}},
                   {.name = "regex",
                    .category = "string",
                    .validator = VALIDATOR_REGEX,
                    .pattern = "^[A-Z]{3}$",
                    .config_column = "currency",
                    .columns = {GEN_COLUMN("currency")}}},
    },
};

enum { GEN_PROFILES = sizeof gen_profiles / sizeof gen_profiles[0] };

static const char *const gen_errors[] = {
    "[Errno 13] Permission denied: '%s'",
    "[Errno 2] No such file or directory: '%s'",
    "unable to find column \"created_at\"; valid columns: [\"account_id\", \"email\", "
    "\"age\", \"country\", \"score\"]",
    "Connection refused: could not read '%s' (timeout after 30s)",
};

/* ---- one run, before it becomes a document ----------------------------------------- */

enum { GEN_MAX_ISSUES = 10 };

typedef enum gen_severity {
    SEVERITY_CRITICAL,
    SEVERITY_HIGH,
    SEVERITY_MEDIUM,
    SEVERITY_LOW
} gen_severity;

static const char *const gen_severity_names[] = {"critical", "high", "medium", "low"};

/* The issue_type each validator reports, in gen_validator order. */
static const char *const gen_issue_types[] = {"null",          "not_null",     "unique_violation",
                                              "duplicate_row", "out_of_range", "regex_mismatch"};

typedef struct gen_issue {
    const gen_check_profile *check;
    const gen_column *column;
    gen_severity severity;
    int64_t count;
    double percent;
    gen_node *samples;        /* shared by the issue in its check and in the flat list */
    gen_node *partial_list;   /* result.partial_unexpected_list, also shared */
    gen_node *partial_counts; /* result.partial_unexpected_counts, also shared */
    const char *details;
} gen_issue;

typedef struct gen_run {
    gen_arena *arena;
    gen_rng rng;
    const gen_profile *profile;
    const char *checkpoint_name;
    const char *run_id;
    const char *run_time;
    const char *validation_time;
    dq_time run_time_us;
    dq_time validation_time_us;
    const char *status;
    int64_t rows;
    double execution_ms;
    gen_issue issues[GEN_MAX_ISSUES];
    size_t nissues;
    int exec_check;                    /* index of the check that raised, or -1 */
    gen_node *configs[GEN_MAX_CHECKS]; /* one config dict per check, shared three ways */
    gen_node *tags;                    /* shared by both metadata dicts */
} gen_run;

static size_t profile_check_count(const gen_profile *profile)
{
    size_t n = 0;
    while (n < GEN_MAX_CHECKS && profile->checks[n].name) {
        n++;
    }
    return n;
}

static char *time_iso(gen_arena *arena, dq_time t)
{
    char text[40];
    dq_time_format_iso(t, text, sizeof text);
    return gen_arena_strdup(arena, text);
}

/* Python's str() of a sample value, as truthound's "top failures" text shows it. */
static const char *sample_text(gen_arena *arena, const gen_node *value)
{
    if (value->kind == GEN_NULL) {
        return "None";
    }
    if (value->kind == GEN_INT) {
        return gen_arena_printf(arena, "%lld", (long long)value->integer);
    }
    return value->text;
}

static bool sample_equal(const gen_node *a, const gen_node *b)
{
    if (a->kind != b->kind) {
        return false;
    }
    if (a->kind == GEN_INT) {
        return a->integer == b->integer;
    }
    return a->kind == GEN_NULL || strcmp(a->text, b->text) == 0;
}

static gen_node *sample_value(gen_run *run, const gen_issue *issue)
{
    gen_arena *arena = run->arena;
    if (issue->check->validator == VALIDATOR_REGEX) {
        size_t n = 0;
        while (n < 10 && run->profile->bad_strings[n]) {
            n++;
        }
        return gen_string(arena, run->profile->bad_strings[gen_rng_below(&run->rng, n)]);
    }
    /* range: a negative sentinel most of the time, else just past the upper bound */
    if (issue->column->maximum > 0 && gen_rng_chance(&run->rng, 0.4)) {
        return gen_int(arena, issue->column->maximum + 1 + (int64_t)gen_rng_below(&run->rng, 500));
    }
    size_t n = sizeof gen_bad_numbers / sizeof gen_bad_numbers[0];
    return gen_int(arena, gen_bad_numbers[gen_rng_below(&run->rng, n)]);
}

/* Counter(samples).most_common(): by count, ties in order of first appearance. */
static gen_node *sample_counts(gen_arena *arena, const gen_node *samples, char **top)
{
    const gen_node *values[GEN_MAX_SAMPLES];
    int64_t counts[GEN_MAX_SAMPLES];
    size_t distinct = 0;
    for (const gen_slot *slot = samples->first; slot; slot = slot->next) {
        size_t i = 0;
        while (i < distinct && !sample_equal(values[i], slot->value)) {
            i++;
        }
        if (i == distinct) {
            values[distinct] = slot->value;
            counts[distinct++] = 0;
        }
        counts[i]++;
    }
    for (size_t i = 1; i < distinct; i++) { /* insertion sort: stable */
        for (size_t j = i; j > 0 && counts[j] > counts[j - 1]; j--) {
            const gen_node *v = values[j];
            values[j] = values[j - 1];
            values[j - 1] = v;
            int64_t c = counts[j];
            counts[j] = counts[j - 1];
            counts[j - 1] = c;
        }
    }
    gen_node *list = gen_array(arena);
    *top = "";
    for (size_t i = 0; i < distinct; i++) {
        gen_node *entry = gen_object(arena);
        gen_set(arena, entry, "value", (gen_node *)values[i]);
        gen_set_int(arena, entry, "count", counts[i]);
        gen_push(arena, list, entry);
        if (i < 5) {
            const char *text = sample_text(arena, values[i]);
            *top = gen_arena_printf(arena, "%s%s%s(%lld)", *top ? *top : "", i ? ", " : "",
                                    text ? text : "", (long long)counts[i]);
        }
    }
    return list;
}

/* The sample lists and details text of an issue whose validator keeps sample values. */
static void issue_samples(gen_run *run, gen_issue *issue)
{
    gen_arena *arena = run->arena;
    gen_validator validator = issue->check->validator;
    int64_t n = issue->count < GEN_MAX_SAMPLES ? issue->count : GEN_MAX_SAMPLES;
    issue->samples = gen_array(arena);
    issue->partial_list = gen_array(arena);
    bool nulls = validator == VALIDATOR_NULL || validator == VALIDATOR_NOT_NULL;
    for (int64_t i = 0; i < n; i++) {
        gen_node *value = nulls ? gen_null(arena) : sample_value(run, issue);
        gen_push(arena, issue->samples, value);
        gen_push(arena, issue->partial_list, value);
    }
    if (nulls) {
        gen_node *entry = gen_object(arena);
        gen_set_null(arena, entry, "value");
        gen_set_int(arena, entry, "count", issue->count);
        issue->partial_counts = gen_array(arena);
        gen_push(arena, issue->partial_counts, entry);
        issue->details = validator == VALIDATOR_NULL
                             ? gen_arena_printf(arena,
                                                "%.1f%% of values are null | top "
                                                "failures: None(%lld)",
                                                issue->percent, (long long)issue->count)
                             : gen_arena_printf(arena,
                                                "Expected no nulls, found %lld (%.1f%%) | top "
                                                "failures: None(%lld)",
                                                (long long)issue->count, issue->percent,
                                                (long long)issue->count);
        return;
    }
    if (!issue->samples) {
        return;
    }
    char *top = NULL;
    issue->partial_counts = sample_counts(arena, issue->samples, &top);
    issue->details = validator == VALIDATOR_RANGE
                         ? gen_arena_printf(arena, "Expected %s | top failures: %s",
                                            issue->column->expected, top ? top : "")
                         : gen_arena_printf(arena, "Pattern: %s | top failures: %s",
                                            issue->check->pattern, top ? top : "");
}

static gen_severity draw_severity(gen_rng *rng, double *percent)
{
    /* Severity first, then a failing share that fits it, so the status mix is steady. */
    static const struct {
        double weight, low, high;
    } bands[] = {{0.10, 30, 70}, {0.15, 10, 30}, {0.25, 3, 10}, {0.50, 0.01, 3}};
    double u = gen_rng_unit(rng);
    size_t band = 0;
    while (band + 1 < sizeof bands / sizeof bands[0] && u >= bands[band].weight) {
        u -= bands[band].weight;
        band++;
    }
    *percent = bands[band].low + gen_rng_unit(rng) * (bands[band].high - bands[band].low);
    return (gen_severity)band;
}

static void issue_build(gen_run *run, const gen_check_profile *check, const gen_column *column)
{
    gen_issue *issue = &run->issues[run->nissues++];
    memset(issue, 0, sizeof *issue);
    issue->check = check;
    issue->column = column;
    double share;
    issue->severity = draw_severity(&run->rng, &share);
    issue->count = llround((double)run->rows * share / 100.0);
    if (issue->count < 1) {
        issue->count = 1;
    }
    issue->percent = (double)issue->count / (double)run->rows * 100.0;
    switch (check->validator) {
    case VALIDATOR_UNIQUE:
        issue->details = gen_arena_printf(run->arena, "%lld duplicate values (%.1f%%)",
                                          (long long)issue->count, issue->percent);
        break;
    case VALIDATOR_DUPLICATE:
        issue->details = gen_arena_printf(run->arena, "%lld duplicate rows (%.1f%%)",
                                          (long long)issue->count, issue->percent);
        break;
    default:
        issue_samples(run, issue);
        break;
    }
}

/* Which checks fail on which columns: a healthy run has none, others a share of them. */
static void run_draw_issues(gen_run *run)
{
    double failing = gen_rng_chance(&run->rng, 0.35) ? 0 : 0.1 + 0.5 * gen_rng_unit(&run->rng);
    size_t nchecks = profile_check_count(run->profile);
    for (size_t c = 0; c < nchecks; c++) {
        const gen_check_profile *check = &run->profile->checks[c];
        for (size_t k = 0; k < GEN_MAX_COLUMNS && check->columns[k].name; k++) {
            if (run->nissues < GEN_MAX_ISSUES && gen_rng_chance(&run->rng, failing)) {
                issue_build(run, check, &check->columns[k]);
            }
        }
    }
    /* truthound's flat list is not grouped by check: shuffle it (Fisher-Yates). */
    for (size_t i = run->nissues; i > 1; i--) {
        size_t j = gen_rng_below(&run->rng, i);
        gen_issue swap = run->issues[i - 1];
        run->issues[i - 1] = run->issues[j];
        run->issues[j] = swap;
    }
    run->exec_check = gen_rng_chance(&run->rng, 0.05) ? (int)gen_rng_below(&run->rng, nchecks) : -1;
}

static size_t run_severity_count(const gen_run *run, gen_severity severity)
{
    size_t n = 0;
    for (size_t i = 0; i < run->nissues; i++) {
        n += run->issues[i].severity == severity;
    }
    return n;
}

static size_t run_check_issue_count(const gen_run *run, const gen_check_profile *check)
{
    size_t n = 0;
    for (size_t i = 0; i < run->nissues; i++) {
        n += run->issues[i].check == check;
    }
    return n;
}

static bool run_check_success(const gen_run *run, size_t c)
{
    return run_check_issue_count(run, &run->profile->checks[c]) == 0 && run->exec_check != (int)c;
}

/* derive_checkpoint_outcome (spec 1.10). */
static const char *run_status(const gen_run *run)
{
    if (run_severity_count(run, SEVERITY_CRITICAL) > 0 ||
        (run->profile->fail_on_high && run_severity_count(run, SEVERITY_HIGH) > 0)) {
        return "failure";
    }
    return run->nissues > 0 ? "warning" : "success";
}

/* ---- the document ------------------------------------------------------------------- */

/* ValidationIssue.to_dict(): a new dict each time, around the shared sample lists. */
static gen_node *issue_dict(gen_run *run, const gen_issue *issue)
{
    gen_arena *a = run->arena;
    gen_validator validator = issue->check->validator;
    gen_node *dict = gen_object(a);
    gen_set_string(a, dict, "column", issue->column->name);
    gen_set_string(a, dict, "issue_type", gen_issue_types[validator]);
    gen_set_int(a, dict, "count", issue->count);
    gen_set_string(a, dict, "severity", gen_severity_names[issue->severity]);
    gen_set_bool(a, dict, "success", false);
    gen_set_string(a, dict, "details", issue->details);
    if (validator == VALIDATOR_RANGE) {
        gen_set_string(a, dict, "expected", issue->column->expected);
    }
    if (issue->samples) {
        gen_set_int(a, dict, "actual", issue->count);
        gen_set(a, dict, "sample_values", issue->samples);
    }
    gen_set_string(a, dict, "validator_name", issue->check->name);
    gen_node *result = gen_object(a);
    gen_set_int(a, result, "element_count", run->rows);
    if (validator == VALIDATOR_DUPLICATE) {
        gen_set(a, result, "observed_value",
                gen_string(a, gen_arena_printf(a, "%.1f%% duplicates", issue->percent)));
    } else {
        gen_set_int(a, result, "observed_value", issue->count);
    }
    gen_set_int(a, result, "unexpected_count", issue->count);
    gen_set_float(a, result, "unexpected_percent", issue->percent);
    gen_set_float(a, result, "unexpected_percent_nonmissing", issue->percent);
    if (issue->samples) {
        gen_set(a, result, "partial_unexpected_list", issue->partial_list);
        gen_set(a, result, "partial_unexpected_counts", issue->partial_counts);
    }
    gen_set(a, dict, "result", result);
    return dict;
}

static gen_node *check_config(gen_arena *a, const gen_check_profile *check)
{
    gen_node *config = gen_object(a);
    if (check->pattern) {
        gen_set_string(a, config, "pattern", check->pattern);
    }
    if (check->config_column) {
        gen_node *columns = gen_array(a);
        gen_push(a, columns, gen_string(a, check->config_column));
        gen_set(a, config, "columns", columns);
    }
    return config;
}

static gen_node *check_metadata(gen_run *run, size_t c)
{
    gen_node *metadata = gen_object(run->arena);
    gen_set(run->arena, metadata, "config", run->configs[c]);
    return metadata;
}

/* The CheckResult fields both the run and the DTO's contract carry. */
static gen_node *check_head(gen_run *run, size_t c)
{
    gen_arena *a = run->arena;
    const gen_check_profile *check = &run->profile->checks[c];
    gen_node *dict = gen_object(a);
    gen_set_string(a, dict, "name", check->name);
    gen_set_string(a, dict, "category", check->category);
    gen_set_bool(a, dict, "success", run_check_success(run, c));
    gen_set_int(a, dict, "issue_count", (int64_t)run_check_issue_count(run, check));
    return dict;
}

static gen_node *run_checks(gen_run *run)
{
    gen_arena *a = run->arena;
    gen_node *checks = gen_array(a);
    for (size_t c = 0; c < profile_check_count(run->profile); c++) {
        gen_node *dict = check_head(run, c);
        gen_node *issues = gen_array(a);
        for (size_t i = 0; i < run->nissues; i++) {
            if (run->issues[i].check == &run->profile->checks[c]) {
                gen_push(a, issues, issue_dict(run, &run->issues[i]));
            }
        }
        gen_set(a, dict, "issues", issues);
        gen_set(a, dict, "metadata", check_metadata(run, c));
        gen_push(a, checks, dict);
    }
    return checks;
}

static gen_node *contract_checks(gen_run *run)
{
    gen_node *checks = gen_array(run->arena);
    for (size_t c = 0; c < profile_check_count(run->profile); c++) {
        gen_node *dict = check_head(run, c);
        gen_set(run->arena, dict, "metadata", check_metadata(run, c));
        gen_push(run->arena, checks, dict);
    }
    return checks;
}

static gen_node *execution_issues(gen_run *run)
{
    gen_arena *a = run->arena;
    gen_node *list = gen_array(a);
    if (run->exec_check < 0) {
        return list;
    }
    const char *name = run->profile->checks[run->exec_check].name;
    gen_node *entry = gen_object(a);
    gen_set_string(a, entry, "check_name", name);
    gen_set(a, entry, "message",
            gen_string(a, gen_arena_printf(a, "Validator '%s' timed out after 300s", name)));
    gen_set_string(a, entry, "exception_type", "ValidationTimeoutError");
    gen_set_string(a, entry, "failure_category", "transient");
    gen_set_int(a, entry, "retry_count", 0);
    gen_push(a, list, entry);
    return list;
}

static gen_node *run_metadata(gen_run *run)
{
    gen_arena *a = run->arena;
    const char *asset = run->profile->asset;
    gen_node *m = gen_object(a);
    gen_set_string(a, m, "planner", "truthound.core.ScanPlanner");
    gen_set_string(a, m, "asset_backend", "polars");
    gen_set_int(a, m, "duplicate_check_count", 0);
    gen_set_string(a, m, "context_root", "/srv/pipelines/.truthound");
    const char *key = gen_arena_printf(a, "source:%s", asset);
    gen_set(a, m, "context_source_key", gen_string(a, key));
    gen_set(a, m, "context_history_key", gen_string(a, key));
    uint64_t fingerprint = dq_hash64(asset, strlen(asset), 0);
    gen_set(a, m, "context_source_fingerprint",
            gen_string(a, gen_arena_printf(a, "%016llx", (unsigned long long)fingerprint)));
    gen_set_string(a, m, "owner", run->profile->owner);
    gen_set(a, m, "tags", run->tags);
    gen_set_float(a, m, "execution_time_ms", run->execution_ms);
    return m;
}

static gen_node *profile_tags(gen_arena *a, const gen_profile *profile)
{
    gen_node *tags = gen_object(a);
    for (size_t i = 0; i < 3 && profile->tags[i][0]; i++) {
        gen_set_string(a, tags, profile->tags[i][0], profile->tags[i][1]);
    }
    return tags;
}

static gen_node *validation_run(gen_run *run, gen_node *metadata)
{
    gen_arena *a = run->arena;
    gen_node *vr = gen_object(a);
    gen_set_string(a, vr, "run_id", run->run_id);
    gen_set_string(a, vr, "run_time", run->validation_time);
    gen_set_string(a, vr, "suite_name", "truthound-default-suite");
    gen_set_string(a, vr, "source", run->profile->asset);
    gen_set_int(a, vr, "row_count", run->rows);
    gen_set_int(a, vr, "column_count", run->profile->columns);
    gen_set_string(a, vr, "result_format", "summary");
    gen_set_string(a, vr, "execution_mode", "sequential");
    gen_set_string(a, vr, "planned_execution_mode", "sequential");
    gen_set(a, vr, "checks", run_checks(run));
    gen_node *issues = gen_array(a);
    for (size_t i = 0; i < run->nissues; i++) {
        gen_push(a, issues, issue_dict(run, &run->issues[i]));
    }
    gen_set(a, vr, "issues", issues);
    gen_set(a, vr, "execution_issues", execution_issues(run));
    gen_set(a, vr, "metadata", metadata);
    return vr;
}

/* Issue rows of the DTO: by severity, then column, then issue type. */
static int issue_row_compare(const void *x, const void *y)
{
    const gen_issue *const *a = x;
    const gen_issue *const *b = y;
    if ((*a)->severity != (*b)->severity) {
        return (int)(*a)->severity - (int)(*b)->severity;
    }
    int by_column = strcmp((*a)->column->name, (*b)->column->name);
    return by_column ? by_column : (int)(*a)->check->validator - (int)(*b)->check->validator;
}

static gen_node *issue_row(gen_run *run, const gen_issue *issue)
{
    gen_arena *a = run->arena;
    gen_node *row = gen_object(a);
    gen_set_string(a, row, "validator_name", issue->check->name);
    gen_set_bool(a, row, "success", false);
    gen_set_string(a, row, "column", issue->column->name);
    gen_set_string(a, row, "issue_type", gen_issue_types[issue->check->validator]);
    gen_set_int(a, row, "count", issue->count);
    gen_set_string(a, row, "severity", gen_severity_names[issue->severity]);
    gen_set_string(a, row, "message", issue->details);
    gen_node *details = gen_object(a);
    if (issue->check->validator == VALIDATOR_RANGE) {
        gen_set_string(a, details, "expected", issue->column->expected);
    }
    if (issue->samples) {
        gen_set_int(a, details, "actual", issue->count);
        gen_node *first = gen_array(a); /* the DTO keeps the first five samples only */
        const gen_slot *slot = issue->samples->first;
        for (int i = 0; i < 5 && slot; i++, slot = slot->next) {
            gen_push(a, first, slot->value);
        }
        gen_set(a, details, "sample_values", first);
    }
    gen_set(a, row, "details", details);
    gen_set_float(a, row, "execution_time_ms", 0.0);
    return row;
}

static gen_node *passing_row(gen_run *run, size_t c)
{
    gen_arena *a = run->arena;
    const char *name = run->profile->checks[c].name;
    gen_node *row = gen_object(a);
    gen_set_string(a, row, "validator_name", name);
    gen_set_bool(a, row, "success", true);
    gen_set_null(a, row, "column");
    gen_set_string(a, row, "issue_type", name);
    gen_set_int(a, row, "count", 0);
    gen_set_null(a, row, "severity");
    gen_set_null(a, row, "message");
    gen_set(a, row, "details", check_metadata(run, c));
    gen_set_float(a, row, "execution_time_ms", 0.0);
    return row;
}

static gen_node *result_rows(gen_run *run)
{
    gen_node *rows = gen_array(run->arena);
    const gen_issue *sorted[GEN_MAX_ISSUES];
    for (size_t i = 0; i < run->nissues; i++) {
        sorted[i] = &run->issues[i];
    }
    qsort(sorted, run->nissues, sizeof sorted[0], issue_row_compare);
    for (size_t i = 0; i < run->nissues; i++) {
        gen_push(run->arena, rows, issue_row(run, sorted[i]));
    }
    for (size_t c = 0; c < profile_check_count(run->profile); c++) {
        if (run_check_success(run, c)) {
            gen_push(run->arena, rows, passing_row(run, c));
        }
    }
    return rows;
}

static gen_node *statistics(gen_run *run)
{
    gen_arena *a = run->arena;
    size_t nchecks = profile_check_count(run->profile), passed = 0;
    for (size_t c = 0; c < nchecks; c++) {
        passed += run_check_success(run, c);
    }
    gen_node *s = gen_object(a);
    gen_set_int(a, s, "total_validators", (int64_t)nchecks);
    gen_set_int(a, s, "passed_validators", (int64_t)passed);
    gen_set_int(a, s, "failed_validators", (int64_t)(nchecks - passed));
    gen_set_int(a, s, "error_validators", run->exec_check >= 0);
    gen_set_int(a, s, "total_rows", run->rows);
    gen_set_int(a, s, "total_columns", run->profile->columns);
    gen_set_int(a, s, "total_issues", (int64_t)run->nissues);
    static const char *const keys[] = {"critical_issues", "high_issues", "medium_issues",
                                       "low_issues"};
    for (int severity = SEVERITY_CRITICAL; severity <= SEVERITY_LOW; severity++) {
        gen_set_int(a, s, keys[severity], (int64_t)run_severity_count(run, severity));
    }
    gen_set_float(a, s, "execution_time_ms", run->execution_ms);
    gen_set_float(a, s, "pass_rate", (double)passed / (double)nchecks);
    gen_set_float(a, s, "issue_rate", (double)run->nissues / (double)run->rows);
    return s;
}

/* The persistence DTO; details=false is include_validation_details=False: no rows. */
static gen_node *validation_result(gen_run *run, gen_node *run_meta, bool details)
{
    gen_arena *a = run->arena;
    gen_node *dto = gen_object(a);
    gen_set_string(a, dto, "run_id", run->run_id);
    gen_set_string(a, dto, "run_time", run->validation_time);
    gen_set_string(a, dto, "data_asset", run->profile->asset);
    const char *status = run->exec_check >= 0 ? "error" : run->nissues ? "failure" : "success";
    gen_set_string(a, dto, "status", status);
    gen_set(a, dto, "results", details ? result_rows(run) : gen_array(a));
    gen_set(a, dto, "statistics", statistics(run));
    gen_set(a, dto, "tags", gen_shallow_copy(a, run->tags));
    gen_node *metadata = gen_shallow_copy(a, run_meta);
    gen_node *contract = gen_object(a);
    gen_set(a, contract, "checks", contract_checks(run));
    gen_set(a, contract, "execution_issues", execution_issues(run));
    gen_set(a, metadata, "_validation_run_contract", contract);
    gen_set_string(a, metadata, "_execution_mode", "sequential");
    gen_set_string(a, metadata, "_planned_execution_mode", "sequential");
    gen_set_string(a, metadata, "_result_format", "summary");
    gen_set(a, dto, "metadata", metadata);
    gen_set_string(a, dto, "suite_name", "truthound-default-suite");
    gen_set(a, dto, "runtime_environment", gen_object(a));
    return dto;
}

/* ActionResult.to_dict() of an action that ran at `*clock` (advanced past it). */
static gen_node *action_result(gen_run *run, const char *name, const char *type, const char *status,
                               const char *message, const char *error, gen_node *details,
                               dq_time *clock)
{
    gen_arena *a = run->arena;
    dq_time started = *clock + 500 + (dq_time)gen_rng_below(&run->rng, 2000);
    bool skipped = strcmp(status, "skipped") == 0;
    dq_time completed = started + 300 + (dq_time)gen_rng_below(&run->rng, 2500);
    *clock = completed;
    gen_node *dict = gen_object(a);
    gen_set_string(a, dict, "action_name", name);
    gen_set_string(a, dict, "action_type", type);
    gen_set_string(a, dict, "status", status);
    gen_set_string(a, dict, "message", message);
    gen_set(a, dict, "started_at", gen_string(a, time_iso(a, started)));
    gen_set(a, dict, "completed_at", gen_string(a, time_iso(a, completed)));
    /* timedelta.total_seconds() * 1000, in the same float steps as Python */
    double ms = skipped ? 0.0 : (double)(completed - started) / 1e6 * 1000.0;
    gen_set_float(a, dict, "duration_ms", ms);
    gen_set(a, dict, "details", details);
    if (error) {
        gen_set_string(a, dict, "error", error);
    } else {
        gen_set_null(a, dict, "error");
    }
    return dict;
}

/* A Slack action without a webhook (notify_on failure_or_error) and a ticket callback
 * (notify_on not_success), listed before the store action so their results are kept. */
static gen_node *action_results(gen_run *run)
{
    gen_arena *a = run->arena;
    gen_node *list = gen_array(a);
    if (!run->profile->notifies) {
        return list;
    }
    const char *status = run->status;
    dq_time clock = run->validation_time_us;
    bool alarming = strcmp(status, "failure") == 0 || strcmp(status, "error") == 0;
    const char *skip =
        gen_arena_printf(a, "Skipped: notify_on=failure_or_error, result_status=%s", status);
    gen_push(a, list,
             alarming ? action_result(run, "slack_dq_alerts", "slack_notification", "error",
                                      "No webhook URL configured", "webhook_url is required",
                                      gen_object(a), &clock)
                      : action_result(run, "slack_dq_alerts", "slack_notification", "skipped", skip,
                                      NULL, gen_object(a), &clock));
    if (strcmp(status, "success") == 0) {
        gen_push(a, list,
                 action_result(run, "open_ticket", "custom", "skipped",
                               "Skipped: notify_on=not_success, result_status=success", NULL,
                               gen_object(a), &clock));
        return list;
    }
    gen_node *details = gen_object(a);
    gen_set_string(a, details, "callback_name", "on_failure_hook");
    gen_node *result = gen_object(a);
    gen_set(a, result, "ticket",
            gen_string(a, gen_arena_printf(a, "DQ-%04d", (int)gen_rng_below(&run->rng, 10000))));
    gen_set_string(a, result, "status", status);
    gen_set(a, details, "result", result);
    gen_push(a, list,
             action_result(run, "open_ticket", "custom", "success",
                           "Callback executed successfully", NULL, details, &clock));
    return list;
}

static gen_node *run_context(gen_run *run)
{
    gen_node *context = gen_object(run->arena);
    if (gen_rng_chance(&run->rng, 0.3)) { /* started by the scheduler rather than by hand */
        gen_set_string(run->arena, context, "trigger", "schedule");
        gen_set_string(run->arena, context, "scheduler", "cron");
    }
    return context;
}

static void run_identity(gen_run *run, const gen_settings *settings)
{
    gen_arena *a = run->arena;
    int k = (int)gen_rng_below(&run->rng, (uint64_t)settings->checkpoints);
    run->profile = &gen_profiles[k % GEN_PROFILES];
    run->checkpoint_name =
        k < GEN_PROFILES ? run->profile->name
                         : gen_arena_printf(a, "%s_%d", run->profile->name, k / GEN_PROFILES + 1);
    uint64_t span = (uint64_t)settings->days * 86400 * 1000000;
    run->run_time_us = settings->start + (dq_time)gen_rng_below(&run->rng, span);
    if (gen_rng_chance(&run->rng, 0.02)) { /* isoformat() drops a zero fraction */
        run->run_time_us -= run->run_time_us % 1000000;
    }
    char stamp[32];
    dq_time_format(run->run_time_us, "%Y%m%d_%H%M%S", stamp, sizeof stamp);
    run->run_id = gen_arena_printf(a, "%s_%s_%08llx", run->checkpoint_name, stamp,
                                   (unsigned long long)(gen_rng_next(&run->rng) >> 32));
    run->run_time = time_iso(a, run->run_time_us);
    run->validation_time_us = run->run_time_us + 100000 + (dq_time)gen_rng_below(&run->rng, 300000);
    run->validation_time = time_iso(a, run->validation_time_us);
}

/* A run whose validation raised: no validation_run, no DTO, the error text. */
static gen_node *error_document(gen_run *run, gen_node *doc)
{
    gen_arena *a = run->arena;
    size_t n = sizeof gen_errors / sizeof gen_errors[0];
    const char *fmt = gen_errors[gen_rng_below(&run->rng, n)];
    double duration = (double)(50000 + (dq_time)gen_rng_below(&run->rng, 300000)) / 1e6 * 1000.0;
    gen_set_null(a, doc, "validation_run");
    gen_set(a, doc, "action_results", action_results(run));
    gen_set_string(a, doc, "data_asset", run->profile->asset);
    gen_set_float(a, doc, "duration_ms", duration);
    gen_set(a, doc, "error", gen_string(a, gen_arena_printf(a, fmt, run->profile->asset)));
    gen_set(a, doc, "metadata", run_context(run));
    return doc;
}

bool gen_result_build(const gen_settings *settings, uint64_t index, gen_arena *arena,
                      gen_result *out)
{
    gen_run run = {.arena = arena, .rng = gen_rng_fork(settings->seed, index), .exec_check = -1};
    run_identity(&run, settings);
    double kind = gen_rng_unit(&run.rng);
    bool error = kind < 0.04, details = kind >= 0.07;
    gen_node *doc = gen_object(arena);
    gen_set_string(arena, doc, "run_id", run.run_id);
    gen_set_string(arena, doc, "checkpoint_name", run.checkpoint_name);
    gen_set_string(arena, doc, "run_time", run.run_time);
    if (error) {
        run.status = "error";
        gen_set_string(arena, doc, "status", run.status);
        error_document(&run, doc);
    } else {
        run.rows =
            run.profile->rows + (int64_t)gen_rng_below(&run.rng, (uint64_t)run.profile->rows / 10);
        run.execution_ms = 1000.0 + gen_rng_unit(&run.rng) * 29000.0;
        run_draw_issues(&run);
        run.status = run_status(&run);
        for (size_t c = 0; c < profile_check_count(run.profile); c++) {
            run.configs[c] = check_config(arena, &run.profile->checks[c]);
        }
        run.tags = profile_tags(arena, run.profile);
        gen_node *metadata = run_metadata(&run);
        gen_set_string(arena, doc, "status", run.status);
        gen_set(arena, doc, "validation_run",
                details ? validation_run(&run, metadata) : gen_null(arena));
        gen_set(arena, doc, "action_results", action_results(&run));
        gen_set_string(arena, doc, "data_asset", run.profile->asset);
        gen_set_float(arena, doc, "duration_ms",
                      run.execution_ms + 1.0 + 20.0 * gen_rng_unit(&run.rng));
        gen_set_null(arena, doc, "error");
        gen_set(arena, doc, "metadata", run_context(&run));
        gen_set(arena, doc, "validation_result", validation_result(&run, metadata, details));
    }
    out->doc = doc;
    out->run_id = run.run_id;
    out->checkpoint_name = run.checkpoint_name;
    out->status = run.status;
    out->run_time = run.run_time_us;
    return !arena->failed;
}
