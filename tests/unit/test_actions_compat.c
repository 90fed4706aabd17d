/* Every payload truthound recorded (tests/fixtures/truthound/payloads) against what
 * dqbatch renders for the same stored result and the same constructor arguments: JSON
 * bodies equal after parsing (bytes equal where nothing may vary), method, URL and the
 * headers that matter; SMTP envelopes, MIME headers and both parts; GitHub's step files;
 * the custom command's environment and standard input. The deliberate differences of
 * the README's "Differences from truthound" are applied to truthound's side, each one named below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions_support.h"
#include "dqbatch/actions.h"
#include "dqtest.h"

static cJSON *payload_index;

typedef struct compat_case {
    const char *file;
    cJSON *payload;
    dq_result result;
    dq_config config;
    dq_applies applies;
    dq_request_list requests;
    dq_render_context ctx;
} compat_case;

static const char *action_type_of(const char *action)
{
    static const char *const prefixes[][2] = {
        {"email", "email"},     {"pagerduty", "pagerduty"}, {"opsgenie", "opsgenie"},
        {"webhook", "webhook"}, {"custom", "custom"},       {"slack", "slack"},
        {"teams", "teams"},     {"discord", "discord"},     {"telegram", "telegram"},
        {"github", "github"},
    };
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (strncmp(action, prefixes[i][0], strlen(prefixes[i][0])) == 0)
            return prefixes[i][1];
    ck_abort_msg("no action type for %s", action);
    return NULL;
}

/* The recorded keyword arguments as a dqbatch config (which exercises the loader too). */
static void compat_config(compat_case *c)
{
    cJSON *kwargs = cJSON_Duplicate(cJSON_GetObjectItem(c->payload, "constructor_kwargs"), 1);
    const char *action = cJSON_GetStringValue(cJSON_GetObjectItem(c->payload, "action"));
    /* Placeholders the recorder wrote for its own loopback port and capture script. */
    if (cJSON_GetObjectItem(kwargs, "smtp_port"))
        cJSON_ReplaceItemInObject(kwargs, "smtp_port", cJSON_CreateNumber(2525));
    if (cJSON_GetObjectItem(kwargs, "shell_command"))
        cJSON_ReplaceItemInObject(kwargs, "shell_command", cJSON_CreateString("cat"));
    cJSON_AddStringToObject(kwargs, "type", action_type_of(action));
    cJSON *root = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(root, "actions");
    cJSON_AddItemToArray(list, kwargs);
    char *text = cJSON_Print(root);
    dq_strlist problems = {0};
    dq_error err = {0};
    ck_assert_msg(dq_config_parse(c->file, text, strlen(text), &c->config, &problems, &err) ==
                      DQ_OK,
                  "%s: %s", c->file, err.msg);
    ck_assert_int_eq(c->config.count, 1);
    dq_strlist_free(&problems);
    free(text);
    cJSON_Delete(root);
}

static void compat_open(compat_case *c, const char *file)
{
    memset(c, 0, sizeof *c);
    c->file = file;
    c->payload = actions_test_payload(file);
    const cJSON *input = cJSON_GetObjectItem(c->payload, "input");
    actions_test_result(cJSON_GetStringValue(cJSON_GetObjectItem(input, "store_file")), &c->result);
    compat_config(c);
    const cJSON *env = cJSON_GetObjectItem(c->payload, "environment");
    c->ctx.now_utc = 1700000000LL * 1000000;
    c->ctx.nonce = 42;
    c->ctx.hostname = "test.invalid";
    c->ctx.github_output = cJSON_GetStringValue(cJSON_GetObjectItem(env, "GITHUB_OUTPUT"));
    c->ctx.github_step_summary =
        cJSON_GetStringValue(cJSON_GetObjectItem(env, "GITHUB_STEP_SUMMARY"));
    c->ctx.github_token = cJSON_GetStringValue(cJSON_GetObjectItem(env, "GITHUB_TOKEN"));
    c->ctx.github_repository = cJSON_GetStringValue(cJSON_GetObjectItem(env, "GITHUB_REPOSITORY"));
    c->ctx.github_sha = cJSON_GetStringValue(cJSON_GetObjectItem(env, "GITHUB_SHA"));
    c->applies = dq_action_applies(&c->config.actions[0], &c->result);
    if (c->applies != DQ_APPLIES_YES)
        return;
    dq_error err = {0};
    ck_assert_msg(
        dq_action_render(&c->config.actions[0], &c->result, &c->ctx, &c->requests, &err) == DQ_OK,
        "%s: %s", file, err.msg);
}

static void compat_close(compat_case *c)
{
    dq_request_list_free(&c->requests);
    dq_config_free(&c->config);
    dq_result_free(&c->result);
    cJSON_Delete(c->payload);
}

/* compat_open for an action that renders exactly one request, of kind: that request. */
static const dq_request *compat_open_one(compat_case *c, const char *file, dq_request_kind kind)
{
    compat_open(c, file);
    ck_assert_int_eq(c->requests.len, 1);
    const dq_request *req = &c->requests.items[0];
    ck_assert_int_eq(req->kind, kind);
    return req;
}

static size_t count_kind(const compat_case *c, dq_request_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < c->requests.len; i++)
        n += c->requests.items[i].kind == kind;
    return n;
}

static const dq_request *nth_kind(const compat_case *c, dq_request_kind kind, size_t n)
{
    for (size_t i = 0; i < c->requests.len; i++)
        if (c->requests.items[i].kind == kind && n-- == 0)
            return &c->requests.items[i];
    ck_abort_msg("%s: no request %zu", c->file, n);
    return NULL;
}

/* ---- deliberate differences, applied to truthound's side --------------------------- */

static void strip_leading_spaces(cJSON *s)
{
    char *text = cJSON_GetStringValue(s);
    if (!text)
        return;
    dq_buf b;
    dq_buf_init(&b, 1 << 20);
    bool line_start = true;
    for (const char *p = text; *p; p++) {
        if (line_start && *p == ' ')
            continue;
        dq_buf_addc(&b, *p);
        line_start = *p == '\n';
    }
    cJSON_SetValuestring(s, dq_buf_str(&b));
    dq_buf_free(&b);
}

/* Discord: the embed timestamp is the send time; truthound's empty emoji leaves a stray
 * space before the title and each severity line, which dqbatch does not copy. */
static void discord_adjust(cJSON *want, cJSON *got)
{
    cJSON *we = cJSON_GetArrayItem(cJSON_GetObjectItem(want, "embeds"), 0);
    cJSON *ge = cJSON_GetArrayItem(cJSON_GetObjectItem(got, "embeds"), 0);
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(ge, "timestamp"));
    cJSON_DeleteItemFromObject(we, "timestamp");
    cJSON_DeleteItemFromObject(ge, "timestamp");
    strip_leading_spaces(cJSON_GetObjectItem(we, "title"));
    cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(we, "fields"))
    {
        strip_leading_spaces(cJSON_GetObjectItem(f, "value"));
    }
}

/* OpsGenie close/acknowledge: dqbatch percent-encodes the alias in the path. */
static char *url_decode(const char *s)
{
    char *out = malloc(strlen(s) + 1);
    size_t o = 0;
    for (const char *p = s; *p; p++) {
        unsigned v;
        if (*p == '%' && sscanf(p + 1, "%2x", &v) == 1) {
            out[o++] = (char)v;
            p += 2;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    return out;
}

/* ---- HTTP ---------------------------------------------------------------------------- */

static bool header_matters(const char *name, const char *value)
{
    static const char *const ignored[] = {"Accept-Encoding", "Content-Length", "Host", "Connection",
                                          NULL};
    for (size_t i = 0; ignored[i]; i++)
        if (strcmp(name, ignored[i]) == 0)
            return false;
    /* urllib's default agent names the Python version; dqbatch does not pretend to be it. */
    return !(strcmp(name, "User-Agent") == 0 && strncmp(value, "Python-urllib/", 14) == 0);
}

static void compare_headers(const compat_case *c, const cJSON *want, const dq_request *got)
{
    size_t matter = 0;
    const cJSON *h;
    cJSON_ArrayForEach(h, want)
    {
        const char *name = cJSON_GetArrayItem(h, 0)->valuestring;
        const char *value = cJSON_GetArrayItem(h, 1)->valuestring;
        if (!header_matters(name, value))
            continue;
        matter++;
        char *line = dq_asprintf("%s: %s", name, value);
        bool found = false;
        for (size_t i = 0; i < got->headers.len; i++)
            found = found || strcmp(got->headers.items[i], line) == 0;
        ck_assert_msg(found, "%s: header \"%s\" missing", c->file, line);
        free(line);
    }
    ck_assert_msg(got->headers.len == matter, "%s: %zu headers, truthound sends %zu that matter",
                  c->file, got->headers.len, matter);
}

static void compare_url(const compat_case *c, const cJSON *want, const dq_request *got)
{
    const char *url = cJSON_GetStringValue(cJSON_GetObjectItem(want, "url"));
    if (strstr(c->file, "opsgenie_close") || strstr(c->file, "opsgenie_acknowledge")) {
        char *decoded = url_decode(got->url);
        ck_assert_str_eq(decoded, url);
        ck_assert_ptr_null(strstr(strstr(got->url, "/v2/alerts/") + 11, "/v2/"));
        free(decoded);
        return;
    }
    ck_assert_str_eq(got->url, url);
}

static void compare_http(const compat_case *c, const cJSON *want, const dq_request *got)
{
    const char *method = cJSON_GetStringValue(cJSON_GetObjectItem(want, "method"));
    ck_assert_str_eq(got->method ? got->method : "POST", method);
    compare_url(c, want, got);
    compare_headers(c, cJSON_GetObjectItem(want, "headers"), got);
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(want, "body_text"));
    dq_error err = {0};
    cJSON *w = dq_json_parse(text, strlen(text), &err, "truthound");
    cJSON *g = dq_json_parse(got->body, got->body_len, &err, "dqbatch");
    ck_assert_msg(w && g, "%s: body does not parse: %s", c->file, err.msg);
    bool exact = true;
    if (strncmp(c->file, "discord", 7) == 0) {
        discord_adjust(w, g);
        exact = false;
    }
    actions_test_json_equal(w, g, c->file);
    /* Byte for byte where nothing varies and no float of the stored file is copied (the
     * tree does not say whether a stored 0.0 was a float). */
    if (exact && !cJSON_GetObjectItem(w, "full_result"))
        ck_assert_msg(strcmp(got->body, text) == 0, "%s: body bytes differ:\n want %s\n got  %s",
                      c->file, text, got->body);
    cJSON_Delete(w);
    cJSON_Delete(g);
}

/* Files the generic HTTP comparison does not cover (each has its own test below). */
static bool compat_special(const char *file)
{
    return strncmp(file, "email_smtp", 10) == 0 || strncmp(file, "custom_shell", 12) == 0 ||
           strcmp(file, "slack__warning_no_details.json") == 0 ||
           strcmp(file, "pagerduty_resolve__success_default_notify_on.json") == 0;
}

START_TEST(test_payload_http)
{
    const char *file =
        cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(payload_index, _i), "file"));
    if (compat_special(file))
        return;
    compat_case c;
    compat_open(&c, file);
    ck_assert_msg(c.applies == DQ_APPLIES_YES, "%s: not applied (%d)", file, c.applies);
    const cJSON *want = cJSON_GetObjectItem(c.payload, "requests");
    ck_assert_msg(count_kind(&c, DQ_REQUEST_HTTP) == (size_t)cJSON_GetArraySize(want),
                  "%s: %zu HTTP requests, truthound sent %d", file, count_kind(&c, DQ_REQUEST_HTTP),
                  cJSON_GetArraySize(want));
    for (int i = 0; i < cJSON_GetArraySize(want); i++)
        compare_http(&c, cJSON_GetArrayItem(want, i), nth_kind(&c, DQ_REQUEST_HTTP, (size_t)i));
    /* GitHub: the text appended to $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY. */
    const char *output =
        cJSON_GetStringValue(cJSON_GetObjectItem(c.payload, "GITHUB_OUTPUT_written"));
    if (output) {
        ck_assert_int_eq(count_kind(&c, DQ_REQUEST_FILE), 2);
        ck_assert_str_eq(nth_kind(&c, DQ_REQUEST_FILE, 0)->url, c.ctx.github_output);
        ck_assert_str_eq(nth_kind(&c, DQ_REQUEST_FILE, 0)->body, output);
        ck_assert_str_eq(
            nth_kind(&c, DQ_REQUEST_FILE, 1)->body,
            cJSON_GetStringValue(cJSON_GetObjectItem(c.payload, "GITHUB_STEP_SUMMARY_written")));
    }
    compat_close(&c);
}
END_TEST

START_TEST(test_pagerduty_default_notify_on_skips_success)
{
    compat_case c;
    compat_open(&c, "pagerduty_resolve__success_default_notify_on.json");
    ck_assert_int_eq(c.applies, DQ_APPLIES_NOTIFY_ON);
    ck_assert_int_eq(c.requests.len, 0);
    compat_close(&c);
}
END_TEST

/* Difference: a result stored without details has validation_run null; truthound's view
 * then counts 0 issues, dqbatch takes validation_result.statistics (spec 1.11). */
START_TEST(test_slack_no_details_uses_stored_statistics)
{
    compat_case c;
    compat_open(&c, "slack__warning_no_details.json");
    ck_assert_int_eq(c.result.stats.origin, DQ_STATS_VALIDATION_RESULT);
    ck_assert_int_gt(c.result.stats.total_issues, 0);
    const dq_request *req = nth_kind(&c, DQ_REQUEST_HTTP, 0);
    char *want = dq_asprintf("*Total Issues:*\\n%lld", (long long)c.result.stats.total_issues);
    ck_assert_msg(strstr(req->body, want), "%s", req->body);
    ck_assert_ptr_nonnull(strstr(req->body, "*Pass Rate:*\\n25.0%"));
    ck_assert_ptr_nonnull(strstr(req->body, ":red_circle: Critical: "));
    free(want);
    compat_close(&c);
}
END_TEST

/* ---- custom ------------------------------------------------------------------------ */

static const char *env_value(const dq_request *req, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < req->env.len; i++)
        if (strncmp(req->env.items[i], name, n) == 0 && req->env.items[i][n] == '=')
            return req->env.items[i] + n + 1;
    return NULL;
}

START_TEST(test_custom_shell)
{
    static const char *const files[] = {"custom_shell__error.json", "custom_shell__failure.json",
                                        "custom_shell__failure_non_ascii.json",
                                        "custom_shell__success.json"};
    compat_case c;
    const dq_request *req = compat_open_one(&c, files[_i], DQ_REQUEST_EXEC);
    ck_assert_str_eq(req->url, "cat");
    const cJSON *shell = cJSON_GetObjectItem(c.payload, "shell");
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(shell, "environment_added_by_truthound"))
    {
        const char *got = env_value(req, e->string);
        ck_assert_msg(got && strcmp(got, e->valuestring) == 0, "%s: %s=%s, truthound %s", files[_i],
                      e->string, got ? got : "(unset)", e->valuestring);
    }
    ck_assert_str_eq(env_value(req, "DQ_ENV"), "fixture");
    const char *stdin_text = cJSON_GetStringValue(cJSON_GetObjectItem(shell, "stdin"));
    dq_error err = {0};
    cJSON *w = dq_json_parse(stdin_text, strlen(stdin_text), &err, "truthound stdin");
    cJSON *g = dq_json_parse(req->body, req->body_len, &err, "dqbatch stdin");
    ck_assert_ptr_nonnull(w);
    ck_assert_ptr_nonnull(g);
    actions_test_json_equal(w, g, files[_i]);
    ck_assert_ptr_null(strchr(req->body, '\n')); /* one line, no trailing newline */
    cJSON_Delete(w);
    cJSON_Delete(g);
    compat_close(&c);
}
END_TEST

/* ---- email ------------------------------------------------------------------------- */

typedef struct mime {
    char *headers; /* the top-level header block, LF line ends */
    char *parts[2];
    char *types[2];
    int count;
} mime;

static char *crlf_to_lf(const char *s)
{
    char *out = malloc(strlen(s) + 1);
    size_t o = 0;
    for (const char *p = s; *p; p++)
        if (!(p[0] == '\r' && p[1] == '\n'))
            out[o++] = *p;
    out[o] = '\0';
    return out;
}

static char *header_value(const char *block, const char *name)
{
    char *key = dq_asprintf("\n%s: ", name);
    char *with_nl = dq_asprintf("\n%s", block);
    const char *at = strstr(with_nl, key);
    char *value = NULL;
    if (at) {
        at += strlen(key);
        value = dq_strndup(at, strcspn(at, "\n"));
    }
    free(key);
    free(with_nl);
    return value;
}

/* Splits a message into its header block and decoded parts. */
static void mime_parse(const char *message, mime *m)
{
    memset(m, 0, sizeof *m);
    char *text = crlf_to_lf(message);
    char *split = strstr(text, "\n\n");
    ck_assert_ptr_nonnull(split);
    m->headers = dq_strndup(text, (size_t)(split - text));
    char *ctype = header_value(m->headers, "Content-Type");
    char *b = strstr(ctype, "boundary=\"");
    ck_assert_ptr_nonnull(b);
    char *boundary = dq_asprintf("--%.*s", (int)strcspn(b + 10, "\""), b + 10);
    char *p = strstr(split, boundary);
    while (p && m->count < 2) {
        p += strlen(boundary);
        if (strncmp(p, "--", 2) == 0)
            break;
        char *end = strstr(p, boundary);
        ck_assert_ptr_nonnull(end);
        char *part = dq_strndup(p + 1, (size_t)(end - p - 1));
        char *body = strstr(part, "\n\n");
        ck_assert_ptr_nonnull(body);
        *body = '\0';
        char *encoding = header_value(part, "Content-Transfer-Encoding");
        m->types[m->count] = header_value(part, "Content-Type");
        char *content = strcmp(encoding, "base64") == 0 ? actions_test_base64_decode(body + 2)
                                                        : dq_strdup(body + 2);
        size_t n = strlen(content);
        while (n && content[n - 1] == '\n')
            content[--n] = '\0';
        m->parts[m->count++] = content;
        free(encoding);
        free(part);
        p = end;
    }
    free(boundary);
    free(ctype);
    free(text);
}

static void mime_free(mime *m)
{
    free(m->headers);
    for (int i = 0; i < m->count; i++) {
        free(m->parts[i]);
        free(m->types[i]);
    }
}

/* "=?utf-8?q?...?=" or "=?utf-8?b?...?=" to text; anything else as it is. */
static char *subject_decode(const char *s)
{
    if (strncmp(s, "=?utf-8?b?", 10) == 0) {
        char *inner = dq_strndup(s + 10, strlen(s) - 12);
        char *out = actions_test_base64_decode(inner);
        free(inner);
        return out;
    }
    if (strncmp(s, "=?utf-8?q?", 10) == 0) {
        char *out = malloc(strlen(s) + 1);
        size_t o = 0;
        for (const char *p = s + 10; *p && strncmp(p, "?=", 2) != 0; p++) {
            unsigned v;
            if (*p == '=' && sscanf(p + 1, "%2X", &v) == 1) {
                out[o++] = (char)v;
                p += 2;
            } else {
                out[o++] = *p == '_' ? ' ' : *p;
            }
        }
        out[o] = '\0';
        return out;
    }
    return dq_strdup(s);
}

static void compare_header(const char *file, const mime *want, const mime *got, const char *name)
{
    char *w = header_value(want->headers, name);
    char *g = header_value(got->headers, name);
    char *wd = w ? subject_decode(w) : NULL;
    char *gd = g ? subject_decode(g) : NULL;
    ck_assert_msg((!wd && !gd) || (wd && gd && strcmp(wd, gd) == 0), "%s: %s: want %s, got %s",
                  file, name, wd ? wd : "(none)", gd ? gd : "(none)");
    free(w);
    free(g);
    free(wd);
    free(gd);
}

START_TEST(test_email_smtp)
{
    static const char *const files[] = {"email_smtp__failure.json",
                                        "email_smtp__failure_non_ascii.json",
                                        "email_smtp__warning_text_only.json"};
    compat_case c;
    const dq_request *req = compat_open_one(&c, files[_i], DQ_REQUEST_SMTP);
    const cJSON *tx = cJSON_GetArrayItem(cJSON_GetObjectItem(c.payload, "smtp_transactions"), 0);
    /* The envelope: AUTH only with user and password, then one RCPT per To and Cc. */
    const cJSON *cmd;
    size_t rcpt = 0;
    bool auth = false;
    cJSON_ArrayForEach(cmd, cJSON_GetObjectItem(tx, "commands"))
    {
        const char *s = cmd->valuestring;
        auth = auth || strncmp(s, "AUTH", 4) == 0;
        if (strncmp(s, "mail FROM:<", 11) == 0) {
            char *want = dq_strndup(s + 11, strcspn(s + 11, ">"));
            ck_assert_str_eq(req->mail_from, want);
            free(want);
        }
        if (strncmp(s, "rcpt TO:<", 9) == 0) {
            char *want = dq_strndup(s + 9, strcspn(s + 9, ">"));
            ck_assert_uint_lt(rcpt, req->rcpt.len);
            ck_assert_str_eq(req->rcpt.items[rcpt++], want);
            free(want);
        }
    }
    ck_assert_uint_eq(rcpt, req->rcpt.len);
    ck_assert_int_eq(auth, req->username != NULL && req->password != NULL);
    ck_assert_str_eq(req->url, "smtp://127.0.0.1:2525");
    mime want, got;
    mime_parse(cJSON_GetStringValue(cJSON_GetObjectItem(tx, "data")), &want);
    mime_parse(req->body, &got);
    compare_header(files[_i], &want, &got, "Subject");
    compare_header(files[_i], &want, &got, "From");
    compare_header(files[_i], &want, &got, "To");
    compare_header(files[_i], &want, &got, "Cc");
    compare_header(files[_i], &want, &got, "MIME-Version");
    /* dqbatch adds what RFC 5322 asks for and truthound leaves out. */
    char *date = header_value(got.headers, "Date");
    char *id = header_value(got.headers, "Message-ID");
    ck_assert_ptr_nonnull(date);
    ck_assert_ptr_nonnull(id);
    free(date);
    free(id);
    char *wtype = header_value(want.headers, "Content-Type");
    char *gtype = header_value(got.headers, "Content-Type");
    ck_assert_int_eq(strncmp(wtype, gtype, strcspn(wtype, ";")), 0);
    free(wtype);
    free(gtype);
    ck_assert_int_eq(got.count, want.count);
    for (int i = 0; i < want.count; i++) {
        ck_assert_str_eq(got.types[i], want.types[i]);
        ck_assert_str_eq(got.parts[i], want.parts[i]);
    }
    mime_free(&want);
    mime_free(&got);
    compat_close(&c);
}
END_TEST

/* Difference: truthound cannot build the text of a result without statistics and sends
 * nothing; dqbatch mails it with the error instead of the numbers. */
START_TEST(test_email_error_run_is_sent)
{
    compat_case c;
    compat_open(&c, "email_smtp__error.json");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(c.payload, "smtp_transactions")), 0);
    ck_assert_int_eq(c.requests.len, 1);
    mime got;
    mime_parse(c.requests.items[0].body, &got);
    ck_assert_int_eq(got.count, 2);
    ck_assert_ptr_nonnull(strstr(got.parts[0], "Status: ERROR\n"));
    ck_assert_ptr_nonnull(strstr(got.parts[0], "\nError: "));
    ck_assert_ptr_null(strstr(got.parts[0], "Statistics:"));
    mime_free(&got);
    compat_close(&c);
}
END_TEST

int main(void)
{
    /* No ck_assert here: Check counts even passing asserts, and only inside tests. */
    const char *root = getenv("DQ_FIXTURES");
    char *path = dq_asprintf("%s/truthound/payloads/index.json", root ? root : ".");
    dq_buf text;
    dq_buf_init(&text, 1 << 24);
    dq_error err = {0};
    if (!path || dq_file_read(path, text.max, &text, &err) != DQ_OK ||
        !(payload_index = cJSON_Parse(dq_buf_str(&text)))) {
        fprintf(stderr, "cannot read the payload index %s: %s\n", path ? path : "", err.msg);
        return EXIT_FAILURE;
    }
    free(path);
    dq_buf_free(&text);
    Suite *s = suite_create("actions_compat");
    TCase *tc = tcase_create("payloads");
    tcase_add_loop_test(tc, test_payload_http, 0, cJSON_GetArraySize(payload_index));
    tcase_add_test(tc, test_pagerduty_default_notify_on_skips_success);
    tcase_add_test(tc, test_slack_no_details_uses_stored_statistics);
    tcase_add_loop_test(tc, test_custom_shell, 0, 4);
    tcase_add_loop_test(tc, test_email_smtp, 0, 3);
    tcase_add_test(tc, test_email_error_run_is_sent);
    suite_add_tcase(s, tc);
    int rc = dqtest_run(s);
    cJSON_Delete(payload_index);
    return rc;
}
