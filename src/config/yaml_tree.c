/* YAML (and JSON) into a cJSON tree that remembers the line of every node, so that a
 * configuration error can name its line. libyaml's event API gives the marks. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "config_internal.h"

/* A config is small: these bounds only stop hostile input (alias bombs, deep nesting). */
#define TREE_MAX_NODES 200000
#define TREE_MAX_DEPTH 64
#define TREE_MAX_ANCHORS 1024

typedef struct tree_anchor {
    char *name;
    const cJSON *node;
} tree_anchor;

typedef struct tree_parser {
    const char *name;
    yaml_parser_t yaml;
    config_tree *tree;
    tree_anchor anchors[TREE_MAX_ANCHORS];
    size_t anchor_count;
    size_t nodes;
    dq_error *err;
} tree_parser;

static dq_code tree_note_line(config_tree *tree, const cJSON *node, int line)
{
    config_line *grown =
        dq_array_grow(tree->lines, tree->line_count, &tree->line_cap, sizeof *grown, 64);
    if (!grown)
        return DQ_ENOMEM;
    tree->lines = grown;
    tree->lines[tree->line_count].node = node;
    tree->lines[tree->line_count].line = line;
    tree->line_count++;
    return DQ_OK;
}

int config_tree_line(const config_tree *tree, const cJSON *node)
{
    for (size_t i = 0; i < tree->line_count; i++)
        if (tree->lines[i].node == node)
            return tree->lines[i].line;
    return 0;
}

static bool scalar_is(const char *s, const char *const *words)
{
    for (size_t i = 0; words[i]; i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    return false;
}

/* YAML 1.1 integers and floats as PyYAML's resolver reads them (decimal, with optional
 * sign and underscores dropped; hex/octal/sexagesimal forms are left as strings). */
static bool scalar_number(const char *s, double *out)
{
    static const char *const inf[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL};
    static const char *const ninf[] = {"-.inf", "-.Inf", "-.INF", NULL};
    static const char *const nan_words[] = {".nan", ".NaN", ".NAN", NULL};
    if (scalar_is(s, inf)) {
        *out = INFINITY;
        return true;
    }
    if (scalar_is(s, ninf)) {
        *out = -INFINITY;
        return true;
    }
    if (scalar_is(s, nan_words)) {
        *out = NAN;
        return true;
    }
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    bool digits = false;
    for (const char *q = p; *q; q++) {
        if ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' || *q == '+' ||
            *q == '-')
            digits = digits || (*q >= '0' && *q <= '9');
        else
            return false;
    }
    if (!digits)
        return false;
    /* A leading zero followed by digits is octal in YAML 1.1: keep it a string. */
    if (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
        return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (!end || *end != '\0' || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

/* The value a plain (unquoted) scalar stands for. */
static cJSON *scalar_plain(const char *s)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", "yes", "Yes",
                                        "YES",  "on",   "On",   "ON",  NULL};
    static const char *const falses[] = {"false", "False", "FALSE", "no",  "No",
                                         "NO",    "off",   "Off",   "OFF", NULL};
    double v;
    if (scalar_is(s, nulls))
        return cJSON_CreateNull();
    if (scalar_is(s, trues))
        return cJSON_CreateTrue();
    if (scalar_is(s, falses))
        return cJSON_CreateFalse();
    if (scalar_number(s, &v))
        return cJSON_CreateNumber(v);
    return cJSON_CreateString(s);
}

static dq_code tree_fail(tree_parser *p, int line, const char *what)
{
    return dq_fail(p->err, DQ_ECONFIG, "%s:%d: %s", p->name, line, what);
}

static dq_code tree_next(tree_parser *p, yaml_event_t *ev)
{
    if (yaml_parser_parse(&p->yaml, ev))
        return DQ_OK;
    return dq_fail(p->err, DQ_ECONFIG, "%s:%lu: YAML error: %s %s", p->name,
                   (unsigned long)p->yaml.problem_mark.line + 1,
                   p->yaml.problem ? p->yaml.problem : "unreadable",
                   p->yaml.context ? p->yaml.context : "");
}

static dq_code tree_anchor_add(tree_parser *p, const unsigned char *anchor, const cJSON *node,
                               int line)
{
    if (!anchor)
        return DQ_OK;
    if (p->anchor_count == TREE_MAX_ANCHORS)
        return tree_fail(p, line, "too many anchors");
    char *name = dq_strdup((const char *)anchor);
    if (!name)
        return dq_fail(p->err, DQ_ENOMEM, "%s: out of memory", p->name);
    p->anchors[p->anchor_count].name = name;
    p->anchors[p->anchor_count].node = node;
    p->anchor_count++;
    return DQ_OK;
}

static dq_code tree_node(tree_parser *p, yaml_event_t *ev, int depth, cJSON **out);

/* Reads the members or items of a collection whose start event was just read. */
static dq_code tree_collection(tree_parser *p, cJSON *coll, bool mapping, int depth)
{
    for (;;) {
        yaml_event_t ev;
        dq_code rc = tree_next(p, &ev);
        if (rc)
            return rc;
        if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return DQ_OK;
        }
        int line = (int)ev.start_mark.line + 1;
        char *key = NULL;
        if (mapping) {
            if (ev.type != YAML_SCALAR_EVENT) {
                yaml_event_delete(&ev);
                return tree_fail(p, line, "a mapping key must be a plain string");
            }
            key = dq_strdup((const char *)ev.data.scalar.value);
            yaml_event_delete(&ev);
            if (!key)
                return dq_fail(p->err, DQ_ENOMEM, "%s: out of memory", p->name);
            if (cJSON_GetObjectItemCaseSensitive(coll, key)) {
                free(key);
                return tree_fail(p, line, "duplicate key");
            }
            rc = tree_next(p, &ev);
            if (rc) {
                free(key);
                return rc;
            }
        }
        cJSON *child = NULL;
        rc = tree_node(p, &ev, depth + 1, &child);
        yaml_event_delete(&ev);
        if (rc) {
            free(key);
            return rc;
        }
        if (mapping)
            cJSON_AddItemToObject(coll, key, child);
        else
            cJSON_AddItemToArray(coll, child);
        free(key);
        if (tree_note_line(p->tree, child, line))
            return dq_fail(p->err, DQ_ENOMEM, "%s: out of memory", p->name);
    }
}

static dq_code tree_alias(tree_parser *p, yaml_event_t *ev, cJSON **out)
{
    int line = (int)ev->start_mark.line + 1;
    for (size_t i = p->anchor_count; i-- > 0;) {
        if (strcmp(p->anchors[i].name, (const char *)ev->data.alias.anchor) != 0)
            continue;
        *out = cJSON_Duplicate(p->anchors[i].node, true);
        if (!*out)
            return dq_fail(p->err, DQ_ENOMEM, "%s: out of memory", p->name);
        /* An alias counts as many nodes as it copies, so alias bombs hit the bound. */
        p->nodes += (size_t)cJSON_GetArraySize(*out) + 1;
        if (p->nodes > TREE_MAX_NODES)
            return tree_fail(p, line, "too many nodes (alias expansion)");
        return DQ_OK;
    }
    return tree_fail(p, line, "unknown alias");
}

static dq_code tree_node(tree_parser *p, yaml_event_t *ev, int depth, cJSON **out)
{
    int line = (int)ev->start_mark.line + 1;
    *out = NULL;
    if (depth > TREE_MAX_DEPTH)
        return tree_fail(p, line, "nested too deeply");
    if (++p->nodes > TREE_MAX_NODES)
        return tree_fail(p, line, "too many nodes");
    const unsigned char *anchor = NULL;
    dq_code rc = DQ_OK;
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        return tree_alias(p, ev, out);
    case YAML_SCALAR_EVENT:
        anchor = ev->data.scalar.anchor;
        if (ev->data.scalar.plain_implicit && !ev->data.scalar.tag)
            *out = scalar_plain((const char *)ev->data.scalar.value);
        else
            *out = cJSON_CreateString((const char *)ev->data.scalar.value);
        break;
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT: {
        bool mapping = ev->type == YAML_MAPPING_START_EVENT;
        anchor = mapping ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
        *out = mapping ? cJSON_CreateObject() : cJSON_CreateArray();
        if (*out)
            rc = tree_collection(p, *out, mapping, depth);
        break;
    }
    default:
        return tree_fail(p, line, "unexpected YAML event");
    }
    if (!*out)
        return dq_fail(p->err, DQ_ENOMEM, "%s: out of memory", p->name);
    if (!rc)
        rc = tree_anchor_add(p, anchor, *out, line);
    if (rc) {
        cJSON_Delete(*out);
        *out = NULL;
    }
    return rc;
}

/* Skips to the first node of the first document; an empty file is an empty mapping. */
static dq_code tree_document(tree_parser *p, cJSON **root)
{
    yaml_event_t ev;
    *root = NULL;
    for (;;) {
        dq_code rc = tree_next(p, &ev);
        if (rc)
            return rc;
        if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            *root = cJSON_CreateObject();
            return *root ? DQ_OK : dq_fail(p->err, DQ_ENOMEM, "%s: out of memory", p->name);
        }
        rc = tree_node(p, &ev, 0, root);
        yaml_event_delete(&ev);
        return rc;
    }
}

dq_code config_tree_parse(const char *name, const char *text, size_t len, config_tree *out,
                          dq_error *err)
{
    memset(out, 0, sizeof *out);
    tree_parser *p = calloc(1, sizeof *p);
    if (!p)
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory", name);
    p->name = name;
    p->tree = out;
    p->err = err;
    if (!yaml_parser_initialize(&p->yaml)) {
        free(p);
        return dq_fail(err, DQ_ENOMEM, "%s: cannot start the YAML parser", name);
    }
    yaml_parser_set_input_string(&p->yaml, (const unsigned char *)text, len);
    cJSON *root = NULL;
    dq_code rc = tree_document(p, &root);
    yaml_parser_delete(&p->yaml);
    for (size_t i = 0; i < p->anchor_count; i++)
        free(p->anchors[i].name);
    free(p);
    if (rc) {
        config_tree_free(out);
        return rc;
    }
    out->root = root;
    return DQ_OK;
}

void config_tree_free(config_tree *tree)
{
    cJSON_Delete(tree->root);
    free(tree->lines);
    memset(tree, 0, sizeof *tree);
}
