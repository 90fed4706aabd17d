/* YAML into the cJSON tree JSON gives, as PyYAML's safe_load composes it: libyaml's event
 * parser, anchors and aliases resolved by copying, bounded in nesting and in the nodes
 * aliases may create (a "billion laughs" file is an error, never an out-of-memory). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yaml_internal.h"

typedef struct yaml_anchor {
    char *name;
    const cJSON *node; /* borrowed: it lives in the tree being built */
    size_t nodes;      /* nodes in its subtree, so a copy is charged before it is made */
    int height;        /* containers on its deepest path (0 for a scalar) */
} yaml_anchor;

typedef struct yaml_frame {
    cJSON *node;       /* the array or object being filled, not yet in its parent */
    char *key;         /* a mapping's key waiting for its value (cJSON's allocator) */
    char *anchor;      /* registered once the container is complete */
    size_t first_node; /* node count before this container */
    int height;
    size_t anchor_mark; /* anchors defined before this container */
    bool key_merges;    /* the pending key is a plain "<<" */
    cJSON *merges;      /* values of this mapping's "<<" keys, merged when it ends */
} yaml_frame;

typedef struct yaml_builder {
    const char *name;
    dq_error *err;
    size_t max_nodes;
    size_t nodes;
    yaml_frame *frames; /* DQ_DECODE_NESTING_LIMIT of them */
    int depth;
    yaml_anchor *anchors;
    size_t anchor_len;
    size_t anchor_cap;
    dq_map anchor_index; /* name -> position in anchors */
    cJSON *root;
    cJSON *graveyard; /* nodes merge keys replaced, kept while anchors may point there */
    int documents;
} yaml_builder;

/* ---- anchors ------------------------------------------------------------------------ */

static const yaml_anchor *yaml_anchor_find(const yaml_builder *b, const char *name)
{
    size_t at;
    return dq_map_get(&b->anchor_index, name, &at) ? &b->anchors[at] : NULL;
}

/* Takes ownership of name. PyYAML refuses an anchor defined twice; so does this. */
static dq_code yaml_anchor_add(yaml_builder *b, char *name, const cJSON *node, size_t nodes,
                               int height)
{
    if (yaml_anchor_find(b, name)) {
        dq_fail(b->err, DQ_EFORMAT, "%s: YAML anchor &%s defined twice", b->name, name);
        free(name);
        return DQ_EFORMAT;
    }
    yaml_anchor *anchors =
        dq_array_grow(b->anchors, b->anchor_len, &b->anchor_cap, sizeof *anchors, 16);
    if (!anchors) {
        free(name);
        return dq_fail(b->err, DQ_ENOMEM, "%s: out of memory", b->name);
    }
    b->anchors = anchors;
    /* The map borrows name, which the anchor owns from here on. */
    if (dq_map_put(&b->anchor_index, name, b->anchor_len)) {
        free(name);
        return dq_fail(b->err, DQ_ENOMEM, "%s: out of memory", b->name);
    }
    b->anchors[b->anchor_len++] = (yaml_anchor){name, node, nodes, height};
    return DQ_OK;
}

static dq_code yaml_anchor_copy(yaml_builder *b, const yaml_char_t *anchor, char **out)
{
    *out = NULL;
    if (!anchor)
        return DQ_OK;
    *out = dq_strdup((const char *)anchor);
    return *out ? DQ_OK : dq_fail(b->err, DQ_ENOMEM, "%s: out of memory", b->name);
}

/* ---- building ----------------------------------------------------------------------- */

/* A complete node on its way into its parent. */
typedef struct yaml_placed {
    int height;    /* containers on its deepest path */
    size_t nodes;  /* nodes in it */
    bool anchored; /* an anchor points at it or into it */
} yaml_placed;

static dq_code yaml_charge(yaml_builder *b, size_t nodes)
{
    if (nodes > b->max_nodes - b->nodes)
        return dq_fail(b->err, DQ_ETOOBIG,
                       "%s: YAML expands to more than %zu nodes (aliases of aliases?)", b->name,
                       b->max_nodes);
    b->nodes += nodes;
    return DQ_OK;
}

static yaml_frame *yaml_top(yaml_builder *b)
{
    return b->depth ? &b->frames[b->depth - 1] : NULL;
}

/* A mapping whose next scalar is a key rather than a value. */
static bool yaml_wants_key(yaml_builder *b)
{
    yaml_frame *f = yaml_top(b);
    return f && cJSON_IsObject(f->node) && !f->key;
}

static dq_code yaml_key_set(yaml_builder *b, const char *text)
{
    size_t n = strlen(text) + 1;
    char *key = cJSON_malloc(n);
    if (!key)
        return dq_fail(b->err, DQ_ENOMEM, "%s: out of memory", b->name);
    memcpy(key, text, n);
    yaml_top(b)->key = key;
    return DQ_OK;
}

/* What a merge will take its pairs from: node itself when nothing else can see it (a
 * copy made for an alias), else a copy, the original kept alive for its anchors. Takes
 * ownership of node in every case. */
static dq_code yaml_merge_source(yaml_builder *b, cJSON *node, const yaml_placed *placed,
                                 cJSON **out)
{
    *out = node;
    if (!placed->anchored)
        return DQ_OK;
    if (!b->graveyard && !(b->graveyard = cJSON_CreateArray())) {
        cJSON_Delete(node); /* the parse fails: its anchors are never followed again */
        return dq_fail(b->err, DQ_ENOMEM, "%s: out of memory", b->name);
    }
    cJSON_AddItemToArray(b->graveyard, node);
    dq_code rc = yaml_charge(b, placed->nodes);
    if (rc)
        return rc;
    *out = cJSON_Duplicate(node, true);
    return *out ? DQ_OK : dq_fail(b->err, DQ_ENOMEM, "%s: out of memory", b->name);
}

/* Keeps the value of a "<<" key until its mapping ends. Owns node. */
static dq_code yaml_merge_hold(yaml_builder *b, yaml_frame *f, cJSON *node,
                               const yaml_placed *placed)
{
    cJSON_free(f->key);
    f->key = NULL;
    f->key_merges = false;
    if (!dq_yaml_mergeable(node)) {
        cJSON_Delete(node);
        return dq_fail(b->err, DQ_EFORMAT,
                       "%s: YAML merge key << takes a mapping or a list of mappings", b->name);
    }
    if (!f->merges && !(f->merges = cJSON_CreateArray())) {
        cJSON_Delete(node);
        return dq_fail(b->err, DQ_ENOMEM, "%s: out of memory", b->name);
    }
    cJSON *source = NULL;
    dq_code rc = yaml_merge_source(b, node, placed, &source);
    if (rc)
        return rc;
    cJSON_free(source->string);
    source->string = NULL;
    cJSON_AddItemToArray(f->merges, source);
    return DQ_OK;
}

/* Puts a complete node in its parent (or makes it the document). Owns node. */
static dq_code yaml_attach(yaml_builder *b, cJSON *node, const yaml_placed *placed)
{
    int height = placed->height;
    yaml_frame *f = yaml_top(b);
    if (!f) {
        b->root = node;
        return DQ_OK;
    }
    if (height + 1 > f->height)
        f->height = height + 1;
    if (f->key_merges)
        return yaml_merge_hold(b, f, node, placed);
    /* A copy made for an alias carries the key of the anchored node: drop it. */
    cJSON_free(node->string);
    node->string = NULL;
    if (cJSON_IsObject(f->node)) {
        /* The key was allocated with cJSON's allocator, so cJSON_Delete frees it. */
        node->string = f->key;
        f->key = NULL;
    }
    cJSON_AddItemToArray(f->node, node);
    return DQ_OK;
}

static dq_code yaml_on_alias(yaml_builder *b, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    const yaml_anchor *a = yaml_anchor_find(b, name);
    if (!a)
        return dq_fail(b->err, DQ_EFORMAT, "%s: YAML alias *%s has no complete anchor before it",
                       b->name, name);
    if (yaml_wants_key(b)) {
        const cJSON *n = a->node;
        const char *text = cJSON_IsString(n)  ? n->valuestring
                           : cJSON_IsNull(n)  ? "null"
                           : cJSON_IsTrue(n)  ? "true"
                           : cJSON_IsFalse(n) ? "false"
                                              : NULL;
        if (!text)
            return dq_fail(b->err, DQ_EFORMAT, "%s: YAML alias *%s used as a key is not a string",
                           b->name, name);
        return yaml_key_set(b, text);
    }
    if (b->depth + a->height > DQ_DECODE_NESTING_LIMIT)
        return dq_fail(b->err, DQ_EFORMAT, "%s: YAML nested deeper than %d levels (alias *%s)",
                       b->name, DQ_DECODE_NESTING_LIMIT, name);
    dq_code rc = yaml_charge(b, a->nodes);
    if (rc)
        return rc;
    cJSON *copy = cJSON_Duplicate(a->node, true);
    if (!copy)
        return dq_fail(b->err, DQ_ENOMEM, "%s: out of memory copying alias *%s", b->name, name);
    /* Nothing can point into a fresh copy: no anchor is ever defined inside one. */
    return yaml_attach(b, copy, &(yaml_placed){a->height, a->nodes, false});
}

static dq_code yaml_scalar_node(yaml_builder *b, const yaml_event_t *ev, cJSON **out)
{
    const char *value = (const char *)ev->data.scalar.value;
    const char *tag = (const char *)ev->data.scalar.tag;
    dq_code rc;
    if (tag && strcmp(tag, "!") != 0)
        rc = dq_yaml_tagged(tag, value, out);
    else if (!tag && ev->data.scalar.plain_implicit)
        rc = dq_yaml_plain(value, out);
    else
        rc = (*out = cJSON_CreateString(value)) ? DQ_OK : DQ_ENOMEM;
    if (rc == DQ_EFORMAT)
        return dq_fail(b->err, rc, "%s: YAML tag %s on \"%.40s\" is not one safe_load reads",
                       b->name, tag, value);
    if (rc)
        return dq_fail(b->err, rc, "%s: out of memory", b->name);
    return DQ_OK;
}

/* A key as json.dumps writes the key PyYAML made of it: null, true, false and ints are
 * written as Python prints them; everything else (floats included) as it was written. */
static const char *yaml_key_text(const yaml_event_t *ev, const cJSON *node, char *buf, size_t size)
{
    const char *text = (const char *)ev->data.scalar.value;
    if (ev->data.scalar.tag || !ev->data.scalar.plain_implicit)
        return text;
    if (cJSON_IsNull(node))
        return "null";
    if (cJSON_IsBool(node))
        return cJSON_IsTrue(node) ? "true" : "false";
    if (cJSON_IsNumber(node) && dq_yaml_plain_is_int(text) &&
        fabs(node->valuedouble) <= 9007199254740992.0) {
        snprintf(buf, size, "%.0f", node->valuedouble);
        return buf;
    }
    return text;
}

/* A scalar in a key's place. An anchored key stays alive (in the graveyard) for its
 * aliases. Owns node. */
static dq_code yaml_on_key(yaml_builder *b, const yaml_event_t *ev, cJSON *node)
{
    char buf[32];
    const char *text = yaml_key_text(ev, node, buf, sizeof(buf));
    /* Only a plain "<<" resolves to the merge tag; a quoted one is a key like any. */
    yaml_top(b)->key_merges =
        !ev->data.scalar.tag && ev->data.scalar.plain_implicit && strcmp(text, "<<") == 0;
    dq_code rc = yaml_key_set(b, text);
    if (rc || !ev->data.scalar.anchor) {
        cJSON_Delete(node);
        return rc;
    }
    if (!b->graveyard && !(b->graveyard = cJSON_CreateArray())) {
        cJSON_Delete(node);
        return dq_fail(b->err, DQ_ENOMEM, "%s: out of memory", b->name);
    }
    cJSON_AddItemToArray(b->graveyard, node);
    return DQ_OK;
}

static dq_code yaml_on_scalar(yaml_builder *b, const yaml_event_t *ev)
{
    dq_code rc = yaml_charge(b, 1);
    if (rc)
        return rc;
    cJSON *node = NULL;
    rc = yaml_scalar_node(b, ev, &node);
    if (rc)
        return rc;
    if (ev->data.scalar.anchor) {
        char *anchor = NULL;
        rc = yaml_anchor_copy(b, ev->data.scalar.anchor, &anchor);
        if (rc == DQ_OK)
            rc = yaml_anchor_add(b, anchor, node, 1, 0);
        if (rc) {
            cJSON_Delete(node);
            return rc;
        }
    }
    if (yaml_wants_key(b))
        return yaml_on_key(b, ev, node);
    return yaml_attach(b, node, &(yaml_placed){0, 1, ev->data.scalar.anchor != NULL});
}

/* Sequences and mappings may carry no tag but their own standard one. */
static bool yaml_container_tag_ok(const yaml_char_t *tag, bool mapping)
{
    if (!tag || strcmp((const char *)tag, "!") == 0)
        return true;
    return strcmp((const char *)tag,
                  mapping ? DQ_YAML_TAG_PREFIX "map" : DQ_YAML_TAG_PREFIX "seq") == 0;
}

static dq_code yaml_on_start(yaml_builder *b, const yaml_event_t *ev, bool mapping)
{
    const yaml_char_t *tag = mapping ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
    const yaml_char_t *anchor =
        mapping ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    if (yaml_wants_key(b))
        return dq_fail(b->err, DQ_EFORMAT, "%s: YAML mapping key that is not a scalar", b->name);
    if (!yaml_container_tag_ok(tag, mapping))
        return dq_fail(b->err, DQ_EFORMAT, "%s: YAML tag %s is not one safe_load reads", b->name,
                       (const char *)tag);
    if (b->depth >= DQ_DECODE_NESTING_LIMIT)
        return dq_fail(b->err, DQ_EFORMAT, "%s: YAML nested deeper than %d levels", b->name,
                       DQ_DECODE_NESTING_LIMIT);
    size_t first = b->nodes;
    dq_code rc = yaml_charge(b, 1);
    if (rc)
        return rc;
    yaml_frame f = {.node = mapping ? cJSON_CreateObject() : cJSON_CreateArray(),
                    .first_node = first,
                    .anchor_mark = b->anchor_len,
                    .height = 1};
    if (!f.node)
        return dq_fail(b->err, DQ_ENOMEM, "%s: out of memory", b->name);
    rc = yaml_anchor_copy(b, anchor, &f.anchor);
    if (rc) {
        cJSON_Delete(f.node);
        return rc;
    }
    b->frames[b->depth++] = f;
    return DQ_OK;
}

static dq_code yaml_on_end(yaml_builder *b)
{
    yaml_frame f = b->frames[--b->depth];
    cJSON_free(f.key); /* libyaml never ends a mapping between key and value; be safe */
    if (f.merges && ((!b->graveyard && !(b->graveyard = cJSON_CreateArray())) ||
                     dq_yaml_merge_apply(f.node, f.merges, b->graveyard))) {
        cJSON_Delete(f.merges);
        free(f.anchor);
        cJSON_Delete(f.node);
        return dq_fail(b->err, DQ_ENOMEM, "%s: out of memory", b->name);
    }
    if (f.anchor) {
        dq_code rc = yaml_anchor_add(b, f.anchor, f.node, b->nodes - f.first_node, f.height);
        if (rc) {
            cJSON_Delete(f.node);
            return rc;
        }
    }
    yaml_placed placed = {f.height, b->nodes - f.first_node, b->anchor_len > f.anchor_mark};
    return yaml_attach(b, f.node, &placed);
}

static dq_code yaml_on_event(yaml_builder *b, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->documents > 1)
            return dq_fail(b->err, DQ_EFORMAT, "%s: more than one YAML document", b->name);
        return DQ_OK;
    case YAML_ALIAS_EVENT:
        return yaml_on_alias(b, ev);
    case YAML_SCALAR_EVENT:
        return yaml_on_scalar(b, ev);
    case YAML_SEQUENCE_START_EVENT:
        return yaml_on_start(b, ev, false);
    case YAML_MAPPING_START_EVENT:
        return yaml_on_start(b, ev, true);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return yaml_on_end(b);
    default:
        return DQ_OK;
    }
}

static void yaml_builder_free(yaml_builder *b)
{
    /* Open containers are not in their parents yet: each is freed on its own. */
    while (b->depth > 0) {
        yaml_frame *f = &b->frames[--b->depth];
        cJSON_free(f->key);
        free(f->anchor);
        cJSON_Delete(f->merges);
        cJSON_Delete(f->node);
    }
    for (size_t i = 0; i < b->anchor_len; i++)
        free(b->anchors[i].name);
    free(b->anchors);
    dq_map_free(&b->anchor_index);
    cJSON_Delete(b->graveyard);
    free(b->frames);
}

static dq_code yaml_parser_error(yaml_builder *b, const yaml_parser_t *parser)
{
    if (parser->error == YAML_MEMORY_ERROR)
        return dq_fail(b->err, DQ_ENOMEM, "%s: out of memory parsing YAML", b->name);
    return dq_fail(b->err, DQ_EFORMAT, "%s: YAML error: %s%s%s at line %zu column %zu (byte %zu)",
                   b->name, parser->problem ? parser->problem : "malformed",
                   parser->context ? " " : "", parser->context ? parser->context : "",
                   (size_t)parser->problem_mark.line + 1, (size_t)parser->problem_mark.column + 1,
                   (size_t)parser->problem_mark.index);
}

static dq_code yaml_run(yaml_builder *b, const char *text, size_t len)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return dq_fail(b->err, DQ_ENOMEM, "%s: out of memory", b->name);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    dq_code rc = DQ_OK;
    bool done = false;
    while (rc == DQ_OK && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = yaml_parser_error(b, &parser);
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        rc = yaml_on_event(b, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return rc;
}

cJSON *dq_yaml_parse(const char *text, size_t len, size_t max_nodes, dq_error *err,
                     const char *name)
{
    dq_error local;
    yaml_builder b = {.name = name, .err = err ? err : &local, .max_nodes = max_nodes};
    if (dq_decode_text_check(text, len, name, err))
        return NULL;
    b.frames = malloc(DQ_DECODE_NESTING_LIMIT * sizeof(*b.frames));
    if (!b.frames) {
        dq_fail(err, DQ_ENOMEM, "%s: out of memory", name);
        return NULL;
    }
    dq_code rc = yaml_run(&b, text, len);
    yaml_builder_free(&b);
    if (rc) {
        cJSON_Delete(b.root);
        return NULL;
    }
    /* An empty stream is None to safe_load. */
    cJSON *root = b.root ? b.root : cJSON_CreateNull();
    if (!root)
        dq_fail(err, DQ_ENOMEM, "%s: out of memory", name);
    return root;
}
