/* dq_request's life cycle and the per-provider defaults of spec/providers.md. */
#include <stdlib.h>
#include <string.h>

#include "dqbatch/dispatch.h"

void dq_request_init(dq_request *req)
{
    memset(req, 0, sizeof *req);
    req->kind = DQ_REQUEST_HTTP;
    req->provider = DQ_PROVIDER_GENERIC;
    req->timeout_seconds = 30;
    req->retry_count = -1;
    req->retry_delay_seconds = 1;
    req->ssl_verify = true;
}

void dq_request_free(dq_request *req)
{
    free(req->action);
    free(req->destination);
    free(req->destination_label);
    free(req->idempotency_key);
    free(req->method);
    free(req->url);
    dq_strlist_free(&req->headers);
    free(req->body);
    free(req->mail_from);
    dq_strlist_free(&req->rcpt);
    free(req->username);
    free(req->password);
    free(req->aws_sigv4);
    dq_strlist_free(&req->env);
    free(req->working_directory);
    free(req->success_codes);
    free(req->ca_file);
    dq_strlist_free(&req->secrets);
    dq_request_init(req);
}

const char *dq_provider_name(dq_provider provider)
{
    static const char *const names[DQ_PROVIDER_COUNT] = {
        "webhook", "slack",    "discord", "telegram", "teams", "pagerduty", "opsgenie",
        "github",  "sendgrid", "ses",     "smtp",     "exec",  "file",
    };
    if ((unsigned)provider >= DQ_PROVIDER_COUNT)
        return "unknown";
    return names[provider];
}

/* Each default keeps every documented window of the provider, burst included: a bucket
 * of B tokens refilled at R/s lets through at most B + R*T requests in any T seconds. */
typedef struct dq_provider_limit {
    double per_second;
    double burst;
    int max_in_flight;
} dq_provider_limit;

static const dq_provider_limit provider_limits[DQ_PROVIDER_COUNT] = {
    /* webhook: no documented limit; a few requests in flight keep a server usable. */
    [DQ_PROVIDER_GENERIC] = {0, 1, 16},
    /* Slack: 1 message/s per webhook or channel, bursts "not guaranteed". */
    [DQ_PROVIDER_SLACK] = {1, 1, 1},
    /* Discord: limits come from headers (X-RateLimit-*), which the engine obeys; until
     * then a conservative 1/s with a burst of 5, far below the 50/s global cap. */
    [DQ_PROVIDER_DISCORD] = {1, 5, 1},
    /* Telegram: at most 20 messages a minute to a group or channel (1/s in a private
     * chat); alert chats are groups, so the tighter one. */
    [DQ_PROVIDER_TELEGRAM] = {20.0 / 60.0, 1, 1},
    /* Teams connectors: 4/1 s, 60/30 s, 100/1 h, 150/2 h, 1800/24 h per channel: 1 per
     * 50 s with a burst of 4 stays under all five windows (4 + 144 <= 150 in 2 h). */
    [DQ_PROVIDER_TEAMS] = {1.0 / 50.0, 4, 1},
    /* PagerDuty: about 120 events a minute per routing key over a 60 s window. */
    [DQ_PROVIDER_PAGERDUTY] = {118.0 / 60.0, 2, 2},
    /* OpsGenie: per-plan numbers are not public; moderate, and 429 slows it down. */
    [DQ_PROVIDER_OPSGENIE] = {1, 3, 1},
    /* GitHub: content creation 80/min and 500/h; serial requests are recommended. */
    [DQ_PROVIDER_GITHUB] = {490.0 / 3600.0, 10, 1},
    /* SendGrid: not published per endpoint; 429 slows it down. */
    [DQ_PROVIDER_SENDGRID] = {10, 10, 4},
    /* SES: 1 email/s in the sandbox; higher quotas vary per account. */
    [DQ_PROVIDER_SES] = {1, 1, 1},
    /* An SMTP server: modest, one session per server at a time is polite. */
    [DQ_PROVIDER_SMTP] = {10, 5, 2},
    /* Shell commands: no rate, a few at a time. */
    [DQ_PROVIDER_EXEC] = {0, 1, 4},
    /* Appends to one file must not interleave. */
    [DQ_PROVIDER_FILE] = {0, 1, 1},
};

void dq_provider_default_rate(dq_provider provider, dq_rate *rate, int *max_in_flight)
{
    if ((unsigned)provider >= DQ_PROVIDER_COUNT)
        provider = DQ_PROVIDER_GENERIC;
    const dq_provider_limit *limit = &provider_limits[provider];
    if (rate) {
        rate->per_second = limit->per_second;
        rate->burst = limit->burst;
    }
    if (max_in_flight)
        *max_in_flight = limit->max_in_flight;
}
