/* custom (spec 3.10): a shell command run by /bin/sh -c with the result JSON on stdin and
 * the TRUTHOUND_* variables in its environment. Values from the result only ever travel
 * in the environment and on stdin, never in the command line, so a result holding $(...),
 * backquotes or ';' runs nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions_internal.h"

static dq_code env_add(dq_request *req, const char *name, const char *value)
{
    char *pair = dq_asprintf("%s=%s", name, value);
    dq_code rc = pair ? dq_strlist_add(&req->env, pair) : DQ_ENOMEM;
    free(pair);
    return rc;
}

static dq_code custom_env(dq_request *req, const dq_action_config *a, const action_view *v)
{
    const cJSON *c;
    dq_code rc = DQ_OK;
    cJSON_ArrayForEach(c, dq_setting(a, "environment"))
    {
        if (!rc)
            rc = env_add(req, c->string, c->valuestring);
    }
    char rate[48];
    dq_py_float_repr(v->pass_rate, rate, sizeof rate);
    const char *names[] = {"TRUTHOUND_STATUS",       "TRUTHOUND_RUN_ID",
                           "TRUTHOUND_CHECKPOINT",   "TRUTHOUND_DATA_ASSET",
                           "TRUTHOUND_TOTAL_ISSUES", "TRUTHOUND_CRITICAL_ISSUES",
                           "TRUTHOUND_HIGH_ISSUES",  "TRUTHOUND_PASS_RATE"};
    const char *values[] = {
        v->status,     v->run_id,     v->checkpoint, v->r->data_asset ? v->asset : "None",
        v->numbers[0], v->numbers[1], v->numbers[2], rate};
    for (size_t i = 0; !rc && i < sizeof names / sizeof *names; i++)
        rc = env_add(req, names[i], values[i]);
    return rc;
}

dq_code render_custom(const dq_action_config *a, const action_view *v, const dq_render_context *ctx,
                      dq_request_list *out, dq_error *err)
{
    (void)ctx, (void)err;
    const char *command = dq_setting_str(a, "shell_command", "");
    dq_request *req;
    if (action_request(out, a, v->r, DQ_REQUEST_EXEC, DQ_PROVIDER_EXEC, a->name, "exec", &req))
        return DQ_ENOMEM;
    req->url = dq_strdup(command);
    req->destination_label = dq_asprintf("exec:%s", a->name);
    if (!req->url || !req->destination_label)
        return DQ_ENOMEM;
    const char *dir = dq_setting_str(a, "working_directory", NULL);
    if (dir && !(req->working_directory = dq_strdup(dir)))
        return DQ_ENOMEM;
    if (dq_setting_bool(a, "pass_result_as_json", true)) {
        cJSON *doc = action_result_dict(v->r);
        dq_buf b;
        dq_buf_init(&b, (size_t)256 << 20);
        dq_code rc = doc ? dq_py_json(doc, &b) : DQ_ENOMEM;
        cJSON_Delete(doc);
        if (rc) {
            dq_buf_free(&b);
            return rc;
        }
        req->body_len = b.len;
        req->body = dq_buf_steal(&b);
    }
    return custom_env(req, a, v);
}
