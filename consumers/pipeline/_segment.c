/* The DOM walk of consumers/pipeline/html_blocks.py's _BlockBuilder in C: which elements are
 * block frames, their parents, depths and serials, their text (whole for a leaf, cut into runs
 * around block descendants otherwise), the link characters of each, and the order in which
 * _BlockBuilder emits them (deferred runs included). Python keeps the props (hint regexes,
 * hidden), the tag paths and enclosing serials, and the Block values.
 *
 * It reads lexbor's DOM directly, through the node address selectolax gives (LexborNode.mem_id).
 * The struct layouts and constants below are copied from lexbor 3.1.0 as bundled in selectolax
 * 1.0.2 (the header each comes from is named); they are right only for that build, so
 * html_blocks.py uses this walk only with selectolax 1.0.2 and after checking at import that it
 * gives the Python walk's blocks on a built-in document.
 *
 * The walk is iterative (its stack of open elements is on the heap: pages nest 100,000 levels
 * deep), never reads a string past its length, and returns a reason (a str) instead of a result
 * for anything it does not model exactly, so that Python walks that page instead:
 *   - a node that is not an element, text, comment or childless processing instruction, or one
 *     whose tag id contradicts its type;
 *   - an element outside the HTML namespace, or with a qualified name of its own (foreign
 *     content: selectolax would report that name as its tag);
 *   - an <html> or <body> element inside the walked root (a block tag to the Python walk's run
 *     cutting, but not one of its frames);
 *   - <a> elements nested more than MAX_NESTED_ANCHORS deep (each one's text is measured);
 *   - text that is not valid UTF-8 (selectolax decodes each piece with "replace").
 * None of these are on the 2,348 dev pages; the fallback keeps the walk identical on any tree.
 *
 * Text and link characters follow the Python walk exactly:
 *   - a leaf frame (no block descendants) has node.text(): every text node below it; its link
 *     characters are, per <a> below it, len(anchor.text().strip());
 *   - a frame with block descendants (and the root, always) has runs: its own text cut where
 *     each block descendant starts; a non-block child counts whole (one piece), except one
 *     holding block elements ("wrapping"), whose children are pieces in turn; link characters
 *     are len(piece.strip()) for a piece that is an <a> or lies inside a wrapping <a>;
 *   - _BlockBuilder inserts " " before each <br>: here a <br> adds " " to the text where that
 *     node would be (the DOM is not changed).
 * Lengths and stripping are in code points with Python's whitespace (Py_UNICODE_ISSPACE). The
 * text handed back is normalised as _BlockBuilder._emit does (soft hyphens, zero-width spaces and
 * byte-order marks dropped, whitespace runs collapsed to one space, ends stripped); a text that
 * comes out empty is not handed back (_emit drops it), and link characters come capped at its
 * length. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * lexbor 3.1.0 (selectolax 1.0.2's bundled source, lexbor/source/lexbor/...)
 * ------------------------------------------------------------------------------------------- */

/* core/types.h */
typedef unsigned char lxb_char_t;

/* core/str.h */
typedef struct {
    lxb_char_t *data;
    size_t length;
} lexbor_str_t;

/* core/hash.h: LEXBOR_HASH_SHORT_SIZE, struct lexbor_hash_entry, lexbor_hash_entry_str() */
#define LEXBOR_HASH_SHORT_SIZE 16
typedef struct lexbor_hash_entry lexbor_hash_entry_t;
struct lexbor_hash_entry {
    union {
        lxb_char_t *long_str;
        lxb_char_t short_str[LEXBOR_HASH_SHORT_SIZE + 1];
    } u;
    size_t length;
    lexbor_hash_entry_t *next;
};

/* dom/interfaces/attr.h: lxb_dom_attr_data_t, the entry a dynamic attribute id points to
 * (attr_id >= LXB_DOM_ATTR__LAST_ENTRY is the entry's address, see lxb_dom_attr_data_by_id) */
typedef struct {
    lexbor_hash_entry_t entry;
    uintptr_t attr_id;
    size_t ref_count;
    bool read_only;
} lxb_dom_attr_data_t;

/* dom/interfaces/node.h: lxb_dom_node_type_t */
typedef enum {
    LXB_DOM_NODE_TYPE_UNDEF = 0x00,
    LXB_DOM_NODE_TYPE_ELEMENT = 0x01,
    LXB_DOM_NODE_TYPE_ATTRIBUTE = 0x02,
    LXB_DOM_NODE_TYPE_TEXT = 0x03,
    LXB_DOM_NODE_TYPE_CDATA_SECTION = 0x04,
    LXB_DOM_NODE_TYPE_ENTITY_REFERENCE = 0x05,
    LXB_DOM_NODE_TYPE_ENTITY = 0x06,
    LXB_DOM_NODE_TYPE_PROCESSING_INSTRUCTION = 0x07,
    LXB_DOM_NODE_TYPE_COMMENT = 0x08,
    LXB_DOM_NODE_TYPE_DOCUMENT = 0x09,
    LXB_DOM_NODE_TYPE_DOCUMENT_TYPE = 0x0A,
    LXB_DOM_NODE_TYPE_DOCUMENT_FRAGMENT = 0x0B,
    LXB_DOM_NODE_TYPE_NOTATION = 0x0C,
    LXB_DOM_NODE_TYPE_CHARACTER_DATA,
    LXB_DOM_NODE_TYPE_SHADOW_ROOT,
    LXB_DOM_NODE_TYPE_LAST_ENTRY
} lxb_dom_node_type_t;

/* dom/interfaces/node.h: struct lxb_dom_node (LXB_DOM_NODE_USER_VARIABLES is not defined in
 * selectolax's build); its first member, lxb_dom_event_target_t (dom/interfaces/event_target.h),
 * is one pointer */
typedef struct lxb_dom_node lxb_dom_node_t;
struct lxb_dom_node {
    void *events;
    uintptr_t local_name;
    uintptr_t prefix;
    uintptr_t ns;
    void *owner_document;
    lxb_dom_node_t *next;
    lxb_dom_node_t *prev;
    lxb_dom_node_t *parent;
    lxb_dom_node_t *first_child;
    lxb_dom_node_t *last_child;
    void *user;
    lxb_dom_node_type_t type;
};

/* dom/interfaces/attr.h: struct lxb_dom_attr */
typedef struct lxb_dom_attr lxb_dom_attr_t;
struct lxb_dom_attr {
    lxb_dom_node_t node;
    uintptr_t upper_name;
    uintptr_t qualified_name;
    lexbor_str_t *value;
    void *owner;
    lxb_dom_attr_t *next;
    lxb_dom_attr_t *prev;
};

/* dom/interfaces/element.h: struct lxb_dom_element, up to first_attr (the members after it are
 * never read, and no array of elements is indexed) */
typedef struct {
    lxb_dom_node_t node;
    uintptr_t upper_name;
    uintptr_t qualified_name;
    lexbor_str_t *is_value;
    lxb_dom_attr_t *first_attr;
} lxb_dom_element_t;

/* dom/interfaces/character_data.h: struct lxb_dom_character_data (a text node,
 * dom/interfaces/text.h, begins with one) */
typedef struct {
    lxb_dom_node_t node;
    lexbor_str_t data;
} lxb_dom_character_data_t;

/* ns/const.h */
#define LXB_NS_HTML 0x02

/* dom/interfaces/attr_const.h */
#define LXB_DOM_ATTR_CLASS 0x000b
#define LXB_DOM_ATTR_ID 0x0021
#define LXB_DOM_ATTR_STYLE 0x003e
#define LXB_DOM_ATTR__LAST_ENTRY 0x0049

/* tag/const.h */
#define LXB_TAG__TEXT 0x0002
#define LXB_TAG__EM_COMMENT 0x0004
#define LXB_TAG__BEGIN 0x0007 /* the first real tag */
#define LXB_TAG_A 0x0007
#define LXB_TAG_ADDRESS 0x000a
#define LXB_TAG_ARTICLE 0x0014
#define LXB_TAG_ASIDE 0x0015
#define LXB_TAG_BLOCKQUOTE 0x001f
#define LXB_TAG_BODY 0x0020
#define LXB_TAG_BR 0x0021
#define LXB_TAG_CAPTION 0x0024
#define LXB_TAG_CENTER 0x0025
#define LXB_TAG_DD 0x002d
#define LXB_TAG_DETAILS 0x0030
#define LXB_TAG_DIV 0x0034
#define LXB_TAG_DL 0x0035
#define LXB_TAG_DT 0x0036
#define LXB_TAG_FIELDSET 0x0052
#define LXB_TAG_FIGCAPTION 0x0053
#define LXB_TAG_FIGURE 0x0054
#define LXB_TAG_FOOTER 0x0056
#define LXB_TAG_FORM 0x0058
#define LXB_TAG_H1 0x005c
#define LXB_TAG_H2 0x005d
#define LXB_TAG_H3 0x005e
#define LXB_TAG_H4 0x005f
#define LXB_TAG_H5 0x0060
#define LXB_TAG_H6 0x0061
#define LXB_TAG_HEADER 0x0063
#define LXB_TAG_HR 0x0065
#define LXB_TAG_HTML 0x0066
#define LXB_TAG_LABEL 0x0070
#define LXB_TAG_LEGEND 0x0071
#define LXB_TAG_LI 0x0072
#define LXB_TAG_MAIN 0x0076
#define LXB_TAG_NAV 0x0087
#define LXB_TAG_OL 0x008e
#define LXB_TAG_P 0x0092
#define LXB_TAG_PRE 0x0097
#define LXB_TAG_SECTION 0x00a4
#define LXB_TAG_SUMMARY 0x00b0
#define LXB_TAG_TABLE 0x00b3
#define LXB_TAG_TBODY 0x00b4
#define LXB_TAG_TD 0x00b5
#define LXB_TAG_TFOOT 0x00b9
#define LXB_TAG_TH 0x00ba
#define LXB_TAG_THEAD 0x00bb
#define LXB_TAG_TR 0x00be
#define LXB_TAG_UL 0x00c2
#define LXB_TAG__LAST_ENTRY 0x00c7

/* ---------------------------------------------------------------------------------------------
 * Block tags: html_blocks._BLOCK_TAGS less html and body (the frames: _BLOCK_SELECTOR)
 * ------------------------------------------------------------------------------------------- */

static const struct {
    uintptr_t id;
    const char *name;
} BLOCK_TAGS[] = {
    {LXB_TAG_P, "p"}, {LXB_TAG_DIV, "div"}, {LXB_TAG_SECTION, "section"}, {LXB_TAG_ARTICLE, "article"},
    {LXB_TAG_TD, "td"}, {LXB_TAG_TH, "th"}, {LXB_TAG_LI, "li"}, {LXB_TAG_DD, "dd"}, {LXB_TAG_DT, "dt"},
    {LXB_TAG_BLOCKQUOTE, "blockquote"}, {LXB_TAG_PRE, "pre"}, {LXB_TAG_FIGCAPTION, "figcaption"},
    {LXB_TAG_CAPTION, "caption"}, {LXB_TAG_H1, "h1"}, {LXB_TAG_H2, "h2"}, {LXB_TAG_H3, "h3"},
    {LXB_TAG_H4, "h4"}, {LXB_TAG_H5, "h5"}, {LXB_TAG_H6, "h6"}, {LXB_TAG_HEADER, "header"},
    {LXB_TAG_FOOTER, "footer"}, {LXB_TAG_NAV, "nav"}, {LXB_TAG_ASIDE, "aside"}, {LXB_TAG_MAIN, "main"},
    {LXB_TAG_UL, "ul"}, {LXB_TAG_OL, "ol"}, {LXB_TAG_TABLE, "table"}, {LXB_TAG_TR, "tr"},
    {LXB_TAG_TBODY, "tbody"}, {LXB_TAG_THEAD, "thead"}, {LXB_TAG_TFOOT, "tfoot"}, {LXB_TAG_DL, "dl"},
    {LXB_TAG_ADDRESS, "address"}, {LXB_TAG_FIGURE, "figure"}, {LXB_TAG_FORM, "form"},
    {LXB_TAG_FIELDSET, "fieldset"}, {LXB_TAG_DETAILS, "details"}, {LXB_TAG_SUMMARY, "summary"},
    {LXB_TAG_CENTER, "center"}, {LXB_TAG_HR, "hr"}, {LXB_TAG_LABEL, "label"}, {LXB_TAG_LEGEND, "legend"},
};
#define N_BLOCK_TAGS ((int) (sizeof(BLOCK_TAGS) / sizeof(BLOCK_TAGS[0])))

static signed char block_index[LXB_TAG__LAST_ENTRY]; /* static tag id -> BLOCK_TAGS index, or -1 */
static PyObject *block_names[N_BLOCK_TAGS];         /* their names as str */
static PyObject *body_name;                         /* "body", the root frame's tag */

/* The attribute names html_blocks._element_props reads. */
enum { A_OTHER, A_CLASS, A_ID, A_ROLE, A_ITEMPROP, A_HIDDEN, A_ARIA_HIDDEN, A_STYLE, A_COUNT };
static const char *const ATTR_NAMES[A_COUNT] = {
    NULL, "class", "id", "role", "itemprop", "hidden", "aria-hidden", "style"};
static PyObject *attr_names[A_COUNT];

/* Each <a> counts its own text (stripped again per anchor): nested deeper than this, a page is
 * left to the Python walk (which reads the text of each anchor as well). */
#define MAX_NESTED_ANCHORS 8

/* What the walk returns instead of a result. */
#define TOO_MANY_NODES 1
#define TOO_DEEP 2

/* ---------------------------------------------------------------------------------------------
 * Walk state
 * ------------------------------------------------------------------------------------------- */

typedef struct {
    const lxb_dom_node_t *node;
    Py_ssize_t parent;     /* serial of the enclosing frame (-1 for the root) */
    Py_ssize_t end;        /* serial of the last frame inside it */
    Py_ssize_t first_run;  /* its runs, linked through Run.next */
    Py_ssize_t last_run;   /* the one being filled */
    Py_ssize_t leaf_links; /* link characters of the anchors whose nearest frame it is */
    int tag;               /* BLOCK_TAGS index (-1 for the root) */
    int has_frames;        /* a frame inside it: not a leaf */
} Frame;

typedef struct {
    size_t start, end;  /* in the text stream */
    Py_ssize_t links;   /* link characters (run semantics) */
    Py_ssize_t after;   /* the frame it follows; -1 for a frame's first run */
    Py_ssize_t next;    /* the frame's next run, -1 at the last */
} Run;

typedef struct {
    const lxb_dom_node_t *node;
    Py_ssize_t frame;    /* its serial if it is a frame, else -1 */
    Py_ssize_t owner;    /* the nearest frame at or above it */
    size_t start;        /* where its text begins in the stream */
    Py_ssize_t depth;    /* levels below the root */
    Py_ssize_t pending;  /* link characters of its pieces, counted once it proves wrapping */
    char wrapping;       /* holds a frame (non-frames only) */
    char in_link;        /* it or an enclosing non-frame below its owner is an <a> */
    char is_a;
} Open;

typedef struct {
    lxb_char_t *text;  /* every text node under the root in document order, " " for each <br> */
    size_t text_len, text_cap;
    Frame *frames;
    size_t n_frames, frames_cap;
    Run *runs;
    size_t n_runs, runs_cap;
    Open *open;
    size_t n_open, open_cap;
    int open_anchors;
    int too_deep;
    const char *bail; /* why Python must walk this page instead */
} State;

static int grow(void **buf, size_t *cap, size_t need, size_t item) {
    if (need <= *cap)
        return 0;
    size_t cap2 = *cap ? *cap : 64;
    while (cap2 < need) {
        if (cap2 > ((size_t) PY_SSIZE_T_MAX) / 2 / item)
            return -1;
        cap2 *= 2;
    }
    void *grown = PyMem_Realloc(*buf, cap2 * item);
    if (grown == NULL)
        return -1;
    *buf = grown;
    *cap = cap2;
    return 0;
}

static void state_free(State *s) {
    PyMem_Free(s->text);
    PyMem_Free(s->frames);
    PyMem_Free(s->runs);
    PyMem_Free(s->open);
}

static int append_text(State *s, const lxb_char_t *data, size_t len) {
    if (len == 0)
        return 0;
    if (len > ((size_t) PY_SSIZE_T_MAX) - s->text_len ||
        grow((void **) &s->text, &s->text_cap, s->text_len + len, 1) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(s->text + s->text_len, data, len);
    s->text_len += len;
    return 0;
}

static Py_ssize_t new_run(State *s, Py_ssize_t frame, Py_ssize_t after) {
    if (grow((void **) &s->runs, &s->runs_cap, s->n_runs + 1, sizeof(Run)) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t r = (Py_ssize_t) s->n_runs++;
    s->runs[r].start = s->runs[r].end = s->text_len;
    s->runs[r].links = 0;
    s->runs[r].after = after;
    s->runs[r].next = -1;
    Frame *f = &s->frames[frame];
    if (f->first_run < 0)
        f->first_run = r;
    else
        s->runs[f->last_run].next = r;
    f->last_run = r;
    return r;
}

/* ---------------------------------------------------------------------------------------------
 * Code points of the stream: len(piece.strip()) without making the str
 * ------------------------------------------------------------------------------------------- */

/* The code point starting at text[i] (i < end) and its length in bytes. Malformed input gives
 * some value and a length of at least 1 (such text fails the strict decoding later and the
 * page goes to the Python walk). */
static Py_UCS4 decode_at(const lxb_char_t *text, size_t i, size_t end, size_t *len) {
    lxb_char_t b = text[i];
    size_t n = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
    if (n > end - i)
        n = 1;
    Py_UCS4 c = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
    for (size_t k = 1; k < n; k++)
        c = (c << 6) | (text[i + k] & 0x3F);
    *len = n;
    return c;
}

static Py_ssize_t stripped_length(const State *s, size_t start, size_t end) {
    const lxb_char_t *t = s->text;
    size_t i = start, len;
    while (i < end) {
        Py_UCS4 c = decode_at(t, i, end, &len);
        if (!Py_UNICODE_ISSPACE(c))
            break;
        i += len;
    }
    if (i >= end)
        return 0;
    size_t j = end;
    while (j > i) {
        size_t k = j - 1;
        while (k > i && (t[k] & 0xC0) == 0x80 && j - k < 4)
            k--;
        Py_UCS4 c = decode_at(t, k, j, &len);
        if (!Py_UNICODE_ISSPACE(c))
            break;
        j = k;
    }
    Py_ssize_t chars = 0;
    for (size_t k = i; k < j; k++)
        chars += (t[k] & 0xC0) != 0x80;
    return chars;
}

/* ---------------------------------------------------------------------------------------------
 * The walk
 * ------------------------------------------------------------------------------------------- */

/* A piece's link characters go to the owner's current run, or wait in a non-frame that has not
 * yet shown it holds a frame (if it never does, it is one piece of its parent instead). */
static void add_piece(State *s, Open *holder, Py_ssize_t chars) {
    if (chars == 0)
        return;
    if (holder->frame >= 0 || holder->wrapping)
        s->runs[s->frames[holder->owner].last_run].links += chars;
    else
        holder->pending += chars;
}

static int push_open(State *s, const lxb_dom_node_t *node, Py_ssize_t frame, Py_ssize_t owner,
                     Py_ssize_t depth, int is_a, int in_link) {
    if (grow((void **) &s->open, &s->open_cap, s->n_open + 1, sizeof(Open)) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    Open *o = &s->open[s->n_open++];
    o->node = node;
    o->frame = frame;
    o->owner = owner;
    o->start = s->text_len;
    o->depth = depth;
    o->pending = 0;
    o->wrapping = 0;
    o->in_link = (char) in_link;
    o->is_a = (char) is_a;
    return 0;
}

/* 0, -1 on a Python error, TOO_MANY_NODES; s->bail set for a tree Python must walk. */
static int open_element(State *s, const lxb_dom_node_t *node, Py_ssize_t max_nodes, Py_ssize_t max_depth) {
    const lxb_dom_element_t *el = (const lxb_dom_element_t *) node;
    if (node->ns != LXB_NS_HTML || el->qualified_name != 0) {
        s->bail = "an element outside the HTML namespace or with its own qualified name";
        return 0;
    }
    uintptr_t id = node->local_name;
    if (id < LXB_TAG__BEGIN) {
        s->bail = "an element with a node tag id";
        return 0;
    }
    if (id == LXB_TAG_HTML || id == LXB_TAG_BODY) {
        s->bail = "an html or body element inside the root";
        return 0;
    }
    Open *parent = &s->open[s->n_open - 1];
    Py_ssize_t depth = parent->depth + 1;
    int tag = id < LXB_TAG__LAST_ENTRY ? block_index[id] : -1;
    if (tag >= 0) {
        Py_ssize_t serial = (Py_ssize_t) s->n_frames;
        if (serial > max_nodes)
            return TOO_MANY_NODES;
        if (depth > max_depth)
            s->too_deep = 1;
        /* every non-frame between it and its owner holds a frame: their pending pieces count */
        for (size_t i = s->n_open; i-- > 0;) {
            Open *o = &s->open[i];
            if (o->frame >= 0 || o->wrapping)
                break;
            o->wrapping = 1;
            s->runs[s->frames[o->owner].last_run].links += o->pending;
            o->pending = 0;
        }
        Py_ssize_t owner = parent->owner;
        s->frames[owner].has_frames = 1;
        s->runs[s->frames[owner].last_run].end = s->text_len;
        if (grow((void **) &s->frames, &s->frames_cap, s->n_frames + 1, sizeof(Frame)) < 0) {
            PyErr_NoMemory();
            return -1;
        }
        Frame *f = &s->frames[s->n_frames++];
        f->node = node;
        f->parent = owner;
        f->end = serial;
        f->first_run = f->last_run = -1;
        f->leaf_links = 0;
        f->tag = tag;
        f->has_frames = 0;
        if (new_run(s, serial, -1) < 0)
            return -1;
        return push_open(s, node, serial, serial, depth, 0, 0);
    }
    int is_a = id == LXB_TAG_A;
    if (is_a) {
        if (s->open_anchors >= MAX_NESTED_ANCHORS) {
            s->bail = "a elements nested deeper than MAX_NESTED_ANCHORS";
            return 0;
        }
        s->open_anchors++;
    }
    if (id == LXB_TAG_BR && append_text(s, (const lxb_char_t *) " ", 1) < 0)
        return -1; /* the " " _BlockBuilder inserts before it: a piece without link characters */
    int in_link = is_a || (parent->frame < 0 && parent->in_link);
    return push_open(s, node, -1, parent->owner, depth, is_a, in_link);
}

static int close_element(State *s) {
    Open o = s->open[--s->n_open];
    size_t pos = s->text_len;
    if (o.frame >= 0) {
        Frame *f = &s->frames[o.frame];
        s->runs[f->last_run].end = pos;
        f->end = (Py_ssize_t) s->n_frames - 1;
        return new_run(s, f->parent, o.frame) < 0 ? -1 : 0;
    }
    if (o.is_a)
        s->open_anchors--;
    if (o.wrapping)
        return 0; /* its pieces counted themselves */
    Open *parent = &s->open[s->n_open - 1];
    Py_ssize_t chars = -1;
    if (o.is_a) {
        chars = stripped_length(s, o.start, pos);
        s->frames[o.owner].leaf_links += chars;
    }
    if (o.is_a || (parent->frame < 0 && parent->in_link)) {
        if (chars < 0)
            chars = stripped_length(s, o.start, pos);
        add_piece(s, parent, chars);
    }
    return 0;
}

static int on_text(State *s, const lxb_dom_node_t *node) {
    const lxb_dom_character_data_t *cd = (const lxb_dom_character_data_t *) node;
    const lxb_char_t *data = cd->data.data;
    size_t len = data != NULL ? cd->data.length : 0;
    if (len > 0 && (data[0] & 0xC0) == 0x80) {
        s->bail = "a text node starting inside a UTF-8 sequence";
        return 0;
    }
    size_t start = s->text_len;
    if (append_text(s, data, len) < 0)
        return -1;
    Open *holder = &s->open[s->n_open - 1];
    if (holder->in_link)
        add_piece(s, holder, stripped_length(s, start, s->text_len));
    return 0;
}

/* Phase 1: frames, runs and link characters. 0, -1 (Python error), TOO_MANY_NODES; s->bail. */
static int walk_tree(State *s, const lxb_dom_node_t *root, Py_ssize_t max_nodes, Py_ssize_t max_depth) {
    if (grow((void **) &s->frames, &s->frames_cap, 1, sizeof(Frame)) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    Frame *f = &s->frames[s->n_frames++];
    f->node = root;
    f->parent = -1;
    f->end = 0;
    f->first_run = f->last_run = -1;
    f->leaf_links = 0;
    f->tag = -1;
    f->has_frames = 0;
    if (new_run(s, 0, -1) < 0 || push_open(s, root, 0, 0, 0, 0, 0) < 0)
        return -1;
    const lxb_dom_node_t *node = root->first_child;
    while (node != NULL) {
        int status = 0;
        switch (node->type) {
        case LXB_DOM_NODE_TYPE_TEXT:
            if (node->local_name != LXB_TAG__TEXT)
                s->bail = "a text node with another tag id";
            else
                status = on_text(s, node);
            break;
        case LXB_DOM_NODE_TYPE_COMMENT:
            if (node->local_name != LXB_TAG__EM_COMMENT)
                s->bail = "a comment with another tag id";
            break;
        case LXB_DOM_NODE_TYPE_PROCESSING_INSTRUCTION: /* <?php ... ?>: no text to the Python walk */
            if (node->local_name == LXB_TAG__TEXT || node->first_child != NULL)
                s->bail = "a processing instruction with children or a text tag id";
            break;
        case LXB_DOM_NODE_TYPE_ELEMENT:
            status = open_element(s, node, max_nodes, max_depth);
            if (status == 0 && s->bail == NULL) {
                if (node->first_child != NULL) {
                    node = node->first_child;
                    continue;
                }
                status = close_element(s);
            }
            break;
        default:
            s->bail = "a node that is not an element, text or comment";
        }
        if (status != 0 || s->bail != NULL)
            return status;
        while (node->next == NULL) {
            node = node->parent;
            if (node == root)
                goto done;
            if (node == NULL || s->n_open < 2 || s->open[s->n_open - 1].node != node) {
                s->bail = "a tree whose parent links disagree with the walk";
                return 0;
            }
            if (close_element(s) < 0)
                return -1;
        }
        node = node->next;
    }
done:
    s->runs[s->frames[0].last_run].end = s->text_len;
    s->frames[0].end = (Py_ssize_t) s->n_frames - 1;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Text out: _emit's normalisation
 * ------------------------------------------------------------------------------------------- */

static inline int ascii_space(lxb_char_t b) {
    return b == ' ' || (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x1F);
}

static inline int invisible(Py_UCS4 c) {
    return c == 0xAD || c == 0x200B || c == 0xFEFF;
}

/* " ".join(raw.split()) of raw.translate(_INVISIBLE), from the stream bytes [start, end): a new
 * str, Py_None (new reference) when it is empty, NULL on error; s->bail on invalid UTF-8. */
static PyObject *block_text(State *s, size_t start, size_t end, void **scratch, size_t *scratch_cap) {
    const lxb_char_t *t = s->text + start;
    size_t n = end - start, k;
    for (k = 0; k < n && t[k] < 0x80; k++)
        ;
    if (k == n) { /* ASCII: on the bytes */
        if (grow(scratch, scratch_cap, n, 1) < 0)
            return PyErr_NoMemory();
        char *out = *scratch;
        size_t m = 0;
        int space = 0;
        for (k = 0; k < n; k++) {
            if (ascii_space(t[k])) {
                space = m > 0;
            } else {
                if (space)
                    out[m++] = ' ';
                space = 0;
                out[m++] = (char) t[k];
            }
        }
        if (m == 0)
            Py_RETURN_NONE;
        PyObject *str = PyUnicode_New((Py_ssize_t) m, 127);
        if (str != NULL)
            memcpy(PyUnicode_1BYTE_DATA(str), out, m);
        return str;
    }
    PyObject *raw = PyUnicode_DecodeUTF8((const char *) t, (Py_ssize_t) n, NULL);
    if (raw == NULL) {
        if (PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
            PyErr_Clear();
            s->bail = "text that is not valid UTF-8";
            Py_RETURN_NONE;
        }
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(raw);
    int kind = PyUnicode_KIND(raw);
    const void *data = PyUnicode_DATA(raw);
    /* the scratch's capacity counts bytes (the ASCII path above uses it too) */
    if (grow(scratch, scratch_cap, (size_t) length * sizeof(Py_UCS4), 1) < 0) {
        Py_DECREF(raw);
        return PyErr_NoMemory();
    }
    Py_UCS4 *out = *scratch;
    Py_ssize_t m = 0;
    int space = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (invisible(c))
            continue;
        if (Py_UNICODE_ISSPACE(c)) {
            space = m > 0;
        } else {
            if (space)
                out[m++] = ' ';
            space = 0;
            out[m++] = c;
        }
    }
    Py_DECREF(raw);
    if (m == 0)
        Py_RETURN_NONE;
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, m); /* the narrowest kind */
}

/* ---------------------------------------------------------------------------------------------
 * Phase 2: the emission order of _BlockBuilder.build
 * ------------------------------------------------------------------------------------------- */

typedef struct {
    Py_ssize_t after, owner, links;
    PyObject *text;
} Deferred;

typedef struct {
    State *s;
    PyObject *out;         /* list of (serial, text, link characters) */
    Deferred *stack;
    size_t n_stack, stack_cap;
    Py_ssize_t *later;     /* scratch: a frame's later runs */
    size_t later_cap;
    void *scratch;
    size_t scratch_cap;
} Emitter;

static int put(Emitter *e, Py_ssize_t serial, PyObject *text, Py_ssize_t links) {
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    PyObject *item = Py_BuildValue("(nOn)", serial, text, links < length ? links : length);
    if (item == NULL)
        return -1;
    int status = PyList_Append(e->out, item);
    Py_DECREF(item);
    return status;
}

/* Emit the text [start, end) for `serial` now. */
static int emit_now(Emitter *e, Py_ssize_t serial, size_t start, size_t end, Py_ssize_t links) {
    PyObject *text = block_text(e->s, start, end, &e->scratch, &e->scratch_cap);
    if (text == NULL)
        return -1;
    int status = text == Py_None ? 0 : put(e, serial, text, links);
    Py_DECREF(text);
    return status;
}

/* _emit_element / _emit_runs for one frame (the root: runs, always). */
static int emit_frame(Emitter *e, Py_ssize_t serial) {
    State *s = e->s;
    const Frame *f = &s->frames[serial];
    const Run *first = &s->runs[f->first_run];
    if (serial > 0 && !f->has_frames) /* a leaf: one run holds all its text */
        return emit_now(e, serial, first->start, first->end, f->leaf_links);
    if (emit_now(e, serial, first->start, first->end, first->links) < 0)
        return -1;
    size_t n_later = 0;
    for (Py_ssize_t r = first->next; r >= 0; r = s->runs[r].next) {
        if (grow((void **) &e->later, &e->later_cap, n_later + 1, sizeof(Py_ssize_t)) < 0) {
            PyErr_NoMemory();
            return -1;
        }
        e->later[n_later++] = r;
    }
    while (n_later-- > 0) { /* pushed last first: the next due on top */
        const Run *run = &s->runs[e->later[n_later]];
        PyObject *text = block_text(s, run->start, run->end, &e->scratch, &e->scratch_cap);
        if (text == NULL)
            return -1;
        if (text == Py_None) {
            Py_DECREF(text);
            continue;
        }
        if (grow((void **) &e->stack, &e->stack_cap, e->n_stack + 1, sizeof(Deferred)) < 0) {
            Py_DECREF(text);
            PyErr_NoMemory();
            return -1;
        }
        Deferred *d = &e->stack[e->n_stack++];
        d->after = run->after;
        d->owner = serial;
        d->links = run->links;
        d->text = text;
    }
    return 0;
}

static int pop_deferred(Emitter *e) {
    Deferred d = e->stack[--e->n_stack];
    int status = put(e, d.owner, d.text, d.links);
    Py_DECREF(d.text);
    return status;
}

static int emit_all(Emitter *e) {
    State *s = e->s;
    if (emit_frame(e, 0) < 0 || s->bail)
        return -1;
    for (Py_ssize_t k = 1; k < (Py_ssize_t) s->n_frames; k++) {
        while (e->n_stack > 0 && k > s->frames[e->stack[e->n_stack - 1].after].end)
            if (pop_deferred(e) < 0)
                return -1;
        if (emit_frame(e, k) < 0 || s->bail)
            return -1;
    }
    while (e->n_stack > 0)
        if (pop_deferred(e) < 0)
            return -1;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Frames out: tag, parent, and what _element_props reads of the attributes
 * ------------------------------------------------------------------------------------------- */

static int attr_kind(const lxb_dom_attr_t *attr, State *s) {
    uintptr_t id = attr->qualified_name != 0 ? attr->qualified_name : attr->node.local_name;
    if (id < LXB_DOM_ATTR__LAST_ENTRY)
        return id == LXB_DOM_ATTR_CLASS ? A_CLASS : id == LXB_DOM_ATTR_ID ? A_ID
             : id == LXB_DOM_ATTR_STYLE ? A_STYLE : A_OTHER;
    if (id == LXB_DOM_ATTR__LAST_ENTRY) {
        s->bail = "an attribute without a name";
        return A_OTHER;
    }
    const lxb_dom_attr_data_t *data = (const lxb_dom_attr_data_t *) id;
    size_t len = data->entry.length;
    const lxb_char_t *name = len <= LEXBOR_HASH_SHORT_SIZE ? data->entry.u.short_str : data->entry.u.long_str;
    if (name == NULL)
        return A_OTHER;
    for (int k = 1; k < A_COUNT; k++)
        if (strlen(ATTR_NAMES[k]) == len && memcmp(ATTR_NAMES[k], name, len) == 0)
            return k;
    return A_OTHER;
}

static PyObject *attr_value(const lxb_dom_attr_t *attr) {
    if (attr->value == NULL || attr->value->data == NULL)
        Py_RETURN_NONE; /* selectolax: None */
    return PyUnicode_DecodeUTF8((const char *) attr->value->data, (Py_ssize_t) attr->value->length, "replace");
}

/* None: no attribute _element_props reads; a str: the class list, the only one it reads (the
 * props are those of the class alone); else a dict of those attributes as node.attributes has
 * them. */
static PyObject *frame_key(const lxb_dom_node_t *node, State *s) {
    const lxb_dom_attr_t *attr, *last_class = NULL;
    int others = 0;
    for (attr = ((const lxb_dom_element_t *) node)->first_attr; attr != NULL; attr = attr->next) {
        int kind = attr_kind(attr, s);
        if (kind == A_CLASS)
            last_class = attr;
        else if (kind != A_OTHER)
            others = 1;
    }
    if (!others) {
        if (last_class == NULL)
            Py_RETURN_NONE;
        PyObject *value = attr_value(last_class);
        if (value == Py_None) {
            Py_DECREF(value);
            return PyUnicode_New(0, 0);
        }
        return value;
    }
    PyObject *dict = PyDict_New();
    if (dict == NULL)
        return NULL;
    for (attr = ((const lxb_dom_element_t *) node)->first_attr; attr != NULL; attr = attr->next) {
        int kind = attr_kind(attr, s);
        if (kind == A_OTHER)
            continue;
        PyObject *value = attr_value(attr);
        if (value == NULL || PyDict_SetItem(dict, attr_names[kind], value) < 0) {
            Py_XDECREF(value);
            Py_DECREF(dict);
            return NULL;
        }
        Py_DECREF(value);
    }
    return dict;
}

static PyObject *frames_out(State *s) {
    Py_ssize_t n = (Py_ssize_t) s->n_frames;
    PyObject *tags = PyList_New(n), *parents = PyList_New(n), *keys = PyList_New(n);
    if (tags == NULL || parents == NULL || keys == NULL)
        goto fail;
    for (Py_ssize_t k = 0; k < n; k++) {
        const Frame *f = &s->frames[k];
        PyObject *tag = k == 0 ? body_name : block_names[f->tag];
        Py_INCREF(tag);
        PyList_SET_ITEM(tags, k, tag);
        PyObject *parent = PyLong_FromSsize_t(f->parent);
        if (parent == NULL)
            goto fail;
        PyList_SET_ITEM(parents, k, parent);
        PyObject *key = k == 0 ? (Py_INCREF(Py_None), Py_None) : frame_key(f->node, s);
        if (key == NULL)
            goto fail;
        PyList_SET_ITEM(keys, k, key);
    }
    PyObject *result = PyTuple_Pack(3, tags, parents, keys);
    Py_DECREF(tags);
    Py_DECREF(parents);
    Py_DECREF(keys);
    return result;
fail:
    Py_XDECREF(tags);
    Py_XDECREF(parents);
    Py_XDECREF(keys);
    return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * walk(root_mem_id, max_dom_nodes, max_dom_depth)
 * ------------------------------------------------------------------------------------------- */

static PyObject *walk(PyObject *self, PyObject *args) {
    PyObject *address;
    Py_ssize_t max_nodes, max_depth;
    if (!PyArg_ParseTuple(args, "O!nn:walk", &PyLong_Type, &address, &max_nodes, &max_depth))
        return NULL;
    const lxb_dom_node_t *root = PyLong_AsVoidPtr(address);
    if (root == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "walk: no node");
        return NULL;
    }
    if (root->type != LXB_DOM_NODE_TYPE_ELEMENT || (root->local_name != LXB_TAG_BODY && root->local_name != LXB_TAG_HTML))
        return PyUnicode_FromString("a root that is not a body or html element");

    State s = {0};
    PyObject *result = NULL;
    int status = walk_tree(&s, root, max_nodes, max_depth);
    if (status < 0)
        goto done;
    if (s.bail != NULL) {
        result = PyUnicode_FromString(s.bail);
        goto done;
    }
    if (status == TOO_MANY_NODES || s.too_deep) {
        result = PyLong_FromLong(status == TOO_MANY_NODES ? TOO_MANY_NODES : TOO_DEEP);
        goto done;
    }
    Emitter e = {.s = &s, .out = PyList_New(0)};
    if (e.out == NULL)
        goto done;
    status = emit_all(&e);
    for (size_t k = 0; k < e.n_stack; k++)
        Py_DECREF(e.stack[k].text);
    PyMem_Free(e.stack);
    PyMem_Free(e.later);
    PyMem_Free(e.scratch);
    if (s.bail != NULL) {
        Py_DECREF(e.out);
        PyErr_Clear();
        result = PyUnicode_FromString(s.bail);
        goto done;
    }
    if (status < 0) {
        Py_DECREF(e.out);
        goto done;
    }
    PyObject *frames = frames_out(&s);
    if (frames == NULL || s.bail != NULL) {
        Py_DECREF(e.out);
        if (frames != NULL) {
            Py_DECREF(frames);
            result = PyUnicode_FromString(s.bail);
        }
        goto done;
    }
    result = Py_BuildValue("(OOON)", PyTuple_GET_ITEM(frames, 0), PyTuple_GET_ITEM(frames, 1),
                           PyTuple_GET_ITEM(frames, 2), e.out);
    Py_DECREF(frames);
done:
    state_free(&s);
    return result;
}

static PyMethodDef methods[] = {
    {"walk", walk, METH_VARARGS,
     "walk(root_mem_id, max_dom_nodes, max_dom_depth) -> (tags, parents, keys, candidates) | int | str.\n\n"
     "tags[k], parents[k], keys[k]: frame k (the serial of a block element; 0 is the root), its tag, its "
     "enclosing frame and what _element_props reads of its attributes (None, the class str, or a dict). "
     "candidates: (frame, normalised text, link characters) in _BlockBuilder's emission order. "
     "1: more block elements than max_dom_nodes; 2: a block element deeper than max_dom_depth. "
     "A str: why this tree is left to the Python walk."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_segment", NULL, -1, methods};

PyMODINIT_FUNC PyInit__segment(void) {
    memset(block_index, -1, sizeof(block_index));
    for (int k = 0; k < N_BLOCK_TAGS; k++) {
        block_index[BLOCK_TAGS[k].id] = (signed char) k;
        if ((block_names[k] = PyUnicode_InternFromString(BLOCK_TAGS[k].name)) == NULL)
            return NULL;
    }
    if ((body_name = PyUnicode_InternFromString("body")) == NULL)
        return NULL;
    for (int k = 1; k < A_COUNT; k++)
        if ((attr_names[k] = PyUnicode_InternFromString(ATTR_NAMES[k])) == NULL)
            return NULL;
    return PyModule_Create(&module);
}
