/* --dry-run: each request printed as it would go out, secrets redacted, nothing sent. */
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

static void print_redacted(FILE *out, const dq_strlist *secrets, const char *prefix,
                           const char *text)
{
    char *shown = dq_redact(text, secrets);
    fprintf(out, "%s%s\n", prefix, shown ? shown : "(hidden: out of memory)");
    free(shown);
}

static void print_http(FILE *out, const dq_request *r, const dq_strlist *secrets)
{
    char *url = dq_redact_url(r->url);
    const char *method = r->method ? r->method : r->body ? "POST" : "GET";
    char *prefix = dq_asprintf("%s ", method);
    /* Secrets too: a token may look like a plain word to dq_redact_url. */
    print_redacted(out, secrets, prefix ? prefix : "", url ? url : "***");
    free(prefix);
    free(url);
    for (size_t i = 0; i < r->headers.len; i++) {
        char *h = dq_redact_header(r->headers.items[i], secrets);
        fprintf(out, "%s\n", h ? h : "***");
        free(h);
    }
}

static void print_smtp(FILE *out, const dq_request *r, const dq_strlist *secrets)
{
    char *url = dq_redact_url(r->url);
    fprintf(out, "SMTP %s%s\n", url ? url : "***", r->use_tls ? " (STARTTLS)" : "");
    free(url);
    print_redacted(out, secrets, "MAIL FROM: ", r->mail_from);
    for (size_t i = 0; i < r->rcpt.len; i++)
        print_redacted(out, secrets, "RCPT TO: ", r->rcpt.items[i]);
}

static void print_exec(FILE *out, const dq_request *r, const dq_strlist *secrets)
{
    print_redacted(out, secrets, "EXEC /bin/sh -c ", r->url);
    if (r->working_directory)
        print_redacted(out, secrets, "in ", r->working_directory);
    /* Values may hold secrets; names are enough to check a configuration. */
    for (size_t i = 0; i < r->env.len; i++)
        fprintf(out, "env %.*s=***\n", (int)strcspn(r->env.items[i], "="), r->env.items[i]);
}

void dq_dry_run_print(dq_dispatch *d, dq_job *job)
{
    FILE *out = d->opt.dry_run_out;
    const dq_request *r = &job->req;
    dq_strlist secrets = {0};
    if (dq_request_secret_list(r, &secrets)) {
        fprintf(out, "# %s -> %s: (hidden: out of memory)\n\n", r->action, r->destination_label);
        dq_strlist_free(&secrets);
        return;
    }
    fprintf(out, "# %s -> %s", r->action, r->destination_label);
    if (r->idempotency_key)
        print_redacted(out, &secrets, " key ", r->idempotency_key);
    else
        fputc('\n', out);
    switch (r->kind) {
    case DQ_REQUEST_HTTP:
        print_http(out, r, &secrets);
        break;
    case DQ_REQUEST_SMTP:
        print_smtp(out, r, &secrets);
        break;
    case DQ_REQUEST_EXEC:
        print_exec(out, r, &secrets);
        break;
    case DQ_REQUEST_FILE:
        print_redacted(out, &secrets, "APPEND ", r->url);
        break;
    }
    fputc('\n', out);
    if (r->body)
        print_redacted(out, &secrets, "", r->body);
    fputc('\n', out);
    dq_strlist_free(&secrets);
}
