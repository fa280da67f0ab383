/*
 * template.c — the mustache-style template engine declared in template.h.
 *
 * Each template is parsed once into a flat array of nodes, a compact tree in
 * pre-order: a section or inverted node is followed by its body and records
 * the index of the first node after that body, so rendering a body is a walk
 * over a half-open index range and skipping one is a jump.  Node kinds are
 * text runs (adjacent runs are merged, comments leave nothing behind), HTML
 * escaped values, raw values, sections, inverted sections and partials.
 * Names are split into segments at parse time; every segment, every text
 * run and every partial name lives NUL-terminated in one per-template byte
 * pool, and nodes refer to them by 32-bit offsets, so a node is 16 bytes.
 *
 * A set keeps its templates in an array sorted by name (binary search).
 * tpl_set_link resolves each partial node to the index of its target in
 * that array; until it has run (or after a later tpl_set_add) partials are
 * looked up by name at render time instead, so an unlinked set renders
 * correctly, only more slowly.
 *
 * Rendering never allocates except through the output buffer: the context
 * stack is a chain of frames living in the C stack frames of the recursive
 * walk, which is bounded by 64 sections per template times 33 templates
 * (the top one and 32 nested partials).  Nothing is written to the set or
 * the model while rendering, so any number of threads may render from one
 * linked set at once.
 *
 * Details the header leaves open, decided here: a name segment may hold
 * any byte above space except { } # ^ / ! & = < > " ' (so UTF-8 keys work
 * and typos such as {{ #x }} or a set-delimiter tag are errors); a partial
 * name is any run of bytes above space except { }; the indentation of a
 * standalone partial tag is dropped with its line, not re-applied to the
 * partial's lines; a duplicate name is reported at line 1; a failed render
 * truncates out back to its length on entry, so no half page escapes.
 */
#include "template.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/check.h"

/* Deepest section nesting inside one template. */
#define TPL_MAX_NEST 64
/* Deepest partial nesting while rendering (the top template is depth 0). */
#define TPL_MAX_PARTIAL_DEPTH 32
/* Largest accepted source, so that every offset fits in 32 bits. */
#define TPL_MAX_SRC (1u << 30)
/* Longest name quoted in an error message. */
#define ERR_NAME_MAX 64

enum node_kind {
    N_TEXT,     /* a = pool offset, b = length */
    N_VAR,      /* a = first segment, nseg = segment count (0 for ".") */
    N_RAW,      /* as N_VAR, printed without escaping */
    N_SECTION,  /* as N_VAR; b = index of the first node after the body */
    N_INVERTED, /* as N_SECTION */
    N_PARTIAL,  /* a = pool offset of the name, b = source line, c = target */
};

#define NO_TARGET UINT32_MAX

struct node {
    uint8_t kind;
    uint8_t pad;
    uint16_t nseg;
    uint32_t a;
    uint32_t b;
    uint32_t c;
};
_Static_assert(sizeof(struct node) == 16, "a node is 16 bytes (see the top of this file)");

/* One name segment: a NUL-terminated key in the pool. */
struct seg {
    uint32_t off;
    uint32_t len;
};

struct tpl {
    char *name;
    struct node *nodes;
    uint32_t nnodes;
    struct seg *segs;
    char *pool;
};

struct tpl_set {
    struct tpl **v; /* sorted by name */
    size_t n;
    size_t cap;
    int linked;
};

/* ------------------------------------------------------------------------ */
/* Sets                                                                      */

struct tpl_set *tpl_set_new(void)
{
    return calloc(1, sizeof(struct tpl_set));
}

static void tpl_free(struct tpl *t)
{
    if (!t)
        return;
    free(t->name);
    free(t->nodes);
    free(t->segs);
    free(t->pool);
    free(t);
}

void tpl_set_free(struct tpl_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++)
        tpl_free(set->v[i]);
    free(set->v);
    free(set);
}

/*
 * Binary search for name.  Returns 1 and its index in *at if present, else
 * 0 and the index where it would be inserted.
 */
static int set_find(const struct tpl_set *set, const char *name, size_t *at)
{
    size_t lo = 0, hi = set->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(set->v[mid]->name, name);
        if (c == 0) {
            *at = mid;
            return 1;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *at = lo;
    return 0;
}

int tpl_set_has(const struct tpl_set *set, const char *name)
{
    size_t at;
    return set && name && set_find(set, name, &at);
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                   */

enum tag_kind { T_VAR, T_RAW3, T_RAW, T_SECTION, T_INVERTED, T_CLOSE, T_PARTIAL, T_COMMENT };

struct open_section {
    uint32_t node;     /* index of the section node */
    uint32_t name_off; /* trimmed name in the source */
    uint32_t name_len;
    unsigned line;
};

struct parser {
    const char *name;
    const char *src;
    size_t len;
    char *err;
    size_t errlen;

    /* Line counting: line_at is the line number of offset line_off. */
    size_t line_off;
    unsigned line_at;

    struct node *nodes;
    uint32_t nn, ncap;
    struct seg *segs;
    uint32_t ns, scap;
    char *pool;
    uint32_t np, pcap;
    uint32_t last_text; /* index of a text node that may be extended, or NO_TARGET */

    struct open_section open[TPL_MAX_NEST];
    unsigned nopen;
};

/* Write "name:line: reason" to the caller's error buffer; returns -1. */
static int perr(struct parser *ps, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int perr(struct parser *ps, unsigned line, const char *fmt, ...)
{
    if (!ps->err || ps->errlen == 0)
        return -1;
    int n = snprintf(ps->err, ps->errlen, "%s:%u: ", ps->name, line);
    if (n >= 0 && (size_t)n < ps->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Line number of source offset off; offsets must be asked in increasing order. */
static unsigned line_of(struct parser *ps, size_t off)
{
    CHECK(off >= ps->line_off && off <= ps->len);
    for (size_t i = ps->line_off; i < off; i++)
        if (ps->src[i] == '\n')
            ps->line_at++;
    if (off > ps->line_off)
        ps->line_off = off;
    return ps->line_at;
}

/* Grow an array of elements of size sz so that it holds one more; 0 or -1. */
static int grow(void **p, uint32_t *cap, uint32_t need, size_t sz)
{
    if (need <= *cap)
        return 0;
    uint32_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    void *q = realloc(*p, (size_t)ncap * sz);
    if (!q)
        return -1;
    *p = q;
    *cap = ncap;
    return 0;
}

static int pool_add(struct parser *ps, const char *s, size_t n, int nul, uint32_t *off)
{
    uint32_t need = ps->np + (uint32_t)n + (nul ? 1 : 0);
    if (grow((void **)&ps->pool, &ps->pcap, need, 1) < 0)
        return -1;
    *off = ps->np;
    memcpy(ps->pool + ps->np, s, n);
    ps->np += (uint32_t)n;
    if (nul)
        ps->pool[ps->np++] = 0;
    return 0;
}

static struct node *node_add(struct parser *ps, int kind)
{
    if (grow((void **)&ps->nodes, &ps->ncap, ps->nn + 1, sizeof(struct node)) < 0)
        return NULL;
    struct node *nd = &ps->nodes[ps->nn++];
    memset(nd, 0, sizeof *nd);
    nd->kind = (uint8_t)kind;
    nd->c = NO_TARGET;
    ps->last_text = NO_TARGET;
    return nd;
}

/* Append src[from..to) as text, extending the previous text node if allowed. */
static int emit_text(struct parser *ps, size_t from, size_t to, unsigned line)
{
    if (to <= from)
        return 0;
    uint32_t off;
    if (pool_add(ps, ps->src + from, to - from, 0, &off) < 0)
        return perr(ps, line, "out of memory");
    if (ps->last_text != NO_TARGET) {
        ps->nodes[ps->last_text].b += (uint32_t)(to - from);
        return 0;
    }
    struct node *nd = node_add(ps, N_TEXT);
    if (!nd)
        return perr(ps, line, "out of memory");
    nd->a = off;
    nd->b = (uint32_t)(to - from);
    ps->last_text = ps->nn - 1;
    return 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Bytes that may not appear in a name segment. */
static int bad_name_char(unsigned char c)
{
    return c <= 0x20 || c == 0x7f || strchr("{}#^/!&=<>\"'", c) != NULL;
}

/*
 * Parse the trimmed name s[0..n) of a value or section tag into segments,
 * filling nd->a and nd->nseg.  raw demands a last segment ending in _html.
 */
static int parse_name(struct parser *ps, struct node *nd, const char *s, size_t n, int raw,
                      unsigned line)
{
    int q = (int)(n < ERR_NAME_MAX ? n : ERR_NAME_MAX);
    if (n == 0)
        return perr(ps, line, "empty name");
    if (n == 1 && s[0] == '.') {
        nd->nseg = 0;
        if (raw)
            return perr(ps, line, "raw output of '.' is not allowed: name must end in _html");
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (s[i] != '.' && bad_name_char((unsigned char)s[i]))
            return perr(ps, line, "bad character in name '%.*s'", q, s);
    uint32_t first = ps->ns;
    size_t i = 0, last_start = 0, last_len = 0;
    unsigned count = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != '.')
            j++;
        if (j == i)
            return perr(ps, line, "empty segment in name '%.*s'", q, s);
        if (++count > UINT16_MAX)
            return perr(ps, line, "too many segments in name '%.*s'", q, s);
        uint32_t off;
        if (grow((void **)&ps->segs, &ps->scap, ps->ns + 1, sizeof(struct seg)) < 0 ||
            pool_add(ps, s + i, j - i, 1, &off) < 0)
            return perr(ps, line, "out of memory");
        ps->segs[ps->ns].off = off;
        ps->segs[ps->ns].len = (uint32_t)(j - i);
        ps->ns++;
        last_start = i;
        last_len = j - i;
        i = j + 1;
    }
    if (raw && (last_len < 5 || memcmp(s + last_start + last_len - 5, "_html", 5) != 0))
        return perr(ps, line, "raw output of '%.*s' is not allowed: name must end in _html", q, s);
    nd->a = first;
    nd->nseg = (uint16_t)count;
    return 0;
}

/*
 * Is the tag spanning src[o..e) alone on its line?  If so, set *ls to the
 * start of its leading white space and *after to the start of the next line.
 */
static int standalone(const struct parser *ps, size_t pos, size_t o, size_t e, size_t *ls,
                      size_t *after)
{
    const char *s = ps->src;
    size_t b = o;
    while (b > pos && (s[b - 1] == ' ' || s[b - 1] == '\t'))
        b--;
    if (b > 0 && s[b - 1] != '\n')
        return 0;
    size_t f = e;
    while (f < ps->len && (s[f] == ' ' || s[f] == '\t'))
        f++;
    if (f == ps->len)
        *after = f;
    else if (s[f] == '\n')
        *after = f + 1;
    else if (s[f] == '\r' && f + 1 < ps->len && s[f + 1] == '\n')
        *after = f + 2;
    else
        return 0;
    *ls = b;
    return 1;
}

/* Handle one tag whose trimmed content is src[cs..cs+cn). */
static int handle_tag(struct parser *ps, int kind, size_t cs, size_t cn, unsigned line)
{
    const char *c = ps->src + cs;
    int q = (int)(cn < ERR_NAME_MAX ? cn : ERR_NAME_MAX);
    struct node *nd;

    switch (kind) {
    case T_COMMENT:
        return 0;
    case T_VAR:
    case T_RAW:
    case T_RAW3:
        if (!(nd = node_add(ps, kind == T_VAR ? N_VAR : N_RAW)))
            return perr(ps, line, "out of memory");
        return parse_name(ps, nd, c, cn, kind != T_VAR, line);
    case T_SECTION:
    case T_INVERTED:
        if (ps->nopen == TPL_MAX_NEST)
            return perr(ps, line, "sections nested deeper than %d", TPL_MAX_NEST);
        if (!(nd = node_add(ps, kind == T_SECTION ? N_SECTION : N_INVERTED)))
            return perr(ps, line, "out of memory");
        if (parse_name(ps, nd, c, cn, 0, line) < 0)
            return -1;
        ps->open[ps->nopen].node = ps->nn - 1;
        ps->open[ps->nopen].name_off = (uint32_t)cs;
        ps->open[ps->nopen].name_len = (uint32_t)cn;
        ps->open[ps->nopen].line = line;
        ps->nopen++;
        return 0;
    case T_CLOSE: {
        if (cn == 0)
            return perr(ps, line, "empty name");
        if (ps->nopen == 0)
            return perr(ps, line, "closing tag '%.*s' without an open section", q, c);
        const struct open_section *os = &ps->open[ps->nopen - 1];
        if (os->name_len != cn || memcmp(ps->src + os->name_off, c, cn) != 0) {
            int oq = (int)(os->name_len < ERR_NAME_MAX ? os->name_len : ERR_NAME_MAX);
            return perr(ps, line, "mismatched closing tag '%.*s', expected '%.*s' (line %u)", q, c,
                        oq, ps->src + os->name_off, os->line);
        }
        ps->nodes[os->node].b = ps->nn;
        ps->nopen--;
        ps->last_text = NO_TARGET;
        return 0;
    }
    case T_PARTIAL: {
        if (cn == 0)
            return perr(ps, line, "empty name");
        for (size_t i = 0; i < cn; i++)
            if ((unsigned char)c[i] <= 0x20 || c[i] == '{' || c[i] == '}')
                return perr(ps, line, "bad character in partial name '%.*s'", q, c);
        uint32_t off;
        if (!(nd = node_add(ps, N_PARTIAL)) || pool_add(ps, c, cn, 1, &off) < 0)
            return perr(ps, line, "out of memory");
        nd->a = off;
        nd->b = line;
        return 0;
    }
    }
    return 0;
}

static int parse(struct parser *ps)
{
    const char *s = ps->src;
    size_t len = ps->len, pos = 0;

    while (pos < len) {
        const char *hit = memmem(s + pos, len - pos, "{{", 2);
        if (!hit) {
            if (emit_text(ps, pos, len, line_of(ps, pos)) < 0)
                return -1;
            break;
        }
        size_t o = (size_t)(hit - s);
        unsigned line = line_of(ps, o);
        size_t p = o + 2;
        int kind = T_VAR;
        if (p < len) {
            switch (s[p]) {
            case '!':
                kind = T_COMMENT;
                break;
            case '{':
                kind = T_RAW3;
                break;
            case '&':
                kind = T_RAW;
                break;
            case '#':
                kind = T_SECTION;
                break;
            case '^':
                kind = T_INVERTED;
                break;
            case '/':
                kind = T_CLOSE;
                break;
            case '>':
                kind = T_PARTIAL;
                break;
            default:
                break;
            }
            if (kind != T_VAR)
                p++;
        }
        const char *close = memmem(s + p, len - p, "}}", 2);
        if (!close)
            return perr(ps, line, "unterminated tag");
        size_t q = (size_t)(close - s), e = q + 2;
        if (kind == T_RAW3) {
            if (e >= len || s[e] != '}')
                return perr(ps, line, "unterminated tag: expected '}}}'");
            e++;
        }
        size_t cs = p, ce = q;
        while (cs < ce && is_space(s[cs]))
            cs++;
        while (ce > cs && is_space(s[ce - 1]))
            ce--;

        size_t text_end = o, next = e, ls, after;
        if (kind >= T_SECTION && standalone(ps, pos, o, e, &ls, &after)) {
            text_end = ls;
            next = after;
        }
        if (emit_text(ps, pos, text_end, line) < 0)
            return -1;
        if (handle_tag(ps, kind, cs, ce - cs, line) < 0)
            return -1;
        pos = next;
    }
    if (ps->nopen > 0) {
        const struct open_section *os = &ps->open[ps->nopen - 1];
        int q = (int)(os->name_len < ERR_NAME_MAX ? os->name_len : ERR_NAME_MAX);
        return perr(ps, os->line, "unclosed section '%.*s'", q, s + os->name_off);
    }
    return 0;
}

int tpl_set_add(struct tpl_set *set, const char *name, const char *src, size_t len, char *err,
                size_t errlen)
{
    struct parser ps;
    memset(&ps, 0, sizeof ps);
    ps.name = name ? name : "(null)";
    ps.src = src ? src : "";
    ps.len = src ? len : 0;
    ps.err = err;
    ps.errlen = errlen;
    ps.line_at = 1;
    ps.last_text = NO_TARGET;
    if (err && errlen)
        err[0] = 0;

    if (!set || !name)
        return perr(&ps, 1, "no set or no name");
    size_t at;
    if (set_find(set, name, &at))
        return perr(&ps, 1, "duplicate template name");
    if (ps.len >= TPL_MAX_SRC)
        return perr(&ps, 1, "template too large");

    struct tpl *t = NULL;
    if (parse(&ps) < 0)
        goto fail;
    if (set->n == set->cap) {
        size_t ncap = set->cap ? set->cap * 2 : 16;
        struct tpl **v = realloc(set->v, ncap * sizeof *v);
        if (!v) {
            perr(&ps, 1, "out of memory");
            goto fail;
        }
        set->v = v;
        set->cap = ncap;
    }
    t = calloc(1, sizeof *t);
    if (!t || !(t->name = strdup(name))) {
        perr(&ps, 1, "out of memory");
        goto fail;
    }
    t->nodes = ps.nodes;
    t->nnodes = ps.nn;
    t->segs = ps.segs;
    t->pool = ps.pool;
    memmove(set->v + at + 1, set->v + at, (set->n - at) * sizeof *set->v);
    set->v[at] = t;
    set->n++;
    set->linked = 0;
    return 0;

fail:
    tpl_free(t);
    free(ps.nodes);
    free(ps.segs);
    free(ps.pool);
    return -1;
}

int tpl_set_link(struct tpl_set *set, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (!set)
        return -1;
    for (size_t i = 0; i < set->n; i++) {
        struct tpl *t = set->v[i];
        for (uint32_t k = 0; k < t->nnodes; k++) {
            struct node *nd = &t->nodes[k];
            if (nd->kind != N_PARTIAL)
                continue;
            const char *pname = t->pool + nd->a;
            size_t at;
            if (!set_find(set, pname, &at)) {
                if (err && errlen)
                    snprintf(err, errlen, "%s:%u: no template for partial '%.*s'", t->name,
                             (unsigned)nd->b, ERR_NAME_MAX, pname);
                set->linked = 0;
                return -1;
            }
            nd->c = (uint32_t)at;
        }
    }
    set->linked = 1;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Rendering                                                                 */

/* One entry of the context stack; frames live in render()'s C stack frames. */
struct frame {
    json_t *v;
    const struct frame *up;
};

struct render_ctx {
    const struct tpl_set *set;
    struct buf *out;
};

/* Resolve a value node's name against the context stack; NULL if missing. */
static json_t *lookup(const struct tpl *t, const struct node *nd, const struct frame *f)
{
    if (nd->nseg == 0)
        return f->v;
    const struct seg *sg = &t->segs[nd->a];
    const char *key = t->pool + sg->off;
    json_t *v = NULL;
    for (; f; f = f->up)
        if (json_is_object(f->v) && (v = json_object_getn(f->v, key, sg->len)))
            break;
    for (unsigned i = 1; v && i < nd->nseg; i++) {
        if (!json_is_object(v))
            return NULL;
        v = json_object_getn(v, t->pool + sg[i].off, sg[i].len);
    }
    return v;
}

static int truthy(const json_t *v)
{
    if (!v)
        return 0;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return 1;
    case JSON_ARRAY:
        return json_array_size(v) > 0;
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) != 0.0;
    case JSON_TRUE:
        return 1;
    default:
        return 0;
    }
}

static void put_value(struct buf *out, const json_t *v, int escape)
{
    char tmp[64];
    int n;
    if (!v)
        return;
    switch (json_typeof(v)) {
    case JSON_STRING:
        if (escape)
            buf_html(out, json_string_value(v), json_string_length(v));
        else
            buf_append(out, json_string_value(v), json_string_length(v));
        return;
    case JSON_INTEGER:
        n = snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        n = snprintf(tmp, sizeof tmp, "%g", json_real_value(v));
        break;
    case JSON_TRUE:
        buf_append(out, "true", 4);
        return;
    default:
        return;
    }
    if (n > 0 && (size_t)n < sizeof tmp)
        buf_append(out, tmp, (size_t)n);
}

/* The template a partial node names, or NULL. */
static const struct tpl *partial_target(const struct tpl_set *set, const struct tpl *t,
                                        const struct node *nd)
{
    size_t at;
    if (set->linked) {
        /* tpl_set_link resolved every partial; tpl_set_add unlinks the set. */
        CHECK(nd->c < set->n);
        return set->v[nd->c];
    }
    if (set_find(set, t->pool + nd->a, &at))
        return set->v[at];
    return NULL;
}

/* Render nodes [i, end) of t with context f; 0 or -1. */
static int render(const struct render_ctx *rc, const struct tpl *t, uint32_t i, uint32_t end,
                  const struct frame *f, unsigned pdepth)
{
    CHECK(end <= t->nnodes);
    while (i < end) {
        const struct node *nd = &t->nodes[i];
        /* Pre-order: a section's body ends after the section, within its parent's body. */
        CHECK((nd->kind != N_SECTION && nd->kind != N_INVERTED) || (nd->b > i && nd->b <= end));
        if (rc->out->oom)
            return -1;
        switch (nd->kind) {
        case N_TEXT:
            buf_append(rc->out, t->pool + nd->a, nd->b);
            i++;
            break;
        case N_VAR:
        case N_RAW:
            put_value(rc->out, lookup(t, nd, f), nd->kind == N_VAR);
            i++;
            break;
        case N_SECTION: {
            json_t *v = lookup(t, nd, f);
            if (truthy(v)) {
                struct frame fr = {v, f};
                if (json_is_array(v)) {
                    size_t n = json_array_size(v);
                    for (size_t k = 0; k < n; k++) {
                        fr.v = json_array_get(v, k);
                        if (render(rc, t, i + 1, nd->b, &fr, pdepth) < 0)
                            return -1;
                    }
                } else if (render(rc, t, i + 1, nd->b, &fr, pdepth) < 0) {
                    return -1;
                }
            }
            i = nd->b;
            break;
        }
        case N_INVERTED:
            if (!truthy(lookup(t, nd, f)) && render(rc, t, i + 1, nd->b, f, pdepth) < 0)
                return -1;
            i = nd->b;
            break;
        case N_PARTIAL: {
            const struct tpl *p = partial_target(rc->set, t, nd);
            if (!p || pdepth >= TPL_MAX_PARTIAL_DEPTH)
                return -1;
            if (render(rc, p, 0, p->nnodes, f, pdepth + 1) < 0)
                return -1;
            i++;
            break;
        }
        default:
            return -1;
        }
    }
    return rc->out->oom ? -1 : 0;
}

int tpl_render(const struct tpl_set *set, const char *name, json_t *model, struct buf *out)
{
    size_t at;
    if (!set || !name || !out || !set_find(set, name, &at))
        return -1;
    const struct tpl *t = set->v[at];
    struct render_ctx rc = {set, out};
    struct frame top = {model, NULL};
    size_t start = out->len;
    if (render(&rc, t, 0, t->nnodes, &top, 0) == 0)
        return 0;
    /* Drop the partial page so that a failure never emits half a document. */
    if (out->p && out->len > start) {
        out->len = start;
        out->p[start] = 0;
    }
    return -1;
}
