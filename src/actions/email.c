/* Email (spec 3.2): a MIME multipart message (text + HTML, or text only) sent over SMTP
 * by libcurl (plain, STARTTLS, SMTPS; AUTH when user and password are set), or the same
 * content through SendGrid's v3 API or Amazon SES's v2 API (SigV4 signed by libcurl). Unlike
 * truthound it adds Date and Message-ID, escapes the HTML, and also mails results that have no
 * statistics (error runs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions_internal.h"

#define MAIL_MAX ((size_t)16 << 20)

static const char email_html_format[] =
    "<!DOCTYPE html>\n"
    "<html>\n"
    "<head>\n"
    "    <meta charset=\"utf-8\">\n"
    "    <style>\n"
    "        body { font-family: -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, "
    "sans-serif; line-height: 1.6; color: #333; }\n"
    "        .container { max-width: 600px; margin: 0 auto; padding: 20px; }\n"
    "        .header { text-align: center; padding: 20px; background: #f8f9fa; border-radius: 8px; "
    "}\n"
    "        .status { display: inline-block; padding: 8px 16px; border-radius: 20px; color: "
    "white; font-weight: bold; background: %s; }\n"
    "        .section { margin: 20px 0; padding: 15px; background: white; border: 1px solid "
    "#e9ecef; border-radius: 8px; }\n"
    "        .section h3 { margin-top: 0; color: #495057; border-bottom: 1px solid #e9ecef; "
    "padding-bottom: 10px; }\n"
    "        .stats { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; }\n"
    "        .stat { text-align: center; padding: 10px; background: #f8f9fa; border-radius: 5px; "
    "}\n"
    "        .stat-value { font-size: 1.5em; font-weight: bold; }\n"
    "        .stat-label { font-size: 0.85em; color: #666; }\n"
    "        .critical { color: #dc3545; }\n"
    "        .high { color: #e67e22; }\n"
    "        .medium { color: #ffc107; }\n"
    "        .low { color: #17a2b8; }\n"
    "        .footer { text-align: center; margin-top: 30px; padding-top: 20px; border-top: 1px "
    "solid #e9ecef; color: #666; font-size: 0.9em; }\n"
    "    </style>\n"
    "</head>\n"
    "<body>\n"
    "    <div class=\"container\">\n"
    "        <div class=\"header\">\n"
    "            <h2>Truthound Validation Report</h2>\n"
    "            <div class=\"status\">%s</div>\n"
    "        </div>\n"
    "\n"
    "        <div class=\"section\">\n"
    "            <h3>Run Details</h3>\n"
    "            <p><strong>Checkpoint:</strong> %s</p>\n"
    "            <p><strong>Run ID:</strong> %s</p>\n"
    "            <p><strong>Time:</strong> %s</p>\n"
    "            <p><strong>Data Asset:</strong> %s</p>\n"
    "        </div>\n"
    "\n"
    "        <div class=\"section\">\n"
    "            <h3>Validation Statistics</h3>\n"
    "            <div class=\"stats\">\n"
    "                <div class=\"stat\">\n"
    "                    <div class=\"stat-value\">%lld</div>\n"
    "                    <div class=\"stat-label\">Total Issues</div>\n"
    "                </div>\n"
    "                <div class=\"stat\">\n"
    "                    <div class=\"stat-value\">%s</div>\n"
    "                    <div class=\"stat-label\">Pass Rate</div>\n"
    "                </div>\n"
    "                <div class=\"stat\">\n"
    "                    <div class=\"stat-value\">%s</div>\n"
    "                    <div class=\"stat-label\">Rows</div>\n"
    "                </div>\n"
    "            </div>\n"
    "\n"
    "            <div class=\"stats\" style=\"margin-top: 10px;\">\n"
    "                <div class=\"stat\">\n"
    "                    <div class=\"stat-value critical\">%lld</div>\n"
    "                    <div class=\"stat-label\">Critical</div>\n"
    "                </div>\n"
    "                <div class=\"stat\">\n"
    "                    <div class=\"stat-value high\">%lld</div>\n"
    "                    <div class=\"stat-label\">High</div>\n"
    "                </div>\n"
    "                <div class=\"stat\">\n"
    "                    <div class=\"stat-value medium\">%lld</div>\n"
    "                    <div class=\"stat-label\">Medium</div>\n"
    "                </div>\n"
    "            </div>\n"
    "        </div>\n"
    "\n"
    "        <div class=\"footer\">\n"
    "            <p>This email was sent by Truthound Data Quality Toolkit</p>\n"
    "        </div>\n"
    "    </div>\n"
    "</body>\n"
    "</html>";

static char *html_escape(const char *s)
{
    dq_buf b;
    dq_buf_init(&b, MAIL_MAX);
    for (const char *p = s; *p; p++) {
        dq_code rc = *p == '&'   ? dq_buf_adds(&b, "&amp;")
                     : *p == '<' ? dq_buf_adds(&b, "&lt;")
                     : *p == '>' ? dq_buf_adds(&b, "&gt;")
                     : *p == '"' ? dq_buf_adds(&b, "&quot;")
                                 : dq_buf_addc(&b, *p);
        if (rc) {
            dq_buf_free(&b);
            return NULL;
        }
    }
    return dq_buf_steal(&b);
}

static char *email_text(const action_view *v)
{
    char rows[32], columns[32];
    action_thousands(v->rows, rows, sizeof rows);
    action_thousands(v->columns, columns, sizeof columns);
    const char *asset = v->r->data_asset ? v->asset : "None";
    if (!v->has_stats)
        return dq_asprintf("Checkpoint: %s\nStatus: %s\nRun ID: %s\nRun Time: %s\nData Asset: "
                           "%s\n\nError: %s\n\n---\nSent by Truthound Data Quality Toolkit",
                           v->checkpoint, v->status_upper, v->run_id, v->run_time, asset,
                           v->r->error ? v->r->error : "no validation statistics");
    return dq_asprintf("Checkpoint: %s\nStatus: %s\nRun ID: %s\nRun Time: %s\nData Asset: %s\n\n"
                       "Statistics:\n  Total Issues: %lld\n  Critical: %lld\n  High: %lld\n"
                       "  Medium: %lld\n  Low: %lld\n  Pass Rate: %s\n\nData Info:\n"
                       "  Rows: %s\n  Columns: %s\n\n---\nSent by Truthound Data Quality Toolkit",
                       v->checkpoint, v->status_upper, v->run_id, v->run_time, asset, v->total,
                       v->critical, v->high, v->medium, v->low, v->pass_percent, rows, columns);
}

static char *email_html(const action_view *v)
{
    char rows[32];
    action_thousands(v->rows, rows, sizeof rows);
    char *checkpoint = html_escape(v->checkpoint);
    char *run_id = html_escape(v->run_id);
    char *asset = html_escape(v->r->data_asset ? v->asset : "None");
    char *html = NULL;
    if (checkpoint && run_id && asset)
        html = dq_asprintf(email_html_format, action_status_color(v->status), v->status_upper,
                           checkpoint, run_id, v->run_time, asset, v->total, v->pass_percent, rows,
                           v->critical, v->high, v->medium);
    free(checkpoint);
    free(run_id);
    free(asset);
    return html;
}

static char *email_subject(const dq_action_config *a, const action_view *v, dq_error *err)
{
    const char *tmpl = dq_setting_str(a, "subject_template", "[Truthound] {status} - {checkpoint}");
    return action_format(tmpl, action_view_field, v, 1 << 16, err);
}

static bool is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* One MIME part: 7bit when ASCII (lines turned into CRLF), else UTF-8 in base64. */
static dq_code mime_part(dq_buf *m, const char *boundary, const char *type, const char *text)
{
    bool ascii = is_ascii(text);
    if (dq_buf_printf(m,
                      "--%s\r\nContent-Type: text/%s; charset=\"%s\"\r\nMIME-Version: 1.0\r\n"
                      "Content-Transfer-Encoding: %s\r\n\r\n",
                      boundary, type, ascii ? "us-ascii" : "utf-8", ascii ? "7bit" : "base64"))
        return DQ_ETOOBIG;
    if (!ascii)
        return action_base64(m, text, 76) || dq_buf_adds(m, "\r\n") ? DQ_ETOOBIG : DQ_OK;
    for (const char *p = text; *p; p++)
        if ((*p == '\n' ? dq_buf_adds(m, "\r\n") : dq_buf_addc(m, *p)))
            return DQ_ETOOBIG;
    return dq_buf_adds(m, "\r\n");
}

static dq_code address_list(dq_buf *m, const char *header, const cJSON *list)
{
    if (!cJSON_GetArraySize(list))
        return DQ_OK;
    dq_code rc = dq_buf_printf(m, "%s: ", header);
    const cJSON *c;
    cJSON_ArrayForEach(c, list)
    {
        if (!rc && c != list->child)
            rc = dq_buf_adds(m, ", ");
        if (!rc)
            rc = dq_buf_adds(m, c->valuestring);
    }
    return rc ? rc : dq_buf_adds(m, "\r\n");
}

typedef struct email_content {
    char *subject, *text, *html; /* html NULL without include_html */
} email_content;

static dq_code email_message(const dq_action_config *a, const action_view *v,
                             const dq_render_context *ctx, const email_content *c, dq_buf *m)
{
    char boundary[64], date[64], id[160];
    snprintf(boundary, sizeof boundary, "===============%019llu==",
             (unsigned long long)(dq_hash64(v->run_id, strlen(v->run_id), ctx->nonce) %
                                  10000000000000000000ull));
    time_t now = (time_t)(ctx->now_utc / 1000000);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    snprintf(id, sizeof id, "<%016llx.%016llx@%s>",
             (unsigned long long)dq_hash64(a->name, strlen(a->name), ctx->nonce),
             (unsigned long long)dq_hash64(v->run_id, strlen(v->run_id), ctx->nonce + 1),
             ctx->hostname ? ctx->hostname : "dqbatch.localhost");
    dq_code rc = dq_buf_printf(m,
                               "Content-Type: multipart/%s; boundary=\"%s\"\r\n"
                               "MIME-Version: 1.0\r\nSubject: ",
                               c->html ? "alternative" : "mixed", boundary);
    if (!rc && is_ascii(c->subject))
        rc = dq_buf_adds(m, c->subject);
    else if (!rc)
        rc = dq_buf_adds(m, "=?utf-8?b?") || action_base64(m, c->subject, 0) || dq_buf_adds(m, "?=")
                 ? DQ_ETOOBIG
                 : DQ_OK;
    if (!rc)
        rc = dq_buf_printf(m, "\r\nFrom: %s\r\n", dq_setting_str(a, "from_address", ""));
    if (!rc)
        rc = address_list(m, "To", dq_setting(a, "to_addresses"));
    if (!rc)
        rc = address_list(m, "Cc", dq_setting(a, "cc_addresses"));
    if (!rc)
        rc = dq_buf_printf(m, "Date: %s\r\nMessage-ID: %s\r\n\r\n", date, id);
    if (!rc)
        rc = mime_part(m, boundary, "plain", c->text);
    if (!rc && c->html)
        rc = mime_part(m, boundary, "html", c->html);
    return rc ? rc : dq_buf_printf(m, "--%s--\r\n", boundary);
}

static dq_code email_smtp(const dq_action_config *a, const action_view *v,
                          const dq_render_context *ctx, const email_content *c,
                          dq_request_list *out)
{
    bool ssl = dq_setting_bool(a, "use_ssl", false);
    char *url = dq_asprintf("%s://%s:%.0f", ssl ? "smtps" : "smtp",
                            dq_setting_str(a, "smtp_host", "localhost"),
                            dq_setting_num(a, "smtp_port", 587));
    dq_request *req;
    if (!url ||
        action_request(out, a, v->r, DQ_REQUEST_SMTP, DQ_PROVIDER_SMTP, url, "email", &req)) {
        free(url);
        return DQ_ENOMEM;
    }
    req->url = url;
    req->destination_label = dq_asprintf("smtp:%s", url + (ssl ? 8 : 7));
    req->mail_from = dq_strdup(dq_setting_str(a, "from_address", ""));
    req->use_tls = !ssl && dq_setting_bool(a, "use_tls", true);
    const char *user = dq_setting_str(a, "smtp_user", NULL);
    const char *password = dq_setting_str(a, "smtp_password", NULL);
    if (user && password) { /* truthound logs in only when both are set */
        req->username = dq_strdup(user);
        req->password = dq_strdup(password);
        if (!req->username || !req->password || action_add_secret(req, password))
            return DQ_ENOMEM;
    }
    const char *ca = dq_setting_str(a, "ca_file", NULL);
    if (ca && !(req->ca_file = dq_strdup(ca)))
        return DQ_ENOMEM;
    const char *lists[] = {"to_addresses", "cc_addresses"};
    for (int i = 0; i < 2; i++) {
        const cJSON *r;
        cJSON_ArrayForEach(r, dq_setting(a, lists[i]))
        {
            if (dq_strlist_add(&req->rcpt, r->valuestring))
                return DQ_ENOMEM;
        }
    }
    dq_buf m;
    dq_buf_init(&m, MAIL_MAX);
    dq_code rc = email_message(a, v, ctx, c, &m);
    if (rc) {
        dq_buf_free(&m);
        return rc;
    }
    req->body_len = m.len;
    req->body = dq_buf_steal(&m);
    return req->destination_label && req->mail_from && req->body ? DQ_OK : DQ_ENOMEM;
}

static void address_objects(cJSON *parent, const char *key, const cJSON *list, bool *ok)
{
    cJSON *arr = action_add_arr(parent, key, ok);
    const cJSON *c;
    cJSON_ArrayForEach(c, list)
    {
        action_add_str(action_push_obj(arr, ok), "email", c->valuestring, ok);
    }
}

static dq_code email_sendgrid(const dq_action_config *a, const action_view *v,
                              const email_content *c, dq_request_list *out)
{
    bool ok = true;
    cJSON *body = cJSON_CreateObject();
    cJSON *p = action_push_obj(action_add_arr(body, "personalizations", &ok), &ok);
    address_objects(p, "to", dq_setting(a, "to_addresses"), &ok);
    if (cJSON_GetArraySize(dq_setting(a, "cc_addresses")))
        address_objects(p, "cc", dq_setting(a, "cc_addresses"), &ok);
    action_add_str(action_add_obj(body, "from", &ok), "email",
                   dq_setting_str(a, "from_address", ""), &ok);
    action_add_str(body, "subject", c->subject, &ok);
    cJSON *content = action_add_arr(body, "content", &ok);
    cJSON *text = action_push_obj(content, &ok);
    action_add_str(text, "type", "text/plain", &ok);
    action_add_str(text, "value", c->text, &ok);
    if (c->html) {
        cJSON *html = action_push_obj(content, &ok);
        action_add_str(html, "type", "text/html", &ok);
        action_add_str(html, "value", c->html, &ok);
    }
    const char *key = dq_setting_str(a, "api_key", "");
    char *auth = dq_asprintf("Authorization: Bearer %s", key);
    const char *headers[] = {auth, "Content-Type: application/json", NULL};
    dq_request *req = NULL;
    dq_code rc = ok && auth
                     ? action_http_json(out, a, v->r, DQ_PROVIDER_SENDGRID, "email", "POST",
                                        dq_setting_str(a, "api_endpoint",
                                                       "https://api.sendgrid.com/v3/mail/send"),
                                        body, headers, &req)
                     : DQ_ENOMEM;
    if (!rc)
        rc = action_add_secret(req, key);
    free(auth);
    cJSON_Delete(body);
    return rc;
}

static cJSON *ses_content(const char *text, bool *ok)
{
    cJSON *c = cJSON_CreateObject();
    if (!c)
        *ok = false;
    action_add_str(c, "Data", text, ok);
    action_add_str(c, "Charset", "UTF-8", ok);
    return c;
}

static void ses_put(cJSON *parent, const char *key, cJSON *item, bool *ok)
{
    if (!item || !parent || !cJSON_AddItemToObject(parent, key, item)) {
        cJSON_Delete(item);
        *ok = false;
    }
}

static void ses_addresses(cJSON *dest, const char *key, const cJSON *list, bool *ok)
{
    cJSON *arr = action_add_arr(dest, key, ok);
    const cJSON *c;
    cJSON_ArrayForEach(c, list)
    {
        action_push_str(arr, c->valuestring, ok);
    }
}

/* Amazon SES v2 SendEmail (the HTTP API), signed with SigV4 by libcurl. */
static dq_code email_ses(const dq_action_config *a, const action_view *v,
                         const dq_render_context *ctx, const email_content *c, dq_request_list *out,
                         dq_error *err)
{
    const char *region = dq_setting_str(a, "aws_region", ctx->aws_region);
    const char *key = dq_setting_str(a, "aws_access_key_id", ctx->aws_access_key_id);
    const char *secret = dq_setting_str(a, "aws_secret_access_key", ctx->aws_secret_access_key);
    if (!region || !key || !secret)
        return dq_fail(err, DQ_ECONFIG,
                       "provider ses needs aws_region, aws_access_key_id and "
                       "aws_secret_access_key (or AWS_* in the environment)");
    bool ok = true;
    cJSON *body = cJSON_CreateObject();
    action_add_str(body, "FromEmailAddress", dq_setting_str(a, "from_address", ""), &ok);
    cJSON *dest = action_add_obj(body, "Destination", &ok);
    ses_addresses(dest, "ToAddresses", dq_setting(a, "to_addresses"), &ok);
    if (cJSON_GetArraySize(dq_setting(a, "cc_addresses")))
        ses_addresses(dest, "CcAddresses", dq_setting(a, "cc_addresses"), &ok);
    cJSON *simple = action_add_obj(action_add_obj(body, "Content", &ok), "Simple", &ok);
    ses_put(simple, "Subject", ses_content(c->subject, &ok), &ok);
    cJSON *parts = action_add_obj(simple, "Body", &ok);
    ses_put(parts, "Text", ses_content(c->text, &ok), &ok);
    if (c->html)
        ses_put(parts, "Html", ses_content(c->html, &ok), &ok);
    char *url =
        dq_setting_str(a, "api_endpoint", NULL)
            ? dq_strdup(dq_setting_str(a, "api_endpoint", NULL))
            : dq_asprintf("https://email.%s.amazonaws.com/v2/email/outbound-emails", region);
    char *sigv4 = dq_asprintf("aws:amz:%s:ses", region);
    char *token = ctx->aws_session_token
                      ? dq_asprintf("X-Amz-Security-Token: %s", ctx->aws_session_token)
                      : NULL;
    const char *headers[] = {"Content-Type: application/json", token, NULL};
    dq_request *req = NULL;
    dq_code rc = ok && url && sigv4 && (token || !ctx->aws_session_token)
                     ? action_http_json(out, a, v->r, DQ_PROVIDER_SES, "email", "POST", url, body,
                                        headers, &req)
                     : DQ_ENOMEM;
    if (!rc) {
        req->aws_sigv4 = sigv4;
        sigv4 = NULL;
        req->username = dq_strdup(key);
        req->password = dq_strdup(secret);
        /* SES limits per account and region. */
        rc = req->username && req->password ? action_set_destination(req, "ses:%s:%s", region, key)
                                            : DQ_ENOMEM;
        if (!rc)
            rc = action_add_secret(req, secret);
        if (!rc && ctx->aws_session_token)
            rc = action_add_secret(req, ctx->aws_session_token);
    }
    free(url);
    free(sigv4);
    free(token);
    cJSON_Delete(body);
    return rc;
}

dq_code render_email(const dq_action_config *a, const action_view *v, const dq_render_context *ctx,
                     dq_request_list *out, dq_error *err)
{
    email_content c = {email_subject(a, v, err), email_text(v), NULL};
    if (!c.subject) {
        free(c.text);
        return err->code ? err->code : DQ_ENOMEM;
    }
    bool html = dq_setting_bool(a, "include_html", true);
    if (html)
        c.html = email_html(v);
    const char *provider = dq_setting_str(a, "provider", "smtp");
    dq_code rc = !c.text || (html && !c.html)        ? DQ_ENOMEM
                 : strcmp(provider, "sendgrid") == 0 ? email_sendgrid(a, v, &c, out)
                 : strcmp(provider, "ses") == 0      ? email_ses(a, v, ctx, &c, out, err)
                                                     : email_smtp(a, v, ctx, &c, out);
    free(c.subject);
    free(c.text);
    free(c.html);
    return rc;
}
