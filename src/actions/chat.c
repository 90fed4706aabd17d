/* Slack, Discord and Telegram: chat messages built from the same facts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions_internal.h"

static const char *const json_headers[] = {"Content-Type: application/json", NULL};

/* custom_message with its str.format fields, into a new string. */
static char *custom_text(const char *tmpl, const action_view *v, dq_error *err)
{
    return action_format(tmpl, action_view_field, v, 1 << 20, err);
}

static bool is_failure_or_error(const action_view *v)
{
    return strcmp(v->status, "failure") == 0 || strcmp(v->status, "error") == 0;
}

/* Joins a list setting as "<prefix>id> " per item (Slack: "<@U1> <@U2> "). */
static dq_code mentions(const cJSON *ids, const char *prefix, const char *sep, dq_buf *out)
{
    const cJSON *c;
    bool first = true;
    cJSON_ArrayForEach(c, ids)
    {
        if (!cJSON_IsString(c))
            continue;
        if ((!first && dq_buf_adds(out, sep)) ||
            dq_buf_printf(out, "<%s%s>", prefix, c->valuestring))
            return DQ_ETOOBIG;
        first = false;
    }
    return DQ_OK;
}

/* ---- Slack (spec 3.1) ---------------------------------------------------------------- */

static char *slack_headline(const dq_action_config *a, const action_view *v, dq_error *err)
{
    if (v->digest_text)
        return dq_strdup(v->digest_text);
    const char *custom = dq_setting_str(a, "custom_message", NULL);
    if (custom)
        return custom_text(custom, v, err);
    dq_buf b;
    dq_buf_init(&b, 1 << 20);
    if (is_failure_or_error(v)) {
        const cJSON *ids = dq_setting(a, "mention_on_failure");
        const cJSON *c;
        cJSON_ArrayForEach(c, ids)
        {
            dq_buf_printf(&b, "<@%s> ", c->valuestring);
        }
    }
    if (dq_buf_printf(&b, "%s *Checkpoint '%s'* completed with status *%s*",
                      action_status_emoji(v->status, ":question:"), v->checkpoint,
                      v->status_upper)) {
        dq_buf_free(&b);
        dq_fail(err, DQ_ETOOBIG, "message too long");
        return NULL;
    }
    return dq_buf_steal(&b);
}

static void slack_field(cJSON *fields, const char *title, const char *value, bool *ok)
{
    cJSON *f = action_push_obj(fields, ok);
    char *text = dq_asprintf("*%s:*\n%s", title, value);
    action_add_str(f, "type", "mrkdwn", ok);
    action_add_str(f, "text", text, ok);
    *ok = *ok && text;
    free(text);
}

static void slack_context(cJSON *blocks, const char *text, bool *ok)
{
    cJSON *ctx = action_push_obj(blocks, ok);
    action_add_str(ctx, "type", "context", ok);
    cJSON *el = action_push_obj(action_add_arr(ctx, "elements", ok), ok);
    action_add_str(el, "type", "mrkdwn", ok);
    action_add_str(el, "text", text, ok);
}

static void slack_blocks(cJSON *blocks, const dq_action_config *a, const action_view *v,
                         const char *headline, bool *ok)
{
    cJSON *head = action_push_obj(blocks, ok);
    action_add_str(head, "type", "section", ok);
    cJSON *text = action_add_obj(head, "text", ok);
    action_add_str(text, "type", "mrkdwn", ok);
    action_add_str(text, "text", headline, ok);
    if (dq_setting_bool(a, "include_details", true) && v->has_stats) {
        cJSON *section = action_push_obj(blocks, ok);
        action_add_str(section, "type", "section", ok);
        cJSON *fields = action_add_arr(section, "fields", ok);
        slack_field(fields, "Data Asset", v->asset, ok);
        slack_field(fields, "Run ID", v->run_id, ok);
        slack_field(fields, "Total Issues", v->numbers[0], ok);
        slack_field(fields, "Pass Rate", v->pass_percent, ok);
        if (v->total > 0) {
            char line[256];
            snprintf(line, sizeof line,
                     ":red_circle: Critical: %lld | :large_orange_circle: High: %lld | "
                     ":large_yellow_circle: Medium: %lld | :large_blue_circle: Low: %lld",
                     v->critical, v->high, v->medium, v->low);
            slack_context(blocks, line, ok);
        }
    }
    char when[64];
    snprintf(when, sizeof when, "Run Time: %s", v->run_time);
    slack_context(blocks, when, ok);
}

dq_code render_slack(const dq_action_config *a, const action_view *v, const dq_render_context *ctx,
                     dq_request_list *out, dq_error *err)
{
    (void)ctx;
    char *headline = slack_headline(a, v, err);
    if (!headline)
        return err->code ? err->code : DQ_ENOMEM;
    bool ok = true;
    cJSON *body = cJSON_CreateObject();
    action_add_str(body, "username", dq_setting_str(a, "username", "Truthound"), &ok);
    action_add_str(body, "icon_emoji", dq_setting_str(a, "icon_emoji", ":mag:"), &ok);
    cJSON *att = action_push_obj(action_add_arr(body, "attachments", &ok), &ok);
    action_add_str(att, "color", action_status_color(v->status), &ok);
    slack_blocks(action_add_arr(att, "blocks", &ok), a, v, headline, &ok);
    const char *channel = dq_setting_str(a, "channel", NULL);
    if (channel)
        action_add_str(body, "channel", channel, &ok);
    free(headline);
    const char *url = dq_setting_str(a, "webhook_url", "");
    dq_request *req = NULL;
    dq_code rc = ok ? action_http_json(out, a, v->r, DQ_PROVIDER_SLACK, "notify", "POST", url, body,
                                       json_headers, &req)
                    : DQ_ENOMEM;
    if (!rc)
        rc = action_add_secret(req, url) ? DQ_ENOMEM : action_add_url_secrets(req, url);
    cJSON_Delete(body);
    return rc;
}

/* ---- Discord (spec 3.4) ------------------------------------------------------------ */

static char *discord_description(const dq_action_config *a, const action_view *v, dq_error *err)
{
    const char *custom = dq_setting_str(a, "custom_message", NULL);
    if (custom)
        return custom_text(custom, v, err);
    if (strcmp(v->status, "success") == 0)
        return dq_strdup("Checkpoint validation completed successfully.");
    if (strcmp(v->status, "failure") == 0)
        return v->has_stats
                   ? dq_asprintf("Checkpoint validation failed with %lld issue(s).", v->total)
                   : dq_strdup("Checkpoint validation failed with unknown issue(s).");
    if (strcmp(v->status, "error") == 0)
        return dq_strdup("Checkpoint validation encountered an error.");
    return dq_asprintf("Checkpoint validation completed with status: %s", v->status);
}

static void discord_field(cJSON *fields, const char *name, const char *value, bool inline_,
                          bool *ok)
{
    cJSON *f = action_push_obj(fields, ok);
    action_add_str(f, "name", name, ok);
    action_add_str(f, "value", value, ok);
    action_add_bool(f, "inline", inline_, ok);
}

static void discord_fields(cJSON *embed, const dq_action_config *a, const action_view *v, bool *ok)
{
    if (!dq_setting_bool(a, "include_details", true))
        return;
    cJSON *fields = action_add_arr(embed, "fields", ok);
    char run_id[512];
    snprintf(run_id, sizeof run_id, "`%s`", v->run_id);
    discord_field(fields, "Status", v->status_upper, true, ok);
    discord_field(fields, "Data Asset", *v->asset ? v->asset : "N/A", true, ok);
    discord_field(fields, "Run ID", run_id, true, ok);
    if (v->has_stats) {
        discord_field(fields, "Total Issues", v->numbers[0], true, ok);
        discord_field(fields, "Pass Rate", v->pass_percent, true, ok);
        if (v->total > 0) {
            /* truthound's empty emoji leaves a space before each line: not copied. */
            char lines[200];
            snprintf(lines, sizeof lines, "Critical: %lld\nHigh: %lld\nMedium: %lld\nLow: %lld",
                     v->critical, v->high, v->medium, v->low);
            discord_field(fields, "Issues by Severity", lines, false, ok);
        }
    }
    discord_field(fields, "Run Time", v->run_time, true, ok);
}

static double discord_color(const dq_action_config *a, const action_view *v)
{
    if (is_failure_or_error(v))
        return dq_setting_num(a, "embed_color_failure", 0xDC3545);
    if (strcmp(v->status, "warning") == 0)
        return dq_setting_num(a, "embed_color_warning", 0xFFC107);
    return dq_setting_num(a, "embed_color_success", 0x28A745);
}

dq_code render_discord(const dq_action_config *a, const action_view *v,
                       const dq_render_context *ctx, dq_request_list *out, dq_error *err)
{
    char *description = discord_description(a, v, err);
    if (!description)
        return err->code ? err->code : DQ_ENOMEM;
    bool ok = true;
    cJSON *body = cJSON_CreateObject();
    action_add_str(body, "username", dq_setting_str(a, "username", "Truthound"), &ok);
    cJSON *embed = action_push_obj(action_add_arr(body, "embeds", &ok), &ok);
    char title[512], now[40];
    snprintf(title, sizeof title, "Checkpoint: %s", v->checkpoint);
    dq_time_format_iso(ctx->now_utc, now, sizeof now);
    action_add_str(embed, "title", title, &ok);
    action_add_str(embed, "description", description, &ok);
    action_add_num(embed, "color", discord_color(a, v), &ok);
    action_add_str(embed, "timestamp", now, &ok);
    action_add_str(action_add_obj(embed, "footer", &ok), "text", "Truthound Data Quality", &ok);
    discord_fields(embed, a, v, &ok);
    free(description);
    dq_buf content;
    dq_buf_init(&content, 1 << 16);
    if (is_failure_or_error(v)) {
        mentions(dq_setting(a, "mention_role_ids"), "@&", " ", &content);
        if (content.len && cJSON_GetArraySize(dq_setting(a, "mention_user_ids")))
            dq_buf_addc(&content, ' ');
        mentions(dq_setting(a, "mention_user_ids"), "@", " ", &content);
    }
    if (content.len)
        action_add_str(body, "content", dq_buf_str(&content), &ok);
    dq_buf_free(&content);
    if (dq_setting_str(a, "avatar_url", NULL))
        action_add_str(body, "avatar_url", dq_setting_str(a, "avatar_url", NULL), &ok);
    if (dq_setting_str(a, "thread_name", NULL))
        action_add_str(body, "thread_name", dq_setting_str(a, "thread_name", NULL), &ok);
    const char *url = dq_setting_str(a, "webhook_url", "");
    dq_request *req = NULL;
    dq_code rc = ok ? action_http_json(out, a, v->r, DQ_PROVIDER_DISCORD, "notify", "POST", url,
                                       body, json_headers, &req)
                    : DQ_ENOMEM;
    if (!rc)
        rc = action_add_secret(req, url) ? DQ_ENOMEM : action_add_url_secrets(req, url);
    cJSON_Delete(body);
    return rc;
}

/* ---- Telegram (spec 3.5) ------------------------------------------------------------ */

typedef struct telegram_style {
    const char *bold_open, *bold_close, *italic_open, *italic_close, *code_open, *code_close;
    const char *indent;
} telegram_style;

static const telegram_style telegram_html = {"<b>",    "</b>",    "<i>", "</i>",
                                             "<code>", "</code>", "  "};
static const telegram_style telegram_markdown = {"*", "*", "_", "_", "`", "`", "   "};
static const telegram_style telegram_plain = {"", "", "", "", "", "", "  "};

/* HTML escapes & < >; MarkdownV2 escapes its reserved set; others stay. */
static dq_code telegram_escape(const char *mode, const char *s, dq_buf *out)
{
    for (const char *p = s; *p; p++) {
        dq_code rc = DQ_OK;
        if (strcmp(mode, "HTML") == 0 && (*p == '&' || *p == '<' || *p == '>'))
            rc = dq_buf_adds(out, *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : "&gt;");
        else if (strcmp(mode, "MarkdownV2") == 0 && strchr("_*[]()~`>#+-=|{}.!\\", *p))
            rc = dq_buf_printf(out, "\\%c", *p);
        else
            rc = dq_buf_addc(out, *p);
        if (rc)
            return rc;
    }
    return DQ_OK;
}

static dq_code telegram_text(const dq_action_config *a, const action_view *v, const char *mode,
                             dq_buf *b)
{
    const telegram_style *s = strcmp(mode, "HTML") == 0 ? &telegram_html
                              : *mode                   ? &telegram_markdown
                                                        : &telegram_plain;
    dq_code rc = dq_buf_printf(b, " %sCheckpoint: ", s->bold_open);
    rc = rc ? rc : telegram_escape(mode, v->checkpoint, b);
    rc = rc ? rc
            : dq_buf_printf(b, "%s\n\n%sStatus:%s %s", s->bold_close, s->bold_open, s->bold_close,
                            v->status_upper);
    if (rc || !dq_setting_bool(a, "include_details", true))
        return rc;
    rc = dq_buf_printf(b, "\n%sData Asset:%s ", s->bold_open, s->bold_close);
    rc = rc ? rc : telegram_escape(mode, *v->asset ? v->asset : "N/A", b);
    rc = rc ? rc
            : dq_buf_printf(b, "\n%sRun ID:%s %s%s%s", s->bold_open, s->bold_close, s->code_open,
                            v->run_id, s->code_close);
    if (!rc && v->has_stats)
        rc = dq_buf_printf(b, "\n%sTotal Issues:%s %lld\n%sPass Rate:%s %s", s->bold_open,
                           s->bold_close, v->total, s->bold_open, s->bold_close, v->pass_percent);
    if (!rc && v->has_stats && v->total > 0)
        rc = dq_buf_printf(b,
                           "\n\n%sIssues by Severity:%s\n%sCritical: %lld\n%sHigh: %lld\n"
                           "%sMedium: %lld\n%sLow: %lld",
                           s->bold_open, s->bold_close, s->indent, v->critical, s->indent, v->high,
                           s->indent, v->medium, s->indent, v->low);
    return rc ? rc
              : dq_buf_printf(b, "\n\n%sRun Time: %s%s", s->italic_open, v->run_time,
                              s->italic_close);
}

dq_code render_telegram(const dq_action_config *a, const action_view *v,
                        const dq_render_context *ctx, dq_request_list *out, dq_error *err)
{
    (void)ctx;
    const char *mode = dq_setting_str(a, "parse_mode", "HTML");
    const char *custom =
        dq_setting_str(a, "custom_message", dq_setting_str(a, "message_template", NULL));
    dq_buf text;
    dq_buf_init(&text, 1 << 20);
    dq_code rc = v->digest_text ? telegram_escape(mode, v->digest_text, &text)
                 : custom       ? dq_format_named(custom, action_view_field, (void *)v, &text, err)
                                : telegram_text(a, v, mode, &text);
    if (rc) {
        dq_buf_free(&text);
        return err->code ? err->code : rc;
    }
    bool ok = true;
    const char *chat = dq_setting_str(a, "chat_id", "");
    cJSON *body = cJSON_CreateObject();
    action_add_str(body, "chat_id", chat, &ok);
    action_add_str(body, "text", dq_buf_str(&text), &ok);
    dq_buf_free(&text);
    action_add_str(body, "parse_mode", mode, &ok);
    action_add_bool(body, "disable_notification", dq_setting_bool(a, "disable_notification", false),
                    &ok);
    action_add_bool(body, "disable_web_page_preview",
                    dq_setting_bool(a, "disable_web_page_preview", true), &ok);
    if (dq_setting_num(a, "reply_to_message_id", 0))
        action_add_num(body, "reply_to_message_id", dq_setting_num(a, "reply_to_message_id", 0),
                       &ok);
    if (dq_setting_num(a, "message_thread_id", 0))
        action_add_num(body, "message_thread_id", dq_setting_num(a, "message_thread_id", 0), &ok);
    const char *token = dq_setting_str(a, "bot_token", "");
    char *url = dq_asprintf("%s/bot%s/sendMessage",
                            dq_setting_str(a, "api_base_url", "https://api.telegram.org"), token);
    dq_request *req = NULL;
    rc = ok && url ? action_http_json(out, a, v->r, DQ_PROVIDER_TELEGRAM, "notify", "POST", url,
                                      body, json_headers, &req)
                   : DQ_ENOMEM;
    /* Telegram limits per chat: the destination is the bot and the chat. */
    if (!rc)
        rc = action_set_destination(req, "%s#%s", token, chat);
    if (!rc)
        rc = action_add_secret(req, token);
    free(url);
    cJSON_Delete(body);
    return rc;
}
