/* gen_emit: writes a document tree byte for byte as truthound's Python writes it:
 * json.dumps(indent=2) and PyYAML's yaml.dump(default_flow_style=False). The YAML half
 * follows PyYAML's emitter (emitter.py) step by step for the subset a stored result
 * needs (block collections, empty flow collections, anchors, plain, single- and
 * double-quoted scalars with line folding at 80 columns); tests/integration/gen_store.sh
 * checks it against PyYAML itself. */
#include "gen.h"

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Python float repr ------------------------------------------------------------- */

/* Shortest digits that read back to the same double, then Python's layout: positional
 * when the decimal point falls within -4 < exponent <= 16, else d.ddde+XX. The longest
 * result, "-1.2345678901234567e-308", fits GEN_FLOAT_TEXT with room to spare. */
void gen_float_repr(double value, char out[GEN_FLOAT_TEXT])
{
    if (isnan(value) || isinf(value) || value == 0) {
        strcpy(out, isnan(value)     ? "nan"
                    : isinf(value)   ? (value < 0 ? "-inf" : "inf")
                    : signbit(value) ? "-0.0"
                                     : "0.0");
        return;
    }
    char sci[GEN_FLOAT_TEXT];
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(sci, sizeof sci, "%.*e", precision - 1, value);
        if (strtod(sci, NULL) == value) {
            break;
        }
    }
    /* sci is "[-]d[.ddd]e[+-]XX": split it into sign, digits and decimal point. */
    const char *p = sci;
    char *w = out;
    if (*p == '-') {
        *w++ = *p++;
    }
    char digits[GEN_FLOAT_TEXT];
    int ndigits = 0;
    for (; *p && *p != 'e'; p++) {
        if (*p != '.') {
            digits[ndigits++] = *p;
        }
    }
    while (ndigits > 1 && digits[ndigits - 1] == '0') {
        ndigits--;
    }
    digits[ndigits] = '\0';
    int point = atoi(p + 1) + 1; /* how many digits stand before the decimal point */
    if (point <= -4 || point > 16) {
        *w++ = digits[0];
        if (ndigits > 1) {
            *w++ = '.';
            w = stpcpy(w, digits + 1);
        }
        sprintf(w, "e%c%02d", point - 1 < 0 ? '-' : '+', abs(point - 1));
    } else if (point <= 0) {
        w = stpcpy(w, "0.");
        for (int i = 0; i < -point; i++) {
            *w++ = '0';
        }
        strcpy(w, digits);
    } else {
        for (int i = 0; i < point; i++) { /* the integer part, padded with zeros */
            *w++ = i < ndigits ? digits[i] : '0';
        }
        *w++ = '.';
        strcpy(w, point < ndigits ? digits + point : "0");
    }
}

/* ---- UTF-8 ------------------------------------------------------------------------- */

uint32_t gen_utf8_next(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    uint32_t cp = *p++;
    int extra = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : cp >= 0xc0 ? 1 : 0;
    if (extra) {
        cp &= 0x3f >> extra;
    }
    for (; extra > 0 && (*p & 0xc0) == 0x80; extra--) {
        cp = (cp << 6) | (*p++ & 0x3f);
    }
    *pp = p;
    return cp;
}

/* ---- JSON -------------------------------------------------------------------------- */

static dq_code json_string(dq_buf *out, const char *s)
{
    dq_code rc = dq_buf_addc(out, '"');
    const unsigned char *p = (const unsigned char *)s;
    while (rc == DQ_OK && *p) {
        uint32_t cp = gen_utf8_next(&p);
        switch (cp) {
        case '"':
            rc = dq_buf_adds(out, "\\\"");
            break;
        case '\\':
            rc = dq_buf_adds(out, "\\\\");
            break;
        case '\n':
            rc = dq_buf_adds(out, "\\n");
            break;
        case '\r':
            rc = dq_buf_adds(out, "\\r");
            break;
        case '\t':
            rc = dq_buf_adds(out, "\\t");
            break;
        case '\b':
            rc = dq_buf_adds(out, "\\b");
            break;
        case '\f':
            rc = dq_buf_adds(out, "\\f");
            break;
        default:
            if (cp >= 0x20 && cp <= 0x7e) {
                rc = dq_buf_addc(out, (char)cp);
            } else if (cp < 0x10000) {
                rc = dq_buf_printf(out, "\\u%04x", (unsigned)cp);
            } else { /* ensure_ascii writes astral characters as a surrogate pair */
                cp -= 0x10000;
                rc = dq_buf_printf(out, "\\u%04x\\u%04x", (unsigned)(0xd800 + (cp >> 10)),
                                   (unsigned)(0xdc00 + (cp & 0x3ff)));
            }
        }
    }
    return rc == DQ_OK ? dq_buf_addc(out, '"') : rc;
}

static dq_code json_float(dq_buf *out, double value)
{
    if (isnan(value)) {
        return dq_buf_adds(out, "NaN");
    }
    if (isinf(value)) {
        return dq_buf_adds(out, value < 0 ? "-Infinity" : "Infinity");
    }
    char text[GEN_FLOAT_TEXT];
    gen_float_repr(value, text);
    return dq_buf_adds(out, text);
}

static dq_code json_node(const gen_node *node, int depth, dq_buf *out);

static dq_code json_container(const gen_node *node, int depth, dq_buf *out)
{
    bool object = node->kind == GEN_OBJECT;
    if (!node->first) {
        return dq_buf_adds(out, object ? "{}" : "[]");
    }
    dq_code rc = dq_buf_addc(out, object ? '{' : '[');
    for (const gen_slot *slot = node->first; slot && rc == DQ_OK; slot = slot->next) {
        rc = dq_buf_printf(out, "%s\n%*s", slot == node->first ? "" : ",", 2 * (depth + 1), "");
        if (rc == DQ_OK && object) {
            rc = json_string(out, slot->key);
            if (rc == DQ_OK) {
                rc = dq_buf_adds(out, ": ");
            }
        }
        if (rc == DQ_OK) {
            rc = json_node(slot->value, depth + 1, out);
        }
    }
    if (rc == DQ_OK) {
        rc = dq_buf_printf(out, "\n%*s%c", 2 * depth, "", object ? '}' : ']');
    }
    return rc;
}

static dq_code json_node(const gen_node *node, int depth, dq_buf *out)
{
    switch (node->kind) {
    case GEN_NULL:
        return dq_buf_adds(out, "null");
    case GEN_BOOL:
        return dq_buf_adds(out, node->boolean ? "true" : "false");
    case GEN_INT:
        return dq_buf_printf(out, "%lld", (long long)node->integer);
    case GEN_FLOAT:
        return json_float(out, node->real);
    case GEN_STRING:
        return json_string(out, node->text);
    case GEN_ARRAY:
    case GEN_OBJECT:
        return json_container(node, depth, out);
    }
    return DQ_EFORMAT;
}

dq_code gen_emit_json(const gen_node *doc, dq_buf *out)
{
    return json_node(doc, 0, out);
}

/* ---- YAML: anchors ------------------------------------------------------------------ */

/* PyYAML's Serializer.anchor_node: walk in output order; a container met a second time
 * gets the next anchor number, and is not walked again. */
typedef struct yaml_anchor {
    const gen_node *node;
    int id; /* 0 until met twice */
    bool written;
} yaml_anchor;

typedef struct yaml_anchors {
    yaml_anchor *items;
    size_t len;
    size_t cap;
    int last_id;
} yaml_anchors;

static yaml_anchor *anchors_find(const yaml_anchors *anchors, const gen_node *node)
{
    for (size_t i = 0; i < anchors->len; i++) {
        if (anchors->items[i].node == node) {
            return &anchors->items[i];
        }
    }
    return NULL;
}

static dq_code anchors_add(yaml_anchors *anchors, const gen_node *node)
{
    if (anchors->len == anchors->cap) {
        size_t cap = anchors->cap ? 2 * anchors->cap : 64;
        yaml_anchor *items = realloc(anchors->items, cap * sizeof *items);
        if (!items) {
            return DQ_ENOMEM;
        }
        anchors->items = items;
        anchors->cap = cap;
    }
    anchors->items[anchors->len++] = (yaml_anchor){node, 0, false};
    return DQ_OK;
}

/* ---- YAML: mapping keys in PyYAML's order ----------------------------------------- */

static int slot_key_compare(const void *a, const void *b)
{
    const gen_slot *const *x = a;
    const gen_slot *const *y = b;
    return strcmp((*x)->key, (*y)->key); /* UTF-8 byte order is code point order */
}

/* The slots of an object sorted by key, in an arena array; NULL when out of memory. */
static const gen_slot **sorted_slots(gen_arena *arena, const gen_node *object)
{
    const gen_slot **slots = gen_arena_alloc(arena, (object->count + 1) * sizeof *slots);
    if (!slots) {
        return NULL;
    }
    size_t n = 0;
    for (const gen_slot *slot = object->first; slot; slot = slot->next) {
        slots[n++] = slot;
    }
    qsort(slots, n, sizeof *slots, slot_key_compare);
    return slots;
}

static dq_code anchor_walk(gen_arena *arena, yaml_anchors *anchors, const gen_node *node)
{
    if (node->kind != GEN_ARRAY && node->kind != GEN_OBJECT) {
        return DQ_OK; /* PyYAML never aliases scalars */
    }
    yaml_anchor *seen = anchors_find(anchors, node);
    if (seen) {
        if (seen->id == 0) {
            seen->id = ++anchors->last_id;
        }
        return DQ_OK;
    }
    dq_code rc = anchors_add(anchors, node);
    if (rc != DQ_OK || !node->first) {
        return rc;
    }
    if (node->kind == GEN_ARRAY) {
        for (const gen_slot *slot = node->first; slot && rc == DQ_OK; slot = slot->next) {
            rc = anchor_walk(arena, anchors, slot->value);
        }
        return rc;
    }
    const gen_slot **slots = sorted_slots(arena, node);
    if (!slots) {
        return DQ_ENOMEM;
    }
    for (size_t i = 0; i < node->count && rc == DQ_OK; i++) {
        rc = anchor_walk(arena, anchors, slots[i]->value);
    }
    return rc;
}

/* ---- YAML: the emitter state of emitter.py ----------------------------------------- */

enum { YAML_BEST_WIDTH = 80, YAML_BEST_INDENT = 2 };

typedef struct yaml_resolver {
    regex_t boolean, floating, integer, null, timestamp;
    bool compiled;
} yaml_resolver;

typedef struct yaml_emitter {
    gen_arena *arena;
    dq_buf *out;
    yaml_anchors anchors;
    yaml_resolver resolver;
    int indent; /* -1: None */
    int column;
    bool whitespace;
    bool indention;
    dq_code rc;
} yaml_emitter;

static void yaml_write(yaml_emitter *e, const char *data, size_t len)
{
    if (e->rc == DQ_OK) {
        e->rc = dq_buf_add(e->out, data, len);
    }
    e->column += (int)len; /* ASCII only: everything else is escaped */
}

static void yaml_write_indicator(yaml_emitter *e, const char *indicator, bool need_whitespace,
                                 bool whitespace, bool indention)
{
    if (!e->whitespace && need_whitespace) {
        yaml_write(e, " ", 1);
    }
    yaml_write(e, indicator, strlen(indicator));
    e->whitespace = whitespace;
    e->indention = e->indention && indention;
}

static void yaml_write_line_break(yaml_emitter *e)
{
    yaml_write(e, "\n", 1);
    e->whitespace = true;
    e->indention = true;
    e->column = 0;
}

static void yaml_write_indent(yaml_emitter *e)
{
    int indent = e->indent < 0 ? 0 : e->indent;
    if (!e->indention || e->column > indent || (e->column == indent && !e->whitespace)) {
        yaml_write_line_break(e);
    }
    while (e->column < indent) {
        e->whitespace = true;
        yaml_write(e, " ", 1);
    }
}

/* ---- YAML: which strings must be quoted -------------------------------------------- */

/* PyYAML's implicit resolvers (resolver.py) as POSIX EREs: a string that matches one of
 * them would read back as another type, so it cannot be written plain. */
static dq_code resolver_init(yaml_resolver *r)
{
    static const char *const patterns[] = {
        "^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
        "^([-+]?([0-9][0-9_]*)\\.[0-9_]*([eE][-+][0-9]+)?|\\.[0-9][0-9_]*([eE][-+][0-9]+)?"
        "|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(inf|Inf|INF)"
        "|\\.(nan|NaN|NAN))$",
        "^([-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"
        "|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)$",
        "^(~|null|Null|NULL|)$",
        "^([0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
        "|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?([Tt]|[ \t]+)[0-9][0-9]?"
        ":[0-9][0-9]:[0-9][0-9](\\.[0-9]*)?([ \t]*(Z|[-+][0-9][0-9]?(:[0-9][0-9])?))?)$",
    };
    regex_t *targets[] = {&r->boolean, &r->floating, &r->integer, &r->null, &r->timestamp};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        if (regcomp(targets[i], patterns[i], REG_EXTENDED | REG_NOSUB) != 0) {
            for (size_t j = 0; j < i; j++) {
                regfree(targets[j]);
            }
            return DQ_ENOMEM;
        }
    }
    r->compiled = true;
    return DQ_OK;
}

static void resolver_free(yaml_resolver *r)
{
    if (r->compiled) {
        regfree(&r->boolean);
        regfree(&r->floating);
        regfree(&r->integer);
        regfree(&r->null);
        regfree(&r->timestamp);
    }
}

/* Resolver.resolve: each pattern is only tried for its listed first characters. */
static bool resolver_is_other_type(const yaml_resolver *r, const char *s)
{
    char c = s[0];
    if (c == '\0' || strchr("~nN", c)) {
        if (regexec(&r->null, s, 0, NULL, 0) == 0) {
            return true;
        }
    }
    if (c && strchr("yYnNtTfFoO", c) && regexec(&r->boolean, s, 0, NULL, 0) == 0) {
        return true;
    }
    if (c && strchr("-+0123456789.", c) && regexec(&r->floating, s, 0, NULL, 0) == 0) {
        return true;
    }
    if (c && strchr("-+0123456789", c) && regexec(&r->integer, s, 0, NULL, 0) == 0) {
        return true;
    }
    if (c >= '0' && c <= '9' && regexec(&r->timestamp, s, 0, NULL, 0) == 0) {
        return true;
    }
    /* The merge key "<<", the value key "=" and the yaml tags "!", "&", "*". */
    return strcmp(s, "<<") == 0 || strcmp(s, "=") == 0 || strcmp(s, "!") == 0 ||
           strcmp(s, "&") == 0 || strcmp(s, "*") == 0;
}

typedef struct yaml_analysis {
    bool empty, multiline, allow_block_plain, allow_single_quoted;
} yaml_analysis;

static bool is_break(uint32_t ch)
{
    return ch == '\n' || ch == 0x85 || ch == 0x2028 || ch == 0x2029;
}

static bool is_space_or_break(uint32_t ch)
{
    return ch == 0 || ch == ' ' || ch == '\t' || ch == '\r' || is_break(ch);
}

/* Emitter.analyze_scalar, reduced to the outcomes a block-style emitter without
 * allow_unicode uses. */
static yaml_analysis yaml_analyze(const uint32_t *text, size_t len)
{
    yaml_analysis a = {len == 0, false, true, true};
    if (len == 0) {
        return a;
    }
    bool block_indicators = false, special = false, leading_space = false, trailing = false;
    bool break_space = false, space_break = false, previous_space = false;
    bool previous_break = false, preceded_by_whitespace = true;
    if (len >= 3 && ((text[0] == '-' && text[1] == '-' && text[2] == '-') ||
                     (text[0] == '.' && text[1] == '.' && text[2] == '.'))) {
        block_indicators = true;
    }
    for (size_t i = 0; i < len; i++) {
        uint32_t ch = text[i];
        bool followed_by_whitespace = i + 1 >= len || is_space_or_break(text[i + 1]);
        if (i == 0) {
            if ((ch < 0x80 && strchr("#,[]{}&*!|>'\"%@`", (int)ch)) ||
                ((ch == '?' || ch == ':' || ch == '-') && followed_by_whitespace)) {
                block_indicators = true;
            }
        } else if ((ch == ':' && followed_by_whitespace) || (ch == '#' && preceded_by_whitespace)) {
            block_indicators = true;
        }
        a.multiline = a.multiline || is_break(ch);
        special = special || !(ch == '\n' || (ch >= 0x20 && ch <= 0x7e));
        if (ch == ' ') {
            leading_space = leading_space || i == 0;
            trailing = trailing || i == len - 1;
            break_space = break_space || previous_break;
        } else if (is_break(ch)) {
            leading_space = leading_space || i == 0;
            trailing = trailing || i == len - 1;
            space_break = space_break || previous_space;
        }
        previous_space = ch == ' ';
        previous_break = is_break(ch);
        preceded_by_whitespace = is_space_or_break(ch);
    }
    a.allow_block_plain = !(leading_space || trailing || break_space || space_break || special ||
                            a.multiline || block_indicators);
    a.allow_single_quoted = !(break_space || space_break || special);
    return a;
}

/* ---- YAML: scalar writers ---------------------------------------------------------- */

static void yaml_write_text(yaml_emitter *e, const uint32_t *text, size_t start, size_t end)
{
    for (size_t i = start; i < end; i++) {
        char c = (char)text[i];
        yaml_write(e, &c, 1);
    }
}

static void yaml_write_plain(yaml_emitter *e, const uint32_t *text, size_t len, bool split)
{
    if (len == 0) {
        return;
    }
    if (!e->whitespace) {
        yaml_write(e, " ", 1);
    }
    e->whitespace = false;
    e->indention = false;
    bool spaces = false;
    size_t start = 0;
    for (size_t end = 0; end <= len; end++) {
        uint32_t ch = end < len ? text[end] : 0;
        bool at_end = end == len;
        if (spaces) {
            if (ch != ' ' || at_end) {
                if (start + 1 == end && e->column > YAML_BEST_WIDTH && split) {
                    yaml_write_indent(e);
                    e->whitespace = false;
                    e->indention = false;
                } else {
                    yaml_write_text(e, text, start, end);
                }
                start = end;
            }
        } else if (at_end || ch == ' ') {
            yaml_write_text(e, text, start, end);
            start = end;
        }
        spaces = !at_end && ch == ' ';
    }
}

static void yaml_write_single_quoted(yaml_emitter *e, const uint32_t *text, size_t len, bool split)
{
    yaml_write_indicator(e, "'", true, false, false);
    bool spaces = false, breaks = false;
    size_t start = 0;
    for (size_t end = 0; end <= len; end++) {
        bool at_end = end == len;
        uint32_t ch = at_end ? 0 : text[end];
        if (spaces) {
            if (at_end || ch != ' ') {
                if (start + 1 == end && e->column > YAML_BEST_WIDTH && split && start != 0 &&
                    end != len) {
                    yaml_write_indent(e);
                } else {
                    yaml_write_text(e, text, start, end);
                }
                start = end;
            }
        } else if (breaks) {
            if (at_end || !is_break(ch)) {
                if (text[start] == '\n') {
                    yaml_write_line_break(e);
                }
                for (size_t i = start; i < end; i++) {
                    yaml_write_line_break(e); /* only '\n' can get here: others are special */
                }
                yaml_write_indent(e);
                start = end;
            }
        } else if ((at_end || ch == ' ' || is_break(ch) || ch == '\'') && start < end) {
            yaml_write_text(e, text, start, end);
            start = end;
        }
        if (ch == '\'') {
            yaml_write(e, "''", 2);
            start = end + 1;
        }
        spaces = !at_end && ch == ' ';
        breaks = !at_end && is_break(ch);
    }
    yaml_write_indicator(e, "'", false, false, false);
}

static void yaml_write_escape(yaml_emitter *e, uint32_t ch)
{
    static const struct {
        uint32_t ch;
        const char *escape;
    } replacements[] = {
        {0, "\\0"},     {0x07, "\\a"}, {0x08, "\\b"}, {0x09, "\\t"},   {0x0a, "\\n"},
        {0x0b, "\\v"},  {0x0c, "\\f"}, {0x0d, "\\r"}, {0x1b, "\\e"},   {'"', "\\\""},
        {'\\', "\\\\"}, {0x85, "\\N"}, {0xa0, "\\_"}, {0x2028, "\\L"}, {0x2029, "\\P"},
    };
    for (size_t i = 0; i < sizeof replacements / sizeof replacements[0]; i++) {
        if (replacements[i].ch == ch) {
            yaml_write(e, replacements[i].escape, strlen(replacements[i].escape));
            return;
        }
    }
    char data[16];
    int n = ch <= 0xff     ? snprintf(data, sizeof data, "\\x%02X", (unsigned)ch)
            : ch <= 0xffff ? snprintf(data, sizeof data, "\\u%04X", (unsigned)ch)
                           : snprintf(data, sizeof data, "\\U%08X", (unsigned)ch);
    yaml_write(e, data, (size_t)n);
}

static void yaml_write_double_quoted(yaml_emitter *e, const uint32_t *text, size_t len, bool split)
{
    yaml_write_indicator(e, "\"", true, false, false);
    size_t start = 0;
    for (size_t end = 0; end <= len; end++) {
        bool at_end = end == len;
        uint32_t ch = at_end ? 0 : text[end];
        if (at_end || ch == '"' || ch == '\\' || ch < 0x20 || ch > 0x7e) {
            if (start < end) {
                yaml_write_text(e, text, start, end);
                start = end;
            }
            if (!at_end) {
                yaml_write_escape(e, ch);
                start = end + 1;
            }
        }
        if (end > 0 && end + 1 < len && (ch == ' ' || start >= end) &&
            e->column + (int)(end - start) > YAML_BEST_WIDTH && split) {
            yaml_write_text(e, text, start, end);
            yaml_write(e, "\\", 1);
            if (start < end) {
                start = end;
            }
            yaml_write_indent(e);
            e->whitespace = false;
            e->indention = false;
            if (text[start] == ' ') {
                yaml_write(e, "\\", 1);
            }
        }
    }
    yaml_write_indicator(e, "\"", false, false, false);
}

/* Emitter.choose_scalar_style and process_scalar for a string. */
static void yaml_string(yaml_emitter *e, const char *utf8, bool simple_key)
{
    size_t cap = strlen(utf8);
    uint32_t *text = gen_arena_alloc(e->arena, (cap + 1) * sizeof *text);
    if (!text) {
        e->rc = DQ_ENOMEM;
        return;
    }
    size_t len = 0;
    for (const unsigned char *p = (const unsigned char *)utf8; *p;) {
        text[len++] = gen_utf8_next(&p);
    }
    yaml_analysis a = yaml_analyze(text, len);
    bool split = !simple_key;
    bool implicit = !resolver_is_other_type(&e->resolver, utf8);
    if (implicit && !(simple_key && (a.empty || a.multiline)) && a.allow_block_plain) {
        yaml_write_plain(e, text, len, split);
    } else if (a.allow_single_quoted && !(simple_key && a.multiline)) {
        yaml_write_single_quoted(e, text, len, split);
    } else {
        yaml_write_double_quoted(e, text, len, split);
    }
}

/* A non-string scalar: its text is what the representer produced and always plain. */
static void yaml_plain_ascii(yaml_emitter *e, const char *ascii)
{
    size_t len = strlen(ascii);
    if (!e->whitespace) {
        yaml_write(e, " ", 1);
    }
    yaml_write(e, ascii, len);
    e->whitespace = false;
    e->indention = false;
}

/* SafeRepresenter.represent_float: repr, lowercased, with ".0" put before a bare "e". */
static void yaml_float(yaml_emitter *e, double value)
{
    if (isnan(value)) {
        yaml_plain_ascii(e, ".nan");
        return;
    }
    if (isinf(value)) {
        yaml_plain_ascii(e, value < 0 ? "-.inf" : ".inf");
        return;
    }
    char text[GEN_FLOAT_TEXT + 2]; /* room for the ".0" put before a bare "e" */
    gen_float_repr(value, text);
    char *exponent = strchr(text, 'e');
    if (exponent && !strchr(text, '.')) {
        memmove(exponent + 2, exponent, strlen(exponent) + 1);
        memcpy(exponent, ".0", 2);
    }
    yaml_plain_ascii(e, text);
}

static void yaml_scalar(yaml_emitter *e, const gen_node *node, bool simple_key)
{
    /* Emitter.expect_scalar indents continuation lines one step further. */
    int saved = e->indent;
    e->indent = e->indent < 0 ? YAML_BEST_INDENT : e->indent + YAML_BEST_INDENT;
    char number[32];
    switch (node->kind) {
    case GEN_NULL:
        yaml_plain_ascii(e, "null");
        break;
    case GEN_BOOL:
        yaml_plain_ascii(e, node->boolean ? "true" : "false");
        break;
    case GEN_INT:
        snprintf(number, sizeof number, "%lld", (long long)node->integer);
        yaml_plain_ascii(e, number);
        break;
    case GEN_FLOAT:
        yaml_float(e, node->real);
        break;
    default:
        yaml_string(e, node->text, simple_key);
        break;
    }
    e->indent = saved;
}

/* ---- YAML: collections ------------------------------------------------------------- */

static void yaml_node(yaml_emitter *e, const gen_node *node, bool mapping_context);

static void yaml_block_sequence(yaml_emitter *e, const gen_node *node, bool mapping_context)
{
    /* In a mapping, a sequence's dashes line up with its key (an indentless sequence). */
    int saved = e->indent;
    bool indentless = mapping_context && !e->indention;
    if (e->indent < 0) {
        e->indent = 0;
    } else if (!indentless) {
        e->indent += YAML_BEST_INDENT;
    }
    for (const gen_slot *slot = node->first; slot; slot = slot->next) {
        yaml_write_indent(e);
        yaml_write_indicator(e, "-", true, false, true);
        yaml_node(e, slot->value, false);
    }
    e->indent = saved;
}

static void yaml_block_mapping(yaml_emitter *e, const gen_node *node)
{
    const gen_slot **slots = sorted_slots(e->arena, node);
    if (!slots) {
        e->rc = DQ_ENOMEM;
        return;
    }
    int saved = e->indent;
    e->indent = e->indent < 0 ? 0 : e->indent + YAML_BEST_INDENT;
    for (size_t i = 0; i < node->count; i++) {
        yaml_write_indent(e);
        gen_node key = {.kind = GEN_STRING, .text = slots[i]->key};
        yaml_scalar(e, &key, true);
        yaml_write_indicator(e, ":", false, false, false);
        yaml_node(e, slots[i]->value, true);
    }
    e->indent = saved;
}

static void yaml_node(yaml_emitter *e, const gen_node *node, bool mapping_context)
{
    yaml_anchor *anchor = anchors_find(&e->anchors, node);
    if (anchor && anchor->id > 0) {
        char name[24];
        snprintf(name, sizeof name, "%cid%03d", anchor->written ? '*' : '&', anchor->id);
        yaml_write_indicator(e, name, true, false, false);
        if (anchor->written) {
            return;
        }
        anchor->written = true;
    }
    if (node->kind != GEN_ARRAY && node->kind != GEN_OBJECT) {
        yaml_scalar(e, node, false);
    } else if (!node->first) { /* empty collections are written in flow style */
        bool object = node->kind == GEN_OBJECT;
        yaml_write_indicator(e, object ? "{" : "[", true, true, false);
        yaml_write_indicator(e, object ? "}" : "]", false, false, false);
    } else if (node->kind == GEN_ARRAY) {
        yaml_block_sequence(e, node, mapping_context);
    } else {
        yaml_block_mapping(e, node);
    }
}

dq_code gen_emit_yaml(gen_arena *arena, const gen_node *doc, dq_buf *out)
{
    yaml_emitter e = {
        .arena = arena, .out = out, .indent = -1, .whitespace = true, .indention = true};
    e.rc = resolver_init(&e.resolver);
    if (e.rc == DQ_OK) {
        e.rc = anchor_walk(arena, &e.anchors, doc);
    }
    if (e.rc == DQ_OK) {
        yaml_node(&e, doc, false);
        yaml_write_indent(&e); /* Emitter.expect_document_end */
    }
    resolver_free(&e.resolver);
    free(e.anchors.items);
    return e.rc;
}
