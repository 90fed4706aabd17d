/* Statistics and the issue/check views of a stored result, with the precedence of spec
 * 1.11: validation_run when it is an object (counted exactly as truthound's validation
 * view counts), else validation_result (its statistics when present, so files written
 * with include_validation_details=False keep their real counts; the views rebuilt from
 * its rows as truthound's legacy adapter does), else none (an error run). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "decode_internal.h"

static dq_code stats_oom(const char *name, dq_error *err)
{
    return dq_fail(err, DQ_ENOMEM, "%s: out of memory", name);
}

/* obj[key] when it is of the wanted type; absent or null gives NULL; else an error that
 * names the key by its path. */
static dq_code stats_member(const char *name, const cJSON *obj, const char *path, const char *key,
                            int type, const cJSON **out, dq_error *err)
{
    const cJSON *item = dq_json_member(obj, key);
    *out = NULL;
    if (!item || cJSON_IsNull(item))
        return DQ_OK;
    if ((item->type & 0xFF) != type)
        return dq_fail(err, DQ_EFORMAT, "%s: %s.%s is not %s", name, path, key,
                       type == cJSON_Array ? "an array" : "an object or null");
    *out = item;
    return DQ_OK;
}

static int64_t stats_size(const cJSON *array)
{
    int64_t n = 0;
    for (const cJSON *item = array ? array->child : NULL; item; item = item->next)
        n++;
    return n;
}

/* Counts issues by severity, as the view does with `issue.severity == Severity.X`. */
static dq_code stats_count_issues(const char *name, const char *path, const cJSON *issues,
                                  dq_stats *s, dq_error *err)
{
    static const char *const levels[] = {"critical", "high", "medium", "low"};
    int64_t *counts[] = {&s->critical_issues, &s->high_issues, &s->medium_issues, &s->low_issues};
    size_t index = 0;
    for (const cJSON *issue = issues ? issues->child : NULL; issue; issue = issue->next, index++) {
        if (!cJSON_IsObject(issue))
            return dq_fail(err, DQ_EFORMAT, "%s: %s[%zu] is not an object", name, path, index);
        s->total_issues++;
        const char *severity = cJSON_GetStringValue(dq_json_member(issue, "severity"));
        for (size_t i = 0; severity && i < 4; i++) {
            if (strcmp(severity, levels[i]) == 0)
                (*counts[i])++;
        }
    }
    return DQ_OK;
}

/* The view's numbers from the issues, checks and execution issues of r. */
static dq_code stats_count(const char *name, const char *path, dq_result *r, int64_t rows,
                           int64_t columns, double execution_ms, dq_error *err)
{
    dq_stats *s = &r->stats;
    dq_code rc = stats_count_issues(name, path, r->issues, s, err);
    if (rc)
        return rc;
    for (const cJSON *check = r->checks ? r->checks->child : NULL; check; check = check->next) {
        s->total_validators++;
        if (cJSON_IsTrue(dq_json_member(check, "success")))
            s->passed_validators++;
    }
    s->failed_validators = s->total_validators - s->passed_validators;
    s->error_validators = stats_size(r->execution_issues);
    s->pass_rate =
        s->total_validators ? (double)s->passed_validators / (double)s->total_validators : 1.0;
    s->total_rows = rows;
    s->total_columns = columns;
    s->issue_rate = rows ? (double)s->total_issues / (double)rows : 0.0;
    s->execution_time_ms = execution_ms;
    return DQ_OK;
}

/* metadata.execution_time_ms, else metadata.statistics.execution_time_ms, else 0. */
static dq_code stats_execution_ms(const char *name, const cJSON *metadata, double *out,
                                  dq_error *err)
{
    *out = 0;
    if (!cJSON_IsObject(metadata))
        return DQ_OK;
    const cJSON *item = dq_json_member(metadata, "execution_time_ms");
    if (!item) {
        const cJSON *statistics = dq_json_member(metadata, "statistics");
        item = dq_json_member(statistics, "execution_time_ms");
    }
    return dq_json_double(name, item, "metadata.execution_time_ms", out, err);
}

static dq_code stats_from_run(const char *name, dq_result *r, dq_error *err)
{
    const cJSON *run = r->validation_run;
    const char *path = "validation_run";
    dq_code rc = stats_member(name, run, path, "issues", cJSON_Array, &r->issues, err);
    if (rc == DQ_OK)
        rc = stats_member(name, run, path, "checks", cJSON_Array, &r->checks, err);
    if (rc == DQ_OK)
        rc = stats_member(name, run, path, "execution_issues", cJSON_Array, &r->execution_issues,
                          err);
    int64_t rows = 0, columns = 0;
    double execution_ms = 0;
    if (rc == DQ_OK)
        rc = dq_json_count(name, dq_json_member(run, "row_count"), "validation_run.row_count",
                           &rows, err);
    if (rc == DQ_OK)
        rc = dq_json_count(name, dq_json_member(run, "column_count"), "validation_run.column_count",
                           &columns, err);
    if (rc == DQ_OK)
        rc = stats_execution_ms(name, dq_json_member(run, "metadata"), &execution_ms, err);
    if (rc)
        return rc;
    r->stats.origin = DQ_STATS_VALIDATION_RUN;
    return stats_count(name, "validation_run.issues", r, rows, columns, execution_ms, err);
}

/* ---- the legacy path: views rebuilt from validation_result -------------------------- */

/* Adds a copy of item under key (nothing when item is absent). */
static bool stats_add_copy(cJSON *obj, const char *key, const cJSON *item)
{
    if (!item)
        return true;
    cJSON *copy = cJSON_Duplicate(item, true);
    if (!copy)
        return false;
    cJSON_AddItemToObject(obj, key, copy);
    return true;
}

static const char *stats_nonempty(const cJSON *item)
{
    const char *s = cJSON_GetStringValue(item);
    return s && *s ? s : NULL;
}

/* truthound's _coerce_severity: None is low, anything else is lower-cased. */
static bool stats_add_severity(cJSON *issue, const cJSON *severity)
{
    const char *text = cJSON_GetStringValue(severity);
    cJSON *item = cJSON_CreateString(text ? text : "low");
    if (!item)
        return false;
    for (char *p = item->valuestring; *p; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    }
    cJSON_AddItemToObject(issue, "severity", item);
    return true;
}

/* A ValidationIssue from a failing row, as stored_validation_result_to_validation_run_result
 * builds it. */
static cJSON *stats_issue_from_row(const cJSON *row)
{
    const cJSON *validator = dq_json_member(row, "validator_name");
    const cJSON *details = dq_json_member(row, "details");
    const char *column = stats_nonempty(dq_json_member(row, "column"));
    const char *type = stats_nonempty(dq_json_member(row, "issue_type"));
    const cJSON *count = dq_json_member(row, "count");
    const cJSON *message = dq_json_member(row, "message");
    cJSON *issue = cJSON_CreateObject();
    bool ok = issue && cJSON_AddStringToObject(issue, "column", column ? column : "_table_");
    ok = ok && (type ? cJSON_AddStringToObject(issue, "issue_type", type) != NULL
                     : stats_add_copy(issue, "issue_type", validator));
    ok = ok && (count ? stats_add_copy(issue, "count", count)
                      : cJSON_AddNumberToObject(issue, "count", 0) != NULL);
    ok = ok && stats_add_severity(issue, dq_json_member(row, "severity"));
    ok = ok && cJSON_AddFalseToObject(issue, "success");
    ok = ok && (cJSON_IsString(message) ? stats_add_copy(issue, "details", message) : true);
    static const char *const detail_keys[] = {"expected", "actual", "sample_values"};
    for (size_t i = 0; ok && cJSON_IsObject(details) && i < 3; i++)
        ok = stats_add_copy(issue, detail_keys[i], dq_json_member(details, detail_keys[i]));
    ok = ok && stats_add_copy(issue, "validator_name", validator);
    if (!ok) {
        cJSON_Delete(issue);
        return NULL;
    }
    return issue;
}

/* A CheckResult from any row, used when the contract lists no checks. */
static cJSON *stats_check_from_row(const cJSON *row)
{
    const cJSON *details = dq_json_member(row, "details");
    const cJSON *category = dq_json_member(details, "category");
    bool success = cJSON_IsTrue(dq_json_member(row, "success"));
    cJSON *check = cJSON_CreateObject();
    bool ok = check && stats_add_copy(check, "name", dq_json_member(row, "validator_name"));
    ok = ok &&
         (cJSON_IsString(category) ? stats_add_copy(check, "category", category)
                                   : cJSON_AddStringToObject(check, "category", "legacy") != NULL);
    ok = ok && cJSON_AddBoolToObject(check, "success", success);
    ok = ok && cJSON_AddNumberToObject(check, "issue_count", success ? 0 : 1);
    ok = ok && (cJSON_IsObject(details) ? stats_add_copy(check, "metadata", details)
                                        : cJSON_AddObjectToObject(check, "metadata") != NULL);
    if (!ok) {
        cJSON_Delete(check);
        return NULL;
    }
    return check;
}

/* Rebuilds r->issues (and r->checks when want_checks) from the rows into r->rebuilt. */
static dq_code stats_rebuild(const char *name, dq_result *r, const cJSON *rows, bool want_checks,
                             dq_error *err)
{
    r->rebuilt = cJSON_CreateObject();
    cJSON *issues = r->rebuilt ? cJSON_AddArrayToObject(r->rebuilt, "issues") : NULL;
    cJSON *checks = want_checks && issues ? cJSON_AddArrayToObject(r->rebuilt, "checks") : NULL;
    if (!issues || (want_checks && !checks))
        return stats_oom(name, err);
    size_t index = 0;
    for (const cJSON *row = rows ? rows->child : NULL; row; row = row->next, index++) {
        if (!cJSON_IsObject(row))
            return dq_fail(err, DQ_EFORMAT, "%s: validation_result.results[%zu] is not an object",
                           name, index);
        bool failing = !cJSON_IsTrue(dq_json_member(row, "success"));
        cJSON *issue = failing ? stats_issue_from_row(row) : NULL;
        cJSON *check = want_checks ? stats_check_from_row(row) : NULL;
        if ((failing && !issue) || (want_checks && !check)) {
            cJSON_Delete(issue);
            cJSON_Delete(check);
            return stats_oom(name, err);
        }
        if (issue)
            cJSON_AddItemToArray(issues, issue);
        if (check)
            cJSON_AddItemToArray(checks, check);
    }
    r->issues = issues;
    if (checks)
        r->checks = checks;
    return DQ_OK;
}

/* The DTO's own statistics, verbatim. */
static dq_code stats_from_dto(const char *name, const cJSON *statistics, dq_stats *s, dq_error *err)
{
    static const struct {
        const char *key;
        size_t offset;
    } counts[] = {
        {"total_issues", offsetof(dq_stats, total_issues)},
        {"critical_issues", offsetof(dq_stats, critical_issues)},
        {"high_issues", offsetof(dq_stats, high_issues)},
        {"medium_issues", offsetof(dq_stats, medium_issues)},
        {"low_issues", offsetof(dq_stats, low_issues)},
        {"total_validators", offsetof(dq_stats, total_validators)},
        {"passed_validators", offsetof(dq_stats, passed_validators)},
        {"failed_validators", offsetof(dq_stats, failed_validators)},
        {"error_validators", offsetof(dq_stats, error_validators)},
        {"total_rows", offsetof(dq_stats, total_rows)},
        {"total_columns", offsetof(dq_stats, total_columns)},
    };
    static const struct {
        const char *key;
        size_t offset;
    } reals[] = {
        {"pass_rate", offsetof(dq_stats, pass_rate)},
        {"issue_rate", offsetof(dq_stats, issue_rate)},
        {"execution_time_ms", offsetof(dq_stats, execution_time_ms)},
    };
    char path[96];
    for (size_t i = 0; i < sizeof(counts) / sizeof(*counts); i++) {
        snprintf(path, sizeof(path), "validation_result.statistics.%s", counts[i].key);
        dq_code rc = dq_json_count(name, dq_json_member(statistics, counts[i].key), path,
                                   (int64_t *)((char *)s + counts[i].offset), err);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < sizeof(reals) / sizeof(*reals); i++) {
        snprintf(path, sizeof(path), "validation_result.statistics.%s", reals[i].key);
        dq_code rc = dq_json_double(name, dq_json_member(statistics, reals[i].key), path,
                                    (double *)((char *)s + reals[i].offset), err);
        if (rc)
            return rc;
    }
    if (!dq_json_member(statistics, "pass_rate"))
        s->pass_rate =
            s->total_validators ? (double)s->passed_validators / (double)s->total_validators : 1.0;
    return DQ_OK;
}

static dq_code stats_from_result(const char *name, dq_result *r, const cJSON *dto, dq_error *err)
{
    const char *path = "validation_result";
    const cJSON *rows = NULL, *metadata = NULL, *statistics = NULL;
    dq_code rc = stats_member(name, dto, path, "results", cJSON_Array, &rows, err);
    if (rc == DQ_OK)
        rc = stats_member(name, dto, path, "metadata", cJSON_Object, &metadata, err);
    if (rc == DQ_OK)
        rc = stats_member(name, dto, path, "statistics", cJSON_Object, &statistics, err);
    if (rc)
        return rc;
    const cJSON *contract = dq_json_member(metadata, "_validation_run_contract");
    const cJSON *contract_checks = dq_json_member(contract, "checks");
    const cJSON *contract_errors = dq_json_member(contract, "execution_issues");
    /* The contract's checks replace the rows' only when it lists some, as in truthound. */
    bool use_contract = cJSON_IsArray(contract_checks) && contract_checks->child;
    rc = stats_rebuild(name, r, rows, !use_contract, err);
    if (rc)
        return rc;
    if (use_contract)
        r->checks = contract_checks;
    if (cJSON_IsArray(contract_errors))
        r->execution_issues = contract_errors;
    r->stats.origin = DQ_STATS_VALIDATION_RESULT;
    if (statistics)
        return stats_from_dto(name, statistics, &r->stats, err);
    double execution_ms = 0;
    rc = stats_execution_ms(name, metadata, &execution_ms, err);
    if (rc)
        return rc;
    return stats_count(name, "validation_result.results", r, 0, 0, execution_ms, err);
}

dq_code dq_result_fill_stats(const char *name, dq_result *r, dq_error *err)
{
    memset(&r->stats, 0, sizeof(r->stats));
    r->stats.pass_rate = 1.0;
    if (r->validation_run)
        return stats_from_run(name, r, err);
    if (r->validation_result)
        return stats_from_result(name, r, r->validation_result, err);
    r->stats.origin = DQ_STATS_NONE;
    return DQ_OK;
}
