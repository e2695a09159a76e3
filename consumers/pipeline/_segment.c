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
static PyObject *hint_names[13];                    /* HINT_NAMES as str */
static PyObject *hint_bits;                         /* hint group name -> 1 << its index */
static PyObject *hint_sets[1u << 13];               /* frozenset of group names per mask, made once */

/* The attribute names html_blocks._element_props reads. */
enum { A_OTHER, A_CLASS, A_ID, A_ROLE, A_ITEMPROP, A_HIDDEN, A_ARIA_HIDDEN, A_STYLE, A_COUNT };
static const char *const ATTR_NAMES[A_COUNT] = {
    NULL, "class", "id", "role", "itemprop", "hidden", "aria-hidden", "style"};
static size_t attr_name_length[A_COUNT];

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
    /* _Frame.props, .path and .containers, worked out when a block of it or of a frame inside
     * it is emitted */
    int props_known;
    int hidden, boiler, main;
    unsigned hints;        /* a bit per HINT_GROUPS entry */
    PyObject *path;        /* str */
    PyObject *containers;  /* tuple of int */
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
    PyObject *deadline;  /* its check() every 1024 block elements, as _BlockBuilder's loops */
    const char *bail; /* why Python must walk this page instead */
} State;

/* 0, or -1 with MemoryError set */
static int grow(void **buf, size_t *cap, size_t need, size_t item) {
    if (need <= *cap)
        return 0;
    size_t cap2 = *cap ? *cap : 64;
    while (cap2 < need) {
        if (cap2 > ((size_t) PY_SSIZE_T_MAX) / 2 / item) {
            PyErr_NoMemory();
            return -1;
        }
        cap2 *= 2;
    }
    void *grown = PyMem_Realloc(*buf, cap2 * item);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *buf = grown;
    *cap = cap2;
    return 0;
}

static void state_free(State *s) {
    for (size_t k = 0; k < s->n_frames; k++) {
        Py_XDECREF(s->frames[k].path);
        Py_XDECREF(s->frames[k].containers);
    }
    PyMem_Free(s->text);
    PyMem_Free(s->frames);
    PyMem_Free(s->runs);
    PyMem_Free(s->open);
}

static int append_text(State *s, const lxb_char_t *data, size_t len) {
    if (len == 0)
        return 0;
    if (len > ((size_t) PY_SSIZE_T_MAX) - s->text_len) {
        PyErr_NoMemory();
        return -1;
    }
    if (grow((void **) &s->text, &s->text_cap, s->text_len + len, 1) < 0)
        return -1;
    memcpy(s->text + s->text_len, data, len);
    s->text_len += len;
    return 0;
}

static void init_frame(Frame *f, const lxb_dom_node_t *node, Py_ssize_t parent, Py_ssize_t serial, int tag) {
    memset(f, 0, sizeof(*f));
    f->node = node;
    f->parent = parent;
    f->end = serial;
    f->first_run = f->last_run = -1;
    f->tag = tag;
}

static int check_deadline(State *s) {
    PyObject *ok = PyObject_CallMethod(s->deadline, "check", NULL);
    Py_XDECREF(ok);
    return ok == NULL ? -1 : 0;
}

static Py_ssize_t new_run(State *s, Py_ssize_t frame, Py_ssize_t after) {
    if (grow((void **) &s->runs, &s->runs_cap, s->n_runs + 1, sizeof(Run)) < 0)
        return -1;
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
    if (grow((void **) &s->open, &s->open_cap, s->n_open + 1, sizeof(Open)) < 0)
        return -1;
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
        if ((serial & 1023) == 1023 && check_deadline(s) < 0)
            return -1;
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
        if (grow((void **) &s->frames, &s->frames_cap, s->n_frames + 1, sizeof(Frame)) < 0)
            return -1;
        Frame *f = &s->frames[s->n_frames++];
        init_frame(f, node, owner, serial, tag);
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
    if (grow((void **) &s->frames, &s->frames_cap, 1, sizeof(Frame)) < 0)
        return -1;
    init_frame(&s->frames[s->n_frames++], root, -1, 0, -1);
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
            return NULL;
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
        return NULL;
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
 * Hint groups: html_blocks._hints_of on ASCII values
 * ------------------------------------------------------------------------------------------- */

/* html_blocks._HINT_PATTERNS, in its order; html_blocks checks at import that its patterns are
 * still these (HINT_PATTERNS below), else it does not use this walk. */
#define N_HINT_GROUPS 13
static const char *const HINT_NAMES[N_HINT_GROUPS] = {
    "nav", "footer", "header", "sidebar", "comment", "share", "related", "ad", "cookie", "subscribe",
    "meta", "hidden", "content"};
static const char *const HINT_SOURCES[N_HINT_GROUPS] = {
    "nav|menu|breadcrumb|pagination|pager|toolbar|skip|topbar|dropdown|tabs?\\b",
    "foot|copyright|legal|colophon|bottom",
    "header|masthead|banner|brand|logo|top-?bar",
    "sidebar|side-bar|aside|widget|rail|secondary",
    "comment|disqus|respond|reply|discussion|reaction",
    "share|sharing|social|facebook|twitter|whatsapp|pinterest|follow|print|email-?this",
    "related|recommend|more-?stories|popular|trending|read-?more|teaser|also|next|prev|outbrain|taboola|carousel|slider|card",
    "\\bads?\\b|advert|sponsor|promo|dfp|gpt|ad-?slot|ad-?unit|ad-?wrap|affiliate|partner",
    "cookie|consent|gdpr|privacy|notice|alert|overlay",
    "newsletter|subscri|signup|sign-up|login|log-in|register|modal|popup|paywall|cta",
    "byline|author|date|time|meta|tags?\\b|categor|label|credit|caption|dateline",
    "(?<![\\w-])(?:d-none|hidden|hide)(?![\\w-])|sr-only|screen-?reader|visually-?hidden|invisible|offscreen",
    "article|post|entry|story|content|main|body|text|prose|blog|markdown|rich|detail|page",
};
enum { H_NAV = 0, H_FOOTER = 1, H_HEADER = 2, H_SHARE = 5, H_COOKIE = 8, H_SUBSCRIBE = 9, H_HIDDEN = 11 };
/* html_blocks._FURNITURE_HINTS */
#define FURNITURE_HINTS ((1u << H_NAV) | (1u << H_HEADER) | (1u << H_FOOTER) | (1u << H_COOKIE) | \
                         (1u << H_SUBSCRIBE) | (1u << H_SHARE))

/* The same alternatives, each as a little pattern: a letter or '-' matches itself, "x?" is an
 * optional x (greedy, as re's), '^' is \b, '<' is (?<![\w-]) and '>' is (?![\w-]); the group
 * (?:d-none|hidden|hide) between the two assertions is its three alternatives in turn. */
static const struct {
    const char *pattern;
    int group;
} ALTERNATIVES[] = {
    {"nav", 0}, {"menu", 0}, {"breadcrumb", 0}, {"pagination", 0}, {"pager", 0}, {"toolbar", 0},
    {"skip", 0}, {"topbar", 0}, {"dropdown", 0}, {"tabs?^", 0},
    {"foot", 1}, {"copyright", 1}, {"legal", 1}, {"colophon", 1}, {"bottom", 1},
    {"header", 2}, {"masthead", 2}, {"banner", 2}, {"brand", 2}, {"logo", 2}, {"top-?bar", 2},
    {"sidebar", 3}, {"side-bar", 3}, {"aside", 3}, {"widget", 3}, {"rail", 3}, {"secondary", 3},
    {"comment", 4}, {"disqus", 4}, {"respond", 4}, {"reply", 4}, {"discussion", 4}, {"reaction", 4},
    {"share", 5}, {"sharing", 5}, {"social", 5}, {"facebook", 5}, {"twitter", 5}, {"whatsapp", 5},
    {"pinterest", 5}, {"follow", 5}, {"print", 5}, {"email-?this", 5},
    {"related", 6}, {"recommend", 6}, {"more-?stories", 6}, {"popular", 6}, {"trending", 6},
    {"read-?more", 6}, {"teaser", 6}, {"also", 6}, {"next", 6}, {"prev", 6}, {"outbrain", 6},
    {"taboola", 6}, {"carousel", 6}, {"slider", 6}, {"card", 6},
    {"^ads?^", 7}, {"advert", 7}, {"sponsor", 7}, {"promo", 7}, {"dfp", 7}, {"gpt", 7}, {"ad-?slot", 7},
    {"ad-?unit", 7}, {"ad-?wrap", 7}, {"affiliate", 7}, {"partner", 7},
    {"cookie", 8}, {"consent", 8}, {"gdpr", 8}, {"privacy", 8}, {"notice", 8}, {"alert", 8}, {"overlay", 8},
    {"newsletter", 9}, {"subscri", 9}, {"signup", 9}, {"sign-up", 9}, {"login", 9}, {"log-in", 9},
    {"register", 9}, {"modal", 9}, {"popup", 9}, {"paywall", 9}, {"cta", 9},
    {"byline", 10}, {"author", 10}, {"date", 10}, {"time", 10}, {"meta", 10}, {"tags?^", 10},
    {"categor", 10}, {"label", 10}, {"credit", 10}, {"caption", 10}, {"dateline", 10},
    {"<d-none>", 11}, {"<hidden>", 11}, {"<hide>", 11}, {"sr-only", 11}, {"screen-?reader", 11},
    {"visually-?hidden", 11}, {"invisible", 11}, {"offscreen", 11},
    {"article", 12}, {"post", 12}, {"entry", 12}, {"story", 12}, {"content", 12}, {"main", 12},
    {"body", 12}, {"text", 12}, {"prose", 12}, {"blog", 12}, {"markdown", 12}, {"rich", 12},
    {"detail", 12}, {"page", 12},
};
#define N_ALTERNATIVES ((int) (sizeof(ALTERNATIVES) / sizeof(ALTERNATIVES[0])))
#define MAX_PER_LETTER 32
/* The alternatives that can match at a position holding a given letter (each starts with one
 * after its assertions), in pattern order: the first that matches is the one re reports. */
static unsigned char by_letter[128][MAX_PER_LETTER];
static int n_by_letter[128];
/* Each alternative's literal start (after its assertions, before any optional character), a
 * quick test before the whole pattern; `plain`: the whole pattern is that literal. */
static struct {
    char text[24];
    size_t length;
    int plain;
} literal_start[256];

static inline int word_char(lxb_char_t c) { /* \w on ASCII */
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Where `pattern` matching at t[i] ends, or -1. */
static Py_ssize_t match_alternative(const char *pattern, const lxb_char_t *t, Py_ssize_t n, Py_ssize_t i) {
    for (;;) {
        char c = *pattern;
        if (c == '\0')
            return i;
        if (c == '^') {
            int before = i > 0 && word_char(t[i - 1]), after = i < n && word_char(t[i]);
            if (before == after)
                return -1;
            pattern++;
        } else if (c == '<') {
            if (i > 0 && (word_char(t[i - 1]) || t[i - 1] == '-'))
                return -1;
            pattern++;
        } else if (c == '>') {
            if (i < n && (word_char(t[i]) || t[i] == '-'))
                return -1;
            pattern++;
        } else if (pattern[1] == '?') { /* greedy: with the character first */
            if (i < n && t[i] == (lxb_char_t) c) {
                Py_ssize_t end = match_alternative(pattern + 2, t, n, i + 1);
                if (end >= 0)
                    return end;
            }
            pattern += 2;
        } else {
            if (i >= n || t[i] != (lxb_char_t) c)
                return -1;
            pattern++;
            i++;
        }
    }
}

/* _token_hints of a lowercase ASCII token: the leftmost hint, named by the first alternative
 * matching there, then the next one from where it ended. */
static unsigned token_hints(const lxb_char_t *t, Py_ssize_t n) {
    unsigned found = 0;
    Py_ssize_t pos = 0;
    while (pos < n) {
        Py_ssize_t end = -1;
        for (Py_ssize_t p = pos; p < n && end < 0; p++) {
            lxb_char_t c = t[p];
            if (c >= 128)
                continue;
            for (int k = 0; k < n_by_letter[c]; k++) {
                int a = by_letter[c][k];
                size_t length = literal_start[a].length, i = 1; /* t[p] is its first letter */
                if ((size_t) (n - p) < length)
                    continue;
                while (i < length && t[p + i] == (lxb_char_t) literal_start[a].text[i])
                    i++;
                if (i < length)
                    continue;
                end = literal_start[a].plain ? p + (Py_ssize_t) length
                                             : match_alternative(ALTERNATIVES[a].pattern, t, n, p);
                if (end >= 0) {
                    found |= 1u << ALTERNATIVES[a].group;
                    break;
                }
            }
        }
        if (end < 0)
            break;
        pos = end;
    }
    return found;
}

/* _hints_of of an ASCII value: lowercased, split at whitespace (str.split's, on ASCII). */
static unsigned ascii_hints(const lxb_char_t *value, size_t n, lxb_char_t *lowered) {
    for (size_t k = 0; k < n; k++)
        lowered[k] = value[k] >= 'A' && value[k] <= 'Z' ? value[k] + 32 : value[k];
    unsigned found = 0;
    size_t k = 0;
    while (k < n) {
        while (k < n && ascii_space(lowered[k]))
            k++;
        size_t start = k;
        while (k < n && !ascii_space(lowered[k]))
            k++;
        if (k > start)
            found |= token_hints(lowered + start, (Py_ssize_t) (k - start));
    }
    return found;
}

/* html_blocks._HIDDEN_STYLE (re.I) on an ASCII value: on ASCII text re.I folds ASCII letters
 * only, and \s is the ASCII whitespace of str. */
static const char *const HIDDEN_STYLE_SOURCE = "display\\s*:\\s*none|visibility\\s*:\\s*hidden";

static size_t ci_word(const lxb_char_t *s, size_t n, size_t i, const char *word) {
    for (; *word; word++, i++) {
        if (i >= n)
            return 0;
        lxb_char_t c = s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i];
        if (c != (lxb_char_t) *word)
            return 0;
    }
    return i;
}

static int ascii_hidden_style(const lxb_char_t *s, size_t n) {
    static const char *const pairs[2][2] = {{"display", "none"}, {"visibility", "hidden"}};
    for (size_t p = 0; p < n; p++) {
        for (int k = 0; k < 2; k++) {
            size_t i = ci_word(s, n, p, pairs[k][0]);
            if (i == 0)
                continue;
            while (i < n && ascii_space(s[i]))
                i++;
            if (i >= n || s[i] != ':')
                continue;
            i++;
            while (i < n && ascii_space(s[i]))
                i++;
            if (ci_word(s, n, i, pairs[k][1]))
                return 1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Props: html_blocks._element_props (with _plain_props and _class_props, which give the same)
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
        if (attr_name_length[k] == len && memcmp(ATTR_NAMES[k], name, len) == 0)
            return k;
    return A_OTHER;
}

typedef struct {
    PyObject *python_hints;  /* html_blocks._hints_of, for values that are not ASCII */
    PyObject *python_style;  /* _HIDDEN_STYLE.search(value) is not None, likewise */
    lxb_char_t *lowered;
    size_t lowered_cap;
} Props;

/* The value's bytes (NULL for an attribute without a value: None to selectolax). */
static const lxb_char_t *attr_bytes(const lxb_dom_attr_t *attr, size_t *len) {
    if (attr == NULL || attr->value == NULL || attr->value->data == NULL) {
        *len = 0;
        return NULL;
    }
    *len = attr->value->length;
    return attr->value->data;
}

static int is_ascii(const lxb_char_t *s, size_t n) {
    for (size_t k = 0; k < n; k++)
        if (s[k] >= 0x80)
            return 0;
    return 1;
}

/* _hints_of(value) as a mask; value as selectolax decodes it. -1 on error. */
static long value_hints(Props *p, const lxb_char_t *value, size_t n) {
    if (is_ascii(value, n)) {
        if (grow((void **) &p->lowered, &p->lowered_cap, n, 1) < 0)
            return -1;
        return (long) ascii_hints(value, n, p->lowered);
    }
    PyObject *str = PyUnicode_DecodeUTF8((const char *) value, (Py_ssize_t) n, "replace");
    if (str == NULL)
        return -1;
    PyObject *groups = PyObject_CallOneArg(p->python_hints, str);
    Py_DECREF(str);
    if (groups == NULL)
        return -1;
    PyObject *iterator = PyObject_GetIter(groups);
    Py_DECREF(groups);
    if (iterator == NULL)
        return -1;
    long found = 0;
    PyObject *name;
    while ((name = PyIter_Next(iterator)) != NULL) {
        PyObject *bit = PyDict_GetItemWithError(hint_bits, name);
        Py_DECREF(name);
        if (bit == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "_hints_of named a group _segment does not know");
            Py_DECREF(iterator);
            return -1;
        }
        found |= PyLong_AsLong(bit);
    }
    Py_DECREF(iterator);
    return PyErr_Occurred() ? -1 : found;
}

static int value_is(const lxb_char_t *value, size_t n, const char *what) {
    return value != NULL && n == strlen(what) && memcmp(value, what, n) == 0;
}

/* Props of frame k from its parent's. 0, or -1 on error. */
static int frame_props(State *s, Props *p, Py_ssize_t k) {
    Frame *f = &s->frames[k];
    const Frame *parent = &s->frames[f->parent];
    uintptr_t tag = BLOCK_TAGS[f->tag].id;
    int hidden = parent->hidden, main = parent->main;
    unsigned hints = parent->hints;
    int boiler = parent->boiler || tag == LXB_TAG_NAV || tag == LXB_TAG_FOOTER || tag == LXB_TAG_ASIDE ||
                 tag == LXB_TAG_FORM; /* _BOILERPLATE_CONTAINERS */
    main = main || tag == LXB_TAG_ARTICLE || tag == LXB_TAG_MAIN; /* _MAIN_CONTAINERS */
    const lxb_dom_attr_t *last[A_COUNT] = {NULL};
    for (const lxb_dom_attr_t *attr = ((const lxb_dom_element_t *) f->node)->first_attr; attr != NULL;
         attr = attr->next)
        last[attr_kind(attr, s)] = attr; /* a dict keeps the last value of a name */
    size_t n;
    const lxb_char_t *value;
    if (last[A_HIDDEN] != NULL)
        hidden = 1;
    value = attr_bytes(last[A_ARIA_HIDDEN], &n);
    if (value_is(value, n, "true"))
        hidden = 1;
    value = attr_bytes(last[A_STYLE], &n);
    if (!hidden && value != NULL && n > 0) {
        if (is_ascii(value, n)) {
            hidden = ascii_hidden_style(value, n);
        } else {
            PyObject *str = PyUnicode_DecodeUTF8((const char *) value, (Py_ssize_t) n, "replace");
            if (str == NULL)
                return -1;
            PyObject *hit = PyObject_CallOneArg(p->python_style, str);
            Py_DECREF(str);
            if (hit == NULL)
                return -1;
            hidden = PyObject_IsTrue(hit);
            Py_DECREF(hit);
            if (hidden < 0)
                return -1;
        }
    }
    static const int hint_attrs[4] = {A_CLASS, A_ID, A_ROLE, A_ITEMPROP}; /* _HINT_ATTRIBUTES */
    for (int a = 0; a < 4; a++) {
        value = attr_bytes(last[hint_attrs[a]], &n);
        if (value != NULL && n > 0) {
            long own = value_hints(p, value, n);
            if (own < 0)
                return -1;
            hints |= (unsigned) own;
        }
    }
    value = attr_bytes(last[A_ITEMPROP], &n);
    if (value_is(value, n, "articleBody"))
        main = 1;
    f->hidden = hidden;
    f->boiler = boiler;
    f->main = main;
    f->hints = hints;
    return 0;
}

/* Props, path and containers of frame k and of its ancestors not yet worked out (iterative:
 * frames nest max_dom_depth deep). 0, or -1 on error. */
static int know_frame(State *s, Props *p, Py_ssize_t k, Py_ssize_t **chain, size_t *chain_cap) {
    size_t n = 0;
    for (Py_ssize_t at = k; !s->frames[at].props_known; at = s->frames[at].parent) {
        if (grow((void **) chain, chain_cap, n + 1, sizeof(Py_ssize_t)) < 0)
            return -1;
        (*chain)[n++] = at;
    }
    while (n-- > 0) {
        Py_ssize_t at = (*chain)[n];
        Frame *f = &s->frames[at];
        const Frame *parent = &s->frames[f->parent];
        if (frame_props(s, p, at) < 0)
            return -1;
        f->path = PyUnicode_FromFormat("%U/%U", parent->path, block_names[f->tag]);
        if (f->path == NULL)
            return -1;
        Py_ssize_t depth = PyTuple_GET_SIZE(parent->containers);
        f->containers = PyTuple_New(depth + 1);
        if (f->containers == NULL)
            return -1;
        for (Py_ssize_t i = 0; i < depth; i++) {
            PyObject *serial = PyTuple_GET_ITEM(parent->containers, i);
            Py_INCREF(serial);
            PyTuple_SET_ITEM(f->containers, i, serial);
        }
        PyObject *serial = PyLong_FromSsize_t(at);
        if (serial == NULL)
            return -1;
        PyTuple_SET_ITEM(f->containers, depth, serial);
        f->props_known = 1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Phase 2: _BlockBuilder.build's emission order, _emit, the Blocks
 * ------------------------------------------------------------------------------------------- */

typedef struct {
    Py_ssize_t after, owner, links;
    PyObject *text;
} Deferred;

typedef struct {
    State *s;
    Props props;
    PyObject *blocks;      /* the list returned */
    Py_ssize_t max_blocks;
    PyObject *make_block;  /* html_blocks._make_block: a Block from its field dict */
    PyObject *kinds;       /* BlockKind per BLOCK_TAGS index, then the root's */
    PyObject *levels;      /* heading level (int) per BLOCK_TAGS index, then the root's */
    Deferred *stack;       /* deferred runs, the next due on top */
    size_t n_stack, stack_cap;
    Py_ssize_t *later;     /* scratch: a frame's later runs */
    size_t later_cap;
    Py_ssize_t *chain;     /* scratch: frames whose props are worked out */
    size_t chain_cap;
    void *scratch;         /* scratch: text being normalised */
    size_t scratch_cap;
} Emitter;


static PyObject *hint_set(unsigned mask) {
    if (hint_sets[mask] == NULL) {
        PyObject *names = PyList_New(0);
        if (names == NULL)
            return NULL;
        for (int g = 0; g < N_HINT_GROUPS; g++)
            if ((mask >> g) & 1 && PyList_Append(names, hint_names[g]) < 0) {
                Py_DECREF(names);
                return NULL;
            }
        hint_sets[mask] = PyFrozenSet_New(names);
        Py_DECREF(names);
    }
    return hint_sets[mask];
}

enum { F_TEXT, F_KIND, F_INDEX, F_TAG, F_DOM_PATH, F_LINK_CHARS, F_HEADING_LEVEL, F_IN_MAIN, F_BOILERPLATE_HINT,
       F_HINTS, F_CONTAINERS, N_FIELDS };
static const char *const FIELD_NAMES[N_FIELDS] = {
    "text", "kind", "index", "tag", "dom_path", "link_chars", "heading_level", "in_main", "boilerplate_hint",
    "hints", "containers"};
static PyObject *field_names[N_FIELDS];

/* _emit(frame, text, links) after the text is normalised (not empty). 1 at max_blocks, 0, -1. */
static int emit_block(Emitter *e, Py_ssize_t serial, PyObject *text, Py_ssize_t links) {
    State *s = e->s;
    if (know_frame(s, &e->props, serial, &e->chain, &e->chain_cap) < 0)
        return -1;
    const Frame *f = &s->frames[serial];
    unsigned hints = f->hints;
    if (f->hidden) {
        if (f->boiler || (hints & FURNITURE_HINTS))
            return 0;
        hints |= 1u << H_HIDDEN;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    Py_ssize_t tag = serial == 0 ? N_BLOCK_TAGS : f->tag;
    PyObject *values[N_FIELDS] = {
        text, PyTuple_GET_ITEM(e->kinds, tag), PyLong_FromSsize_t(PyList_GET_SIZE(e->blocks)),
        serial == 0 ? body_name : block_names[f->tag], f->path, PyLong_FromSsize_t(links < length ? links : length),
        PyTuple_GET_ITEM(e->levels, tag), f->main ? Py_True : Py_False, f->boiler ? Py_True : Py_False,
        hint_set(hints), f->containers};
    int status = -1;
    PyObject *dict = NULL, *block = NULL;
    if (values[F_INDEX] == NULL || values[F_LINK_CHARS] == NULL || values[F_HINTS] == NULL)
        goto done;
    if ((dict = PyDict_New()) == NULL)
        goto done;
    for (int k = 0; k < N_FIELDS; k++)
        if (PyDict_SetItem(dict, field_names[k], values[k]) < 0)
            goto done;
    if ((block = PyObject_CallOneArg(e->make_block, dict)) == NULL)
        goto done;
    if (PyList_Append(e->blocks, block) < 0)
        goto done;
    status = PyList_GET_SIZE(e->blocks) >= e->max_blocks;
done:
    Py_XDECREF(values[F_INDEX]);
    Py_XDECREF(values[F_LINK_CHARS]);
    Py_XDECREF(dict);
    Py_XDECREF(block);
    return status;
}

/* Emit the text [start, end) of `serial` now. 1 at max_blocks, 0, -1. */
static int emit_now(Emitter *e, Py_ssize_t serial, size_t start, size_t end, Py_ssize_t links) {
    PyObject *text = block_text(e->s, start, end, &e->scratch, &e->scratch_cap);
    if (text == NULL)
        return -1;
    int status = text == Py_None ? 0 : emit_block(e, serial, text, links);
    Py_DECREF(text);
    return status;
}

/* _emit_element for a frame (the root: _emit_runs). 1 at max_blocks, 0, -1. */
static int emit_frame(Emitter *e, Py_ssize_t serial) {
    State *s = e->s;
    const Frame *f = &s->frames[serial];
    const Run *first = &s->runs[f->first_run];
    if (serial > 0 && !f->has_frames) /* a leaf: its one run is node.text() */
        return emit_now(e, serial, first->start, first->end, f->leaf_links);
    int status = emit_now(e, serial, first->start, first->end, first->links);
    if (status != 0)
        return status;
    size_t n_later = 0;
    for (Py_ssize_t r = first->next; r >= 0; r = s->runs[r].next) {
        if (grow((void **) &e->later, &e->later_cap, n_later + 1, sizeof(Py_ssize_t)) < 0)
            return -1;
        e->later[n_later++] = r;
    }
    while (n_later-- > 0) { /* pushed last first: the next due on top */
        const Run *run = &s->runs[e->later[n_later]];
        PyObject *text = block_text(s, run->start, run->end, &e->scratch, &e->scratch_cap);
        if (text == NULL)
            return -1;
        if (text == Py_None) { /* blank: _emit would drop it */
            Py_DECREF(text);
            continue;
        }
        if (grow((void **) &e->stack, &e->stack_cap, e->n_stack + 1, sizeof(Deferred)) < 0) {
            Py_DECREF(text);
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
    int status = emit_block(e, d.owner, d.text, d.links);
    Py_DECREF(d.text);
    return status;
}

/* 0 (done or max_blocks reached), -1 on error; s->bail on text that is not UTF-8. */
static int emit_all(Emitter *e) {
    State *s = e->s;
    int status = emit_frame(e, 0);
    for (Py_ssize_t k = 1; status == 0 && s->bail == NULL && k < (Py_ssize_t) s->n_frames; k++) {
        if ((k & 1023) == 1023 && check_deadline(s) < 0)
            return -1;
        while (status == 0 && e->n_stack > 0 && k > s->frames[e->stack[e->n_stack - 1].after].end)
            status = pop_deferred(e);
        if (status == 0)
            status = emit_frame(e, k);
    }
    while (status == 0 && s->bail == NULL && e->n_stack > 0)
        status = pop_deferred(e);
    return status < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------------------------------------
 * walk(...)
 * ------------------------------------------------------------------------------------------- */

static PyObject *walk(PyObject *self, PyObject *args) {
    (void) self;
    PyObject *address;
    Py_ssize_t max_nodes, max_depth, max_blocks;
    Emitter e = {0};
    State s = {0};
    if (!PyArg_ParseTuple(args, "O!nnnOOO!O!OO:walk", &PyLong_Type, &address, &max_nodes, &max_depth, &max_blocks,
                          &s.deadline, &e.make_block, &PyTuple_Type, &e.kinds, &PyTuple_Type, &e.levels,
                          &e.props.python_hints, &e.props.python_style))
        return NULL;
    if (PyTuple_GET_SIZE(e.kinds) != N_BLOCK_TAGS + 1 || PyTuple_GET_SIZE(e.levels) != N_BLOCK_TAGS + 1) {
        PyErr_SetString(PyExc_ValueError, "walk: kinds and levels need one entry per TAGS and one for the root");
        return NULL;
    }
    const lxb_dom_node_t *root = PyLong_AsVoidPtr(address);
    if (root == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "walk: no node");
        return NULL;
    }
    if (root->type != LXB_DOM_NODE_TYPE_ELEMENT || (root->local_name != LXB_TAG_BODY && root->local_name != LXB_TAG_HTML))
        return PyUnicode_FromString("a root that is not a body or html element");

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
    if (max_blocks <= 0) {
        result = PyList_New(0);
        goto done;
    }
    /* the root frame's props, path and containers: _ROOT_PROPS, "body", (0,) */
    Frame *root_frame = &s.frames[0];
    root_frame->props_known = 1;
    Py_INCREF(body_name);
    root_frame->path = body_name;
    root_frame->containers = Py_BuildValue("(n)", (Py_ssize_t) 0);
    if (root_frame->containers == NULL)
        goto done;
    e.s = &s;
    e.max_blocks = max_blocks;
    if ((e.blocks = PyList_New(0)) == NULL)
        goto done;
    status = emit_all(&e);
    /* a Python error raises, as in phase 1, even when a bail was noted first (block_text clears
     * its own UnicodeDecodeError before noting one: no error is pending for a bail alone) */
    if (status < 0)
        goto done;
    if (s.bail != NULL) {
        result = PyUnicode_FromString(s.bail);
    } else {
        result = e.blocks;
        e.blocks = NULL;
    }
done:
    for (size_t k = 0; k < e.n_stack; k++)
        Py_DECREF(e.stack[k].text);
    Py_XDECREF(e.blocks);
    PyMem_Free(e.stack);
    PyMem_Free(e.later);
    PyMem_Free(e.chain);
    PyMem_Free(e.scratch);
    PyMem_Free(e.props.lowered);
    state_free(&s);
    return result;
}

/* For the tests: the text of one attribute value, which must be ASCII (the walk hands the
 * others to Python); NULL with an exception otherwise. */
static const lxb_char_t *ascii_value(PyObject *arg, Py_ssize_t *n, const char *who) {
    const char *value = PyUnicode_AsUTF8AndSize(arg, n);
    if (value == NULL)
        return NULL;
    if (!is_ascii((const lxb_char_t *) value, (size_t) *n)) {
        PyErr_Format(PyExc_ValueError, "%s: ASCII values only (others go to Python)", who);
        return NULL;
    }
    return (const lxb_char_t *) value;
}

/* For the tests: the C hint matcher and style test on one value. */
static PyObject *hints_of(PyObject *self, PyObject *arg) {
    (void) self;
    Py_ssize_t n;
    const lxb_char_t *value = ascii_value(arg, &n, "hints_of");
    if (value == NULL)
        return NULL;
    lxb_char_t *lowered = PyMem_Malloc(n ? (size_t) n : 1);
    if (lowered == NULL)
        return PyErr_NoMemory();
    unsigned mask = ascii_hints(value, (size_t) n, lowered);
    PyMem_Free(lowered);
    PyObject *set = hint_set(mask);
    Py_XINCREF(set);
    return set;
}

static PyObject *hidden_style(PyObject *self, PyObject *arg) {
    (void) self;
    Py_ssize_t n;
    const lxb_char_t *value = ascii_value(arg, &n, "hidden_style");
    if (value == NULL)
        return NULL;
    return PyBool_FromLong(ascii_hidden_style(value, (size_t) n));
}

static PyMethodDef methods[] = {
    {"walk", walk, METH_VARARGS,
     "walk(root_mem_id, max_dom_nodes, max_dom_depth, max_blocks, deadline, make_block, kinds, levels, "
     "python_hints, python_style) -> list of Block | int | str.\n\n"
     "The blocks _BlockBuilder(...).build(root) gives. 1: more block elements than max_dom_nodes; 2: a block "
     "element deeper than max_dom_depth. A str: why this tree is left to the Python walk. kinds and levels: "
     "the BlockKind and heading level of each TAGS entry, then of the root. python_hints(value) -> hint group "
     "names and python_style(value) -> bool read the values that are not ASCII."},
    {"hints_of", hints_of, METH_O, "hints_of(ascii_value) -> frozenset: _hints_of as the walk computes it."},
    {"hidden_style", hidden_style, METH_O,
     "hidden_style(ascii_value) -> bool: _HIDDEN_STYLE.search(value) is not None as the walk computes it."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_segment", NULL, -1, methods, NULL, NULL, NULL, NULL};

/* What html_blocks compares with its own at import (any difference: the walk is not used). */
static int add_constants(PyObject *m) {
    PyObject *tags = PyTuple_New(N_BLOCK_TAGS), *patterns = PyDict_New();
    if (tags == NULL || patterns == NULL)
        goto fail;
    for (int k = 0; k < N_BLOCK_TAGS; k++) {
        Py_INCREF(block_names[k]);
        PyTuple_SET_ITEM(tags, k, block_names[k]);
    }
    for (int g = 0; g < N_HINT_GROUPS; g++) {
        PyObject *source = PyUnicode_FromString(HINT_SOURCES[g]);
        if (source == NULL || PyDict_SetItem(patterns, hint_names[g], source) < 0) {
            Py_XDECREF(source);
            goto fail;
        }
        Py_DECREF(source);
    }
    if (PyModule_AddObject(m, "TAGS", tags) < 0)
        goto fail;
    tags = NULL;
    if (PyModule_AddObject(m, "HINT_PATTERNS", patterns) < 0)
        goto fail;
    patterns = NULL;
    if (PyModule_AddStringConstant(m, "HIDDEN_STYLE", HIDDEN_STYLE_SOURCE) < 0)
        return -1;
    return 0;
fail:
    Py_XDECREF(tags);
    Py_XDECREF(patterns);
    return -1;
}

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
        attr_name_length[k] = strlen(ATTR_NAMES[k]);
    for (int k = 0; k < N_FIELDS; k++)
        if ((field_names[k] = PyUnicode_InternFromString(FIELD_NAMES[k])) == NULL)
            return NULL;
    if ((hint_bits = PyDict_New()) == NULL)
        return NULL;
    for (int g = 0; g < N_HINT_GROUPS; g++) {
        PyObject *bit = PyLong_FromLong(1L << g);
        if ((hint_names[g] = PyUnicode_InternFromString(HINT_NAMES[g])) == NULL || bit == NULL ||
            PyDict_SetItem(hint_bits, hint_names[g], bit) < 0) {
            Py_XDECREF(bit);
            return NULL;
        }
        Py_DECREF(bit);
    }
    for (int a = 0; a < N_ALTERNATIVES; a++) {
        const char *at = ALTERNATIVES[a].pattern;
        while (*at == '^' || *at == '<')
            at++;
        unsigned char c = (unsigned char) *at;
        if (c < 'a' || c > 'z' || at[1] == '?' || n_by_letter[c] >= MAX_PER_LETTER) {
            PyErr_SetString(PyExc_SystemError, "_segment: a hint alternative that does not start with a letter");
            return NULL;
        }
        by_letter[c][n_by_letter[c]++] = (unsigned char) a;
        size_t length = 0;
        while (at[length] && at[length] != '^' && at[length] != '<' && at[length] != '>' && at[length + 1] != '?')
            length++;
        if (length >= sizeof(literal_start[a].text) || N_ALTERNATIVES > 256) {
            PyErr_SetString(PyExc_SystemError, "_segment: a hint alternative too long");
            return NULL;
        }
        memcpy(literal_start[a].text, at, length);
        literal_start[a].length = length;
        literal_start[a].plain = at == ALTERNATIVES[a].pattern && at[length] == '\0';
    }
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && add_constants(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
