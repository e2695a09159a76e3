/* The slow path of guards.html_complexity in C: `_TreeEstimate(limits).feed(_TOKENS.findall(html))`
 * in one pass over the str, with the same result (None or the same message) for every input.
 *
 * Why: the scan protects the worker from hostile pages, so it runs on every page that has more
 * than a few start tags; in Python it cost ~5 ms per real page (the regex and the feed loop).
 *
 * How it stays equal to the Python (guards.py is the reference; tests/unit/test_guardscan.py
 * compares both):
 * - the tokenizer reproduces _TOKENS (re.I) by hand, with its Unicode case-insensitivity: a name
 *   letter also matches U+0130, U+0131, U+017F and U+212A as sre does, and a raw-text end tag
 *   compares simple lowercase (Py_UNICODE_TOLOWER) like sre's backreferences;
 * - element names are lowered as str.lower() does (in Python when not ASCII: rare) and interned
 *   in a keyed hash table (SipHash: crafted names cannot make it quadratic); the vocabulary and
 *   its flags come from guards.py (set_vocabulary), so the element sets are not copied here;
 * - raw text inside SVG/MathML, which the Python re-feeds recursively, is a frame on an explicit
 *   stack: the scan stays one forward pass, bounded by the input, and needs no C recursion (the
 *   Python recursion fails with RecursionError past ~1000 self-closed raw-text tags in an <svg>;
 *   here those pages get the value the recursion would give if it could go on);
 * - attribute counting mirrors count_attributes for ASCII text and calls it otherwise.
 * The str is read in place (1, 2 or 4 bytes per code point); every read is below the bound. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define COUNTED_ATTRS 256
#define ATTRIBUTE_WORK_TAGS 16
#define MAX_END_CACHE 64

/* The patterns this file implements: guards.py uses the scan only if its own are these. */
static const char TOKENS_PATTERN[] =
    "<!--(?:-?>|[^-]*+(?:-(?!-!?>)[^-]*+)*+(?:--!?>)?)"
    "|<(script|style|textarea|title|xmp|iframe|noembed|noframes)(?=[\\s/>])([^>]*+)>?"
    "([^<]*+(?:<(?!/\\1(?=[\\s/>]))[^<]*+)*+)"
    "|<(/?)([A-Za-z][^\\s/>]*+)([^>]*+)>?";
static const char *RAW_NAMES[] = {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"};
#define RAW_COUNT 8

enum { F_VOID = 1, F_CLOSES_P = 2, F_FORMATTING = 4, F_HEADING = 8, F_SPECIAL = 16, F_BOUNDARY = 32,
       F_GROUP0 = 256 };  /* F_GROUP0 << g: a member of _CLOSED_BY group g */

typedef __int128 wide;  /* attribute work: limit ** 2 * 16 overflows 64 bits for large limits */

/* ---- keyed hashing (SipHash-1-3): names come from the page ---- */

static uint64_t sip_k0, sip_k1;

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); v2 += v3; v3 = ROTL(v3, 16); \
    v3 ^= v2; v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
    } while (0)

static uint64_t siphash13(const unsigned char *in, size_t len) {
    uint64_t v0 = 0x736f6d6570736575ULL ^ sip_k0, v1 = 0x646f72616e646f6dULL ^ sip_k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ sip_k0, v3 = 0x7465646279746573ULL ^ sip_k1;
    uint64_t b = ((uint64_t)len) << 56, m;
    size_t i, whole = len & ~(size_t)7;
    for (i = 0; i < whole; i += 8) {
        memcpy(&m, in + i, 8);
        v3 ^= m; SIPROUND; v0 ^= m;
    }
    for (m = 0; i < len; i++)
        m |= ((uint64_t)in[i]) << (8 * (i - whole));
    b |= m;
    v3 ^= b; SIPROUND; v0 ^= b;
    v2 ^= 0xff; SIPROUND; SIPROUND; SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* The hash of a name: of its chars as bytes when they all fit (most names), else as UCS4. */
static uint64_t hash_name(const Py_UCS4 *key, Py_ssize_t len) {
    unsigned char small[64];
    if (len <= 64) {
        Py_ssize_t i = 0;
        while (i < len && key[i] < 256) {
            small[i] = (unsigned char)key[i];
            i++;
        }
        if (i == len)
            return siphash13(small, (size_t)len);
    }
    return siphash13((const unsigned char *)key, (size_t)len * sizeof(Py_UCS4));
}

/* ---- reading the str ---- */

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t len;
} Text;

static inline Py_UCS4 at(const Text *t, Py_ssize_t i) { return PyUnicode_READ(t->kind, t->data, i); }

/* The first index of `ch` in [from, to), else `to`: the hot search, one loop per kind. */
static Py_ssize_t find_char(const Text *t, Py_ssize_t from, Py_ssize_t to, Py_UCS4 ch) {
    if (from >= to)
        return to;
    if (t->kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *d = t->data;
        const void *hit = memchr(d + from, (int)ch, (size_t)(to - from));
        return hit ? (const Py_UCS1 *)hit - d : to;
    }
    if (t->kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *d = t->data;
        for (Py_ssize_t i = from; i < to; i++)
            if (d[i] == ch)
                return i;
        return to;
    }
    const Py_UCS4 *d = t->data;
    for (Py_ssize_t i = from; i < to; i++)
        if (d[i] == ch)
            return i;
    return to;
}

/* `[A-Za-z]` under re.I: ASCII letters, and what sre folds onto them (İ ı ſ K). */
static inline int is_letter(Py_UCS4 c) {
    if (c < 128)
        return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    Py_UCS4 low = Py_UNICODE_TOLOWER(c);
    return (low >= 'a' && low <= 'z') || c == 0x131 || c == 0x17f;
}

/* A literal lowercase letter of the pattern under re.I (lowercase equal, or sre's equivalences). */
static inline int letter_matches(Py_UCS4 c, char letter) {
    if (c < 128)
        return (c | 0x20) == (Py_UCS4)letter;
    return Py_UNICODE_TOLOWER(c) == (Py_UCS4)letter || (letter == 'i' && c == 0x131) || (letter == 's' && c == 0x17f);
}

static inline int ends_name(Py_UCS4 c) { return c == '/' || c == '>' || Py_UNICODE_ISSPACE(c); }

/* ---- element names ---- */

typedef struct {
    Py_ssize_t start, len;  /* in the arena */
    uint64_t hash;
    int flags, group;       /* group: the _CLOSED_BY family this element is closed by, or -1 */
    Py_ssize_t required;    /* the element that must be open for that, or -1 */
    Py_ssize_t last;        /* the stack index of its innermost open instance, or -1 */
} Name;

typedef struct {
    Name *items;
    Py_ssize_t count, cap;
    Py_ssize_t *slots;  /* open addressing: item index, -1 empty */
    size_t mask;
    Py_UCS4 *arena;
    Py_ssize_t arena_len, arena_cap;
} Names;

/* Grow an array to hold `need` items (doubling); -1 with MemoryError on overflow or failure. */
static int reserve(void **items, Py_ssize_t *cap, Py_ssize_t need, size_t size) {
    if (need <= *cap)
        return 0;
    Py_ssize_t wanted = *cap > 0 ? *cap : 16;
    while (wanted < need) {
        if (wanted > PY_SSIZE_T_MAX / 2) {
            PyErr_NoMemory();
            return -1;
        }
        wanted *= 2;
    }
    if ((size_t)wanted > PY_SSIZE_T_MAX / size) {
        PyErr_NoMemory();
        return -1;
    }
    void *grown = PyMem_Realloc(*items, (size_t)wanted * size);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *items = grown;
    *cap = wanted;
    return 0;
}

static void names_free(Names *n) {
    PyMem_Free(n->items);
    PyMem_Free(n->slots);
    PyMem_Free(n->arena);
    memset(n, 0, sizeof(*n));
}

static Py_ssize_t names_find(const Names *n, const Py_UCS4 *key, Py_ssize_t len, uint64_t hash) {
    for (size_t i = hash & n->mask;; i = (i + 1) & n->mask) {
        Py_ssize_t id = n->slots[i];
        if (id < 0)
            return -1;
        const Name *e = &n->items[id];
        if (e->hash == hash && e->len == len && memcmp(n->arena + e->start, key, (size_t)len * sizeof(Py_UCS4)) == 0)
            return id;
    }
}

static int names_rehash(Names *n, size_t size) {
    Py_ssize_t *slots = PyMem_Malloc(size * sizeof(Py_ssize_t));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(slots, 0xff, size * sizeof(Py_ssize_t));
    for (Py_ssize_t id = 0; id < n->count; id++) {
        size_t i = n->items[id].hash & (size - 1);
        while (slots[i] >= 0)
            i = (i + 1) & (size - 1);
        slots[i] = id;
    }
    PyMem_Free(n->slots);
    n->slots = slots;
    n->mask = size - 1;
    return 0;
}

/* Add a name not in the table; its index in *id. */
static int names_add(Names *n, const Py_UCS4 *key, Py_ssize_t len, uint64_t hash, Py_ssize_t *id) {
    if ((size_t)(n->count + 1) * 2 > n->mask + 1 && names_rehash(n, (n->mask + 1) * 2) < 0)
        return -1;
    if (reserve((void **)&n->items, &n->cap, n->count + 1, sizeof(Name)) < 0 ||
        reserve((void **)&n->arena, &n->arena_cap, n->arena_len + len, sizeof(Py_UCS4)) < 0)
        return -1;
    memcpy(n->arena + n->arena_len, key, (size_t)len * sizeof(Py_UCS4));
    Name *e = &n->items[n->count];
    *e = (Name){n->arena_len, len, hash, 0, -1, -1, -1};
    n->arena_len += len;
    size_t i = hash & n->mask;
    while (n->slots[i] >= 0)
        i = (i + 1) & n->mask;
    n->slots[i] = n->count;
    *id = n->count++;
    return 0;
}

static int names_copy(Names *to, const Names *from) {
    memset(to, 0, sizeof(*to));
    size_t slots = from->mask + 1;
    to->items = PyMem_Malloc((size_t)(from->count + 1) * sizeof(Name));
    to->slots = PyMem_Malloc(slots * sizeof(Py_ssize_t));
    to->arena = PyMem_Malloc((size_t)(from->arena_len + 1) * sizeof(Py_UCS4));
    if (!to->items || !to->slots || !to->arena) {
        names_free(to);
        PyErr_NoMemory();
        return -1;
    }
    memcpy(to->items, from->items, (size_t)from->count * sizeof(Name));
    memcpy(to->slots, from->slots, slots * sizeof(Py_ssize_t));
    memcpy(to->arena, from->arena, (size_t)from->arena_len * sizeof(Py_UCS4));
    to->count = to->cap = from->count;
    to->mask = from->mask;
    to->arena_len = to->arena_cap = from->arena_len;
    if (to->cap == 0)
        to->cap = 1;
    if (to->arena_cap == 0)
        to->arena_cap = 1;
    return 0;
}

/* The vocabulary from guards.py (set_vocabulary) and the ids of the names feed() tests by name. */
static Names vocabulary;
static int vocabulary_set = 0;
static Py_ssize_t id_p, id_button, id_option, id_svg, id_math;
static Py_ssize_t heading_ids[16];
static int heading_count;

/* ---- the scan ---- */

typedef struct { Py_ssize_t start, end; } Range;
typedef struct { Py_ssize_t parent_bound, resume, raw_start, raw_end; } Frame;
typedef struct { Py_UCS4 key[8]; int len; Py_ssize_t from, found; } EndCache;

typedef struct {
    PyObject *html;
    Text t;
    long long max_depth, max_nodes, max_options, max_attrs;
    PyObject *count_attributes;  /* guards.count_attributes, for attribute text that is not ASCII */
    Names names;
    Py_UCS4 *key;  /* the lowered name being looked up */
    Py_ssize_t key_len, key_cap;
    uint64_t key_hash;
    Py_ssize_t *stack, *prev_same, *special_at, *boundary_at;  /* all sized stack_cap */
    Py_ssize_t depth, stack_cap, n_special, n_boundary;
    long long dangling, start_tags, options, reopened;
    wide attribute_work, uncounted_bound;
    Range *uncounted;
    Py_ssize_t n_uncounted, uncounted_cap;
    Frame *frames;
    Py_ssize_t n_frames, frames_cap;
    EndCache ends[MAX_END_CACHE];
    int n_ends;
    PyObject *problem;  /* the message, once a limit is crossed */
} Scan;

/* The result codes of the steps: go on, a limit was crossed (s->problem), or a Python error. */
enum { GO_ON = 0, PROBLEM = 1, ERROR = -1 };

static int report(Scan *s, PyObject *message) {
    if (message == NULL)
        return ERROR;
    s->problem = message;
    return PROBLEM;
}

/* html[start:end].lower() as Python computes it. */
static PyObject *lowered_slice(Scan *s, Py_ssize_t start, Py_ssize_t end) {
    PyObject *slice = PyUnicode_Substring(s->html, start, end);
    if (slice == NULL)
        return NULL;
    PyObject *low = PyObject_CallMethod(slice, "lower", NULL);
    Py_DECREF(slice);
    return low;
}

/* Put html[start:end].lower() in s->key and look it up: *id is its index, or -1 if never seen. */
static int lookup(Scan *s, Py_ssize_t start, Py_ssize_t end, Py_ssize_t *id) {
    Py_ssize_t len = end - start;
    if (reserve((void **)&s->key, &s->key_cap, len, sizeof(Py_UCS4)) < 0)
        return ERROR;
    Py_ssize_t i;
    for (i = 0; i < len; i++) {
        Py_UCS4 c = at(&s->t, start + i);
        if (c >= 128)
            break;
        s->key[i] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
    }
    if (i < len) {  /* not ASCII: str.lower() (final sigma, one-to-many mappings) */
        PyObject *low = lowered_slice(s, start, end);
        if (low == NULL)
            return ERROR;
        Py_ssize_t low_len = PyUnicode_GET_LENGTH(low);
        if (reserve((void **)&s->key, &s->key_cap, low_len, sizeof(Py_UCS4)) < 0) {
            Py_DECREF(low);
            return ERROR;
        }
        Text lt = {PyUnicode_KIND(low), PyUnicode_DATA(low), low_len};
        for (i = 0; i < low_len; i++)
            s->key[i] = at(&lt, i);
        len = low_len;
        Py_DECREF(low);
    }
    s->key_len = len;
    s->key_hash = hash_name(s->key, len);
    *id = names_find(&s->names, s->key, len, s->key_hash);
    return GO_ON;
}

static inline int flags_of(const Scan *s, Py_ssize_t id) { return id < 0 ? 0 : s->names.items[id].flags; }
static inline Py_ssize_t last_of(const Scan *s, Py_ssize_t id) { return id < 0 ? -1 : s->names.items[id].last; }
static inline int foreign_open(const Scan *s) { return last_of(s, id_svg) >= 0 || last_of(s, id_math) >= 0; }

/* _pop_to: close elements until `target` remain; returns how many formatting ones above
 * `above` were closed (feed adds them to the dangling count). */
static long long pop_to(Scan *s, Py_ssize_t target, Py_ssize_t above) {
    long long formatting = 0;
    while (s->depth > target) {
        Py_ssize_t index = --s->depth, id = s->stack[index];
        Name *e = &s->names.items[id];
        e->last = s->prev_same[index];
        if (s->n_special && s->special_at[s->n_special - 1] == index)
            s->n_special--;
        if (s->n_boundary && s->boundary_at[s->n_boundary - 1] == index)
            s->n_boundary--;
        if (index > above && (e->flags & F_FORMATTING))
            formatting++;
    }
    return formatting;
}

static int push(Scan *s, Py_ssize_t id) {
    if (s->depth >= s->stack_cap) {
        Py_ssize_t cap = s->stack_cap, need = s->depth + 1;
        if (reserve((void **)&s->stack, &cap, need, sizeof(Py_ssize_t)) < 0) return ERROR;
        cap = s->stack_cap;
        if (reserve((void **)&s->prev_same, &cap, need, sizeof(Py_ssize_t)) < 0) return ERROR;
        cap = s->stack_cap;
        if (reserve((void **)&s->special_at, &cap, need, sizeof(Py_ssize_t)) < 0) return ERROR;
        cap = s->stack_cap;
        if (reserve((void **)&s->boundary_at, &cap, need, sizeof(Py_ssize_t)) < 0) return ERROR;
        s->stack_cap = cap;
    }
    Py_ssize_t index = s->depth++;
    Name *e = &s->names.items[id];
    s->stack[index] = id;
    s->prev_same[index] = e->last;
    e->last = index;
    if (e->flags & F_SPECIAL)
        s->special_at[s->n_special++] = index;
    if (e->flags & F_BOUNDARY)
        s->boundary_at[s->n_boundary++] = index;
    return GO_ON;
}

/* ---- count_attributes for ASCII text: the three substitutions, then a set of names ---- */

static inline int ascii_space(unsigned char c) { return c == ' ' || (c >= 9 && c <= 13) || (c >= 28 && c <= 31); }
static inline int separates(unsigned char c) { return c == '/' || ascii_space(c); }

/* _QUOTED.sub("v ", ...) then _EQUALS.sub("=", ...): whitespace next to "=" goes. */
static Py_ssize_t unquote(const Text *t, Py_ssize_t a, Py_ssize_t e, unsigned char *quoted, unsigned char *out) {
    Py_ssize_t n = 0, k = 0;
    for (Py_ssize_t i = a; i < e;) {
        Py_UCS4 c = at(t, i);
        if (c == '"' || c == '\'') {
            Py_ssize_t close = find_char(t, i + 1, e, c);
            if (close < e) {
                quoted[n++] = 'v';
                quoted[n++] = ' ';
                i = close + 1;
                continue;
            }
        }
        quoted[n++] = (unsigned char)c;
        i++;
    }
    for (Py_ssize_t i = 0; i < n;) {
        if (!ascii_space(quoted[i])) {
            out[k++] = quoted[i++];
            continue;
        }
        Py_ssize_t j = i;
        while (j < n && ascii_space(quoted[j]))
            j++;
        if (!((j < n && quoted[j] == '=') || (i > 0 && quoted[i - 1] == '=')))
            while (i < j)
                out[k++] = quoted[i++];
        i = j;
    }
    return k;
}

static Py_ssize_t name_length(const unsigned char *b, Py_ssize_t start, Py_ssize_t n) {
    Py_ssize_t i = start;
    while (i < n && b[i] != '=' && !separates(b[i]))
        i++;
    return i - start;
}

/* The distinct (lowered) names before "=" of the tokens split on [\s/]+. */
static int distinct_names(unsigned char *b, Py_ssize_t n, long long *out) {
    Py_ssize_t tokens = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (b[i] >= 'A' && b[i] <= 'Z')
            b[i] += 32;
        if (!separates(b[i]) && (i == 0 || separates(b[i - 1])))
            tokens++;
    }
    size_t size = 16;
    while (size < (size_t)tokens * 2)
        size *= 2;
    Py_ssize_t *slots = PyMem_Malloc(size * sizeof(Py_ssize_t));
    if (slots == NULL) {
        PyErr_NoMemory();
        return ERROR;
    }
    memset(slots, 0xff, size * sizeof(Py_ssize_t));
    long long count = 0;
    for (Py_ssize_t i = 0; i < n;) {
        if (separates(b[i])) {
            i++;
            continue;
        }
        Py_ssize_t len = name_length(b, i, n);
        for (size_t h = siphash13(b + i, (size_t)len) & (size - 1);; h = (h + 1) & (size - 1)) {
            if (slots[h] < 0) {
                slots[h] = i;
                count++;
                break;
            }
            if (name_length(b, slots[h], n) == len && memcmp(b + slots[h], b + i, (size_t)len) == 0)
                break;
        }
        while (i < n && !separates(b[i]))
            i++;
    }
    PyMem_Free(slots);
    *out = count;
    return GO_ON;
}

static int count_in_python(Scan *s, Py_ssize_t a, Py_ssize_t e, long long *out) {
    PyObject *slice = PyUnicode_Substring(s->html, a, e);
    if (slice == NULL)
        return ERROR;
    PyObject *count = PyObject_CallOneArg(s->count_attributes, slice);
    Py_DECREF(slice);
    if (count == NULL)
        return ERROR;
    *out = PyLong_AsLongLong(count);
    Py_DECREF(count);
    return (*out == -1 && PyErr_Occurred()) ? ERROR : GO_ON;
}

static int count_attributes(Scan *s, Py_ssize_t a, Py_ssize_t e, long long *out) {
    for (Py_ssize_t i = a; i < e; i++)
        if (at(&s->t, i) >= 128)
            return count_in_python(s, a, e, out);
    /* "v " replaces at least two chars, so neither step makes the text longer */
    unsigned char *quoted = PyMem_Malloc((size_t)(e - a) + 1), *plain = PyMem_Malloc((size_t)(e - a) + 1);
    int result = ERROR;
    if (quoted == NULL || plain == NULL)
        PyErr_NoMemory();
    else
        result = distinct_names(plain, unquote(&s->t, a, e, quoted, plain), out);
    PyMem_Free(quoted);
    PyMem_Free(plain);
    return result;
}

/* ---- _TreeEstimate._attributes ---- */

static int attributes_problem(Scan *s, Py_ssize_t name_start, Py_ssize_t name_end, int lower) {
    PyObject *name = lower ? lowered_slice(s, name_start, name_end) : PyUnicode_Substring(s->html, name_start, name_end);
    if (name == NULL)
        return ERROR;
    PyObject *head = PyUnicode_Substring(name, 0, 20);
    Py_DECREF(name);
    if (head == NULL)
        return ERROR;
    PyObject *message = PyUnicode_FromFormat("a <%U> tag with more than %lld attributes (limit max_tag_attributes)",
                                             head, s->max_attrs);
    Py_DECREF(head);
    return report(s, message);
}

static int attributes(Scan *s, Py_ssize_t name_start, Py_ssize_t name_end, int lower, Py_ssize_t a, Py_ssize_t e) {
    long long limit = s->max_attrs, names;
    wide bound = ((wide)(e - a) + 1) / 2;  /* a name takes at least two chars */
    if (bound > limit) {
        if (count_attributes(s, a, e, &names) < 0)
            return ERROR;
        if (names > limit)
            return attributes_problem(s, name_start, name_end, lower);
        s->attribute_work += (wide)names * names;
    } else {
        if (reserve((void **)&s->uncounted, &s->uncounted_cap, s->n_uncounted + 1, sizeof(Range)) < 0)
            return ERROR;
        s->uncounted[s->n_uncounted++] = (Range){a, e};
        s->uncounted_bound += bound * bound;
    }
    wide work_limit = (wide)ATTRIBUTE_WORK_TAGS * limit * limit;
    if (s->attribute_work + s->uncounted_bound <= work_limit)
        return GO_ON;
    /* the bound could cross the limit: count what was deferred */
    for (Py_ssize_t i = 0; i < s->n_uncounted; i++) {
        if (count_attributes(s, s->uncounted[i].start, s->uncounted[i].end, &names) < 0)
            return ERROR;
        s->attribute_work += (wide)names * names;
    }
    s->n_uncounted = 0;
    s->uncounted_bound = 0;
    if (s->attribute_work > work_limit)
        return report(s, PyUnicode_FromFormat("too many attributes overall (as costly as %d tags of %lld)",
                                              ATTRIBUTE_WORK_TAGS, limit));
    return GO_ON;
}

/* ---- feed: one start tag, one end tag ---- */

static int too_many_nodes(Scan *s) {
    return report(s, PyUnicode_FromFormat("more than %lld elements (limit max_dom_nodes)", s->max_nodes));
}

/* "Close a p element" when one is in button scope, then the family rules (_CLOSED_BY). */
static void close_implied(Scan *s, int flags) {
    Py_ssize_t target = last_of(s, id_p);
    if ((flags & F_CLOSES_P) && target >= 0) {
        int out_of_scope = (s->n_boundary && s->boundary_at[s->n_boundary - 1] > target) ||
                           last_of(s, id_button) > target;
        if (!out_of_scope)
            s->dangling += pop_to(s, target, target - 1);
    }
    while (s->depth) {
        const Name *top = &s->names.items[s->stack[s->depth - 1]];
        if (top->group < 0 || !(flags & (F_GROUP0 << top->group)) || (top->required >= 0 && last_of(s, top->required) < 0))
            break;
        pop_to(s, s->depth - 1, s->depth);
    }
}

static int start_tag(Scan *s, Py_ssize_t ns, Py_ssize_t ne, Py_ssize_t as, Py_ssize_t ae) {
    Py_ssize_t id;
    if (lookup(s, ns, ne, &id) < 0)
        return ERROR;
    s->start_tags++;
    s->reopened += s->dangling;  /* the next tag may re-open every dangling element */
    if (s->start_tags + s->reopened > s->max_nodes)
        return too_many_nodes(s);
    if (ae - as > COUNTED_ATTRS) {
        int r = attributes(s, ns, ne, 1, as, ae);
        if (r != GO_ON)
            return r;
    }
    if (id >= 0 && id == id_option && ++s->options > s->max_options)
        return report(s, PyUnicode_FromFormat("more than %lld <option> elements (limit max_select_options)",
                                              s->max_options));
    int flags = flags_of(s, id);
    if ((flags & F_VOID) || (ae > as && at(&s->t, ae - 1) == '/' && foreign_open(s)))
        return GO_ON;  /* self-closing syntax only counts in SVG/MathML */
    close_implied(s, flags);
    if (id < 0 && names_add(&s->names, s->key, s->key_len, s->key_hash, &id) < 0)
        return ERROR;
    if (push(s, id) < 0)
        return ERROR;
    if ((long long)s->depth + s->dangling > s->max_depth)
        return report(s, PyUnicode_FromFormat("elements nested more than %lld deep (limit max_dom_depth)",
                                              s->max_depth));
    return GO_ON;
}

static Py_ssize_t innermost_heading(const Scan *s) {
    Py_ssize_t target = -1;
    for (int i = 0; i < heading_count; i++)
        if (last_of(s, heading_ids[i]) > target)
            target = last_of(s, heading_ids[i]);
    return target;
}

static int end_tag(Scan *s, Py_ssize_t ns, Py_ssize_t ne) {
    Py_ssize_t id;
    if (lookup(s, ns, ne, &id) < 0)
        return ERROR;
    if (id < 0)
        return GO_ON;  /* never opened, not formatting: ignored */
    if (s->depth && s->stack[s->depth - 1] == id) {
        pop_to(s, s->depth - 1, s->depth);  /* the current node */
        return GO_ON;
    }
    int flags = s->names.items[id].flags;
    Py_ssize_t target = (flags & F_HEADING) ? innermost_heading(s) : s->names.items[id].last;
    if (target < 0) {
        if (s->dangling && (flags & F_FORMATTING))
            s->dangling--;
        return GO_ON;
    }
    /* out of scope, or a special element open above it: the parser ignores it */
    if (flags & F_SPECIAL) {
        if (s->n_boundary && s->boundary_at[s->n_boundary - 1] > target)
            return GO_ON;
    } else if (s->n_special && s->special_at[s->n_special - 1] > target) {
        return GO_ON;
    }
    s->dangling += pop_to(s, target, target);
    return GO_ON;
}

/* ---- the tokenizer ---- */

/* Where a comment whose text starts at q ends (<!--> and <!---> are empty; --> or --!>). */
static Py_ssize_t comment_end(const Text *t, Py_ssize_t q, Py_ssize_t bound) {
    if (q < bound && at(t, q) == '>')
        return q + 1;
    if (q + 1 < bound && at(t, q) == '-' && at(t, q + 1) == '>')
        return q + 2;
    for (Py_ssize_t x = q;; x++) {
        x = find_char(t, x, bound, '-');
        if (x + 2 >= bound)
            return bound;
        if (at(t, x + 1) == '-') {
            Py_UCS4 c = at(t, x + 2);
            if (c == '>')
                return x + 3;
            if (c == '!' && x + 3 < bound && at(t, x + 3) == '>')
                return x + 4;
        }
    }
}

/* The length of the raw-text element name at i (followed by space, "/" or ">"), or 0. */
static int raw_name(const Text *t, Py_ssize_t i, Py_ssize_t bound) {
    static const Py_ssize_t lengths[RAW_COUNT] = {6, 5, 8, 5, 3, 6, 7, 8};
    Py_UCS4 first = at(t, i);
    if (first < 128 ? !strchr("sStTxXiInN", (int)first) : !is_letter(first))
        return 0;  /* most tags: no raw-text name starts with their letter */
    for (int r = 0; r < RAW_COUNT; r++) {
        const char *name = RAW_NAMES[r];
        Py_ssize_t len = lengths[r], k;
        if (i + len >= bound)
            continue;
        for (k = 0; k < len && letter_matches(at(t, i + k), name[k]); k++)
            ;
        if (k == len && ends_name(at(t, i + len)))
            return (int)len;
    }
    return 0;
}

/* The first "</name" (compared as sre's backreference does: simple lowercase) followed by
 * space, "/" or ">" at or after `from` in the whole str, or -1. */
static Py_ssize_t find_end_tag(const Text *t, const Py_UCS4 *key, int len, Py_ssize_t from) {
    for (Py_ssize_t x = from;; x++) {
        x = find_char(t, x, t->len, '<');
        if (x + 2 + len >= t->len)
            return -1;
        if (at(t, x + 1) != '/')
            continue;
        int k = 0;
        while (k < len && Py_UNICODE_TOLOWER(at(t, x + 2 + k)) == key[k])
            k++;
        if (k == len && ends_name(at(t, x + 2 + len)))
            return x;
    }
}

/* Where raw text starting at cs ends within `bound`. An end tag cannot straddle a bound (a bound
 * is the end of the str or a "<"), so the first one in the whole str decides; it is cached per
 * lowered name because nested raw text in SVG would search the same stretch again. */
static Py_ssize_t raw_end(Scan *s, Py_ssize_t ns, int len, Py_ssize_t cs, Py_ssize_t bound) {
    Py_UCS4 key[8];
    for (int k = 0; k < len; k++)
        key[k] = Py_UNICODE_TOLOWER(at(&s->t, ns + k));
    EndCache *hit = NULL;
    for (int i = 0; i < s->n_ends && !hit; i++)
        if (s->ends[i].len == len && memcmp(s->ends[i].key, key, (size_t)len * sizeof(Py_UCS4)) == 0)
            hit = &s->ends[i];
    Py_ssize_t found;
    if (hit && hit->from <= cs && (hit->found < 0 || hit->found >= cs)) {
        found = hit->found;
    } else {
        found = find_end_tag(&s->t, key, len, cs);
        if (!hit && s->n_ends < MAX_END_CACHE) {
            hit = &s->ends[s->n_ends++];
            memcpy(hit->key, key, sizeof(key));
            hit->len = len;
        }
        if (hit) {
            hit->from = cs;
            hit->found = found;
        }
    }
    return (found < 0 || found > bound) ? bound : found;
}

static int open_frame(Scan *s, Py_ssize_t parent_bound, Py_ssize_t resume, Py_ssize_t ns, Py_ssize_t ne) {
    if (reserve((void **)&s->frames, &s->frames_cap, s->n_frames + 1, sizeof(Frame)) < 0)
        return ERROR;
    s->frames[s->n_frames++] = (Frame){parent_bound, resume, ns, ne};
    return GO_ON;
}

/* The whole feed: tokens in order; raw text inside SVG/MathML opens a frame (its element, its
 * content as markup, its end tag) instead of the Python's recursive feed. */
static int run(Scan *s) {
    const Text *t = &s->t;
    Py_ssize_t pos = 0, bound = t->len;
    int r;
    for (;;) {
        Py_ssize_t p = find_char(t, pos, bound, '<');
        if (p >= bound) {  /* the end of a feed: the frame's end tag, then feed's last check */
            if (s->n_frames == 0)
                return s->start_tags + s->reopened > s->max_nodes ? too_many_nodes(s) : GO_ON;
            Frame f = s->frames[--s->n_frames];
            if ((r = end_tag(s, f.raw_start, f.raw_end)) != GO_ON)
                return r;
            if (s->start_tags + s->reopened > s->max_nodes)
                return too_many_nodes(s);
            pos = f.resume;
            bound = f.parent_bound;
            continue;
        }
        Py_UCS4 c1 = p + 1 < bound ? at(t, p + 1) : 0;
        if (c1 == '!' && p + 3 < bound && at(t, p + 2) == '-' && at(t, p + 3) == '-') {
            pos = comment_end(t, p + 4, bound);
            continue;
        }
        int raw = c1 ? raw_name(t, p + 1, bound) : 0;
        if (raw) {
            Py_ssize_t ns = p + 1, ne = ns + raw, close = find_char(t, ne, bound, '>');
            Py_ssize_t cs = close < bound ? close + 1 : bound, ce = raw_end(s, ns, raw, cs, bound);
            if (close - ne > COUNTED_ATTRS && (r = attributes(s, ns, ne, 0, ne, close)) != GO_ON)
                return r;
            pos = ce;
            if (!foreign_open(s))
                continue;  /* raw text: no tags inside */
            /* inside SVG/MathML it is an ordinary element and its content is markup */
            if ((r = start_tag(s, ns, ne, ne, close)) != GO_ON || (r = open_frame(s, bound, ce, ns, ne)) != GO_ON)
                return r;
            pos = cs;
            bound = ce;
            continue;
        }
        Py_ssize_t q = c1 == '/' ? p + 2 : p + 1;
        if (q < bound && is_letter(at(t, q))) {
            Py_ssize_t ne = q + 1;
            while (ne < bound && !ends_name(at(t, ne)))
                ne++;
            Py_ssize_t close = find_char(t, ne, bound, '>');
            pos = close < bound ? close + 1 : bound;
            r = c1 == '/' ? end_tag(s, q, ne) : start_tag(s, q, ne, ne, close);
            if (r != GO_ON)
                return r;
            continue;
        }
        pos = p + 1;
    }
}

static void scan_free(Scan *s) {
    names_free(&s->names);
    PyMem_Free(s->key);
    PyMem_Free(s->stack);
    PyMem_Free(s->prev_same);
    PyMem_Free(s->special_at);
    PyMem_Free(s->boundary_at);
    PyMem_Free(s->uncounted);
    PyMem_Free(s->frames);
}

static PyObject *scan(PyObject *self, PyObject *args) {
    PyObject *html, *count;
    long long depth, nodes, options, attrs;
    if (!PyArg_ParseTuple(args, "ULLLLO:scan", &html, &depth, &nodes, &options, &attrs, &count))
        return NULL;
    if (!vocabulary_set) {
        PyErr_SetString(PyExc_RuntimeError, "_guardscan.set_vocabulary was not called");
        return NULL;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(html) < 0)  /* a legacy str: give it its compact form (3.11 only) */
        return NULL;
#endif
    Scan s;
    memset(&s, 0, sizeof(s));
    s.html = html;
    s.t = (Text){PyUnicode_KIND(html), PyUnicode_DATA(html), PyUnicode_GET_LENGTH(html)};
    s.max_depth = depth;
    s.max_nodes = nodes;
    s.max_options = options;
    s.max_attrs = attrs;
    s.count_attributes = count;
    if (names_copy(&s.names, &vocabulary) < 0)
        return NULL;
    int r = run(&s);
    scan_free(&s);
    if (r == ERROR) {
        Py_XDECREF(s.problem);
        return NULL;
    }
    if (r == PROBLEM)
        return s.problem;
    Py_RETURN_NONE;
}

/* set_vocabulary([(name, flags, group, required name or None), ...]): the element sets of
 * guards.py as flags; p, button, option, svg and math must be among the names. */
static int add_word(PyObject *entry) {
    PyObject *name, *required;
    int flags, group;
    if (!PyArg_ParseTuple(entry, "UiiO", &name, &flags, &group, &required))
        return -1;
    Py_ssize_t len = PyUnicode_GET_LENGTH(name), id;
    Py_UCS4 *key = PyUnicode_AsUCS4Copy(name);
    if (key == NULL)
        return -1;
    uint64_t hash = hash_name(key, len);
    id = names_find(&vocabulary, key, len, hash);
    if (id < 0 && names_add(&vocabulary, key, len, hash, &id) < 0) {
        PyMem_Free(key);
        return -1;
    }
    PyMem_Free(key);
    vocabulary.items[id].flags = flags;
    vocabulary.items[id].group = group;
    if (required != Py_None) {
        if (!PyUnicode_Check(required) || (key = PyUnicode_AsUCS4Copy(required)) == NULL) {
            PyErr_SetString(PyExc_TypeError, "required must be a name or None");
            return -1;
        }
        len = PyUnicode_GET_LENGTH(required);
        hash = hash_name(key, len);
        Py_ssize_t req = names_find(&vocabulary, key, len, hash);
        int failed = req < 0 && names_add(&vocabulary, key, len, hash, &req) < 0;
        PyMem_Free(key);
        if (failed)
            return -1;
        vocabulary.items[id].required = req;
    }
    return 0;
}

static Py_ssize_t word_id(const char *word) {
    Py_UCS4 key[16];
    Py_ssize_t len = (Py_ssize_t)strlen(word);
    for (Py_ssize_t i = 0; i < len; i++)
        key[i] = (unsigned char)word[i];
    return names_find(&vocabulary, key, len, hash_name(key, len));
}

static PyObject *set_vocabulary(PyObject *self, PyObject *entries) {
    PyObject *seq = PySequence_Fast(entries, "set_vocabulary takes a sequence of tuples");
    if (seq == NULL)
        return NULL;
    names_free(&vocabulary);
    vocabulary_set = 0;
    if (names_rehash(&vocabulary, 512) < 0) {
        Py_DECREF(seq);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++)
        if (add_word(PySequence_Fast_GET_ITEM(seq, i)) < 0) {
            Py_DECREF(seq);
            return NULL;
        }
    Py_DECREF(seq);
    heading_count = 0;
    for (Py_ssize_t id = 0; id < vocabulary.count; id++)
        if ((vocabulary.items[id].flags & F_HEADING) && heading_count < 16)
            heading_ids[heading_count++] = id;
    id_p = word_id("p"), id_button = word_id("button"), id_option = word_id("option");
    id_svg = word_id("svg"), id_math = word_id("math");
    if (id_p < 0 || id_button < 0 || id_option < 0 || id_svg < 0 || id_math < 0) {
        PyErr_SetString(PyExc_ValueError, "the vocabulary lacks p, button, option, svg or math");
        return NULL;
    }
    vocabulary_set = 1;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS,
     "scan(html, max_dom_depth, max_dom_nodes, max_select_options, max_tag_attributes, count_attributes)"
     " -> the message of the first limit crossed, or None (guards._TreeEstimate's result)."},
    {"set_vocabulary", set_vocabulary, METH_O, "set_vocabulary([(name, flags, group, required), ...])"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_guardscan", NULL, -1, methods};

/* The hash key: random per process (os.urandom), like str's own hash; drawn once, because the
 * vocabulary table keeps its hashes. */
static int seed_hash(void) {
    static int seeded = 0;
    if (seeded)
        return 0;
    PyObject *os = PyImport_ImportModule("os");
    if (os == NULL)
        return -1;
    PyObject *bytes = PyObject_CallMethod(os, "urandom", "i", 16);
    Py_DECREF(os);
    if (bytes == NULL)
        return -1;
    if (!PyBytes_Check(bytes) || PyBytes_GET_SIZE(bytes) != 16) {
        Py_DECREF(bytes);
        PyErr_SetString(PyExc_RuntimeError, "os.urandom(16) did not give 16 bytes");
        return -1;
    }
    memcpy(&sip_k0, PyBytes_AS_STRING(bytes), 8);
    memcpy(&sip_k1, PyBytes_AS_STRING(bytes) + 8, 8);
    Py_DECREF(bytes);
    seeded = 1;
    return 0;
}

PyMODINIT_FUNC PyInit__guardscan(void) {
    if (seed_hash() < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddStringConstant(m, "TOKENS", TOKENS_PATTERN) < 0 ||
        PyModule_AddStringConstant(m, "QUOTED", "\\\"[^\\\"]*\\\"|'[^']*'") < 0 ||
        PyModule_AddStringConstant(m, "EQUALS", "\\s*=\\s*") < 0 ||
        PyModule_AddStringConstant(m, "NAME_SEPARATORS", "[\\s/]+") < 0 ||
        PyModule_AddIntConstant(m, "COUNTED_ATTRS", COUNTED_ATTRS) < 0 ||
        PyModule_AddIntConstant(m, "ATTRIBUTE_WORK_TAGS", ATTRIBUTE_WORK_TAGS) < 0 ||
        PyModule_AddIntConstant(m, "F_VOID", F_VOID) < 0 || PyModule_AddIntConstant(m, "F_CLOSES_P", F_CLOSES_P) < 0 ||
        PyModule_AddIntConstant(m, "F_FORMATTING", F_FORMATTING) < 0 ||
        PyModule_AddIntConstant(m, "F_HEADING", F_HEADING) < 0 || PyModule_AddIntConstant(m, "F_SPECIAL", F_SPECIAL) < 0 ||
        PyModule_AddIntConstant(m, "F_BOUNDARY", F_BOUNDARY) < 0 || PyModule_AddIntConstant(m, "F_GROUP0", F_GROUP0) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
