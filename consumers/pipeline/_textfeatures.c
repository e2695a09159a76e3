/* features.text_record in C: a block's text tokenised (words_of: `\w+` over text.lower()), its
 * content words (content_words), and its features (text_features): the character counts in one
 * pass, then the same arithmetic as the Python reference (_text_features_python) in the same
 * order, so every float has the same bits (int / int there is the division of two exactly
 * representable doubles; math.log1p is libm's log1p). The features come back as one bytes object
 * of 19 doubles, a row of the page's matrix (features._TEXT_ROW). Python lowers the text
 * (str.lower) and owns the two regex tests for short texts, which it passes in as callables.
 * count_members counts a page's tokens in its title words.
 *
 * Character classes mirror features.py: _CJK, the two classes of _SENTENCE_END, the separators,
 * _CAPITALS, _END_PUNCT and _CJK_FUNCTION. `\s`, str.split() and str.rstrip() all test
 * Py_UNICODE_ISSPACE, `\d` tests Py_UNICODE_ISDECIMAL and `\w` Py_UNICODE_ISALNUM or '_', as here.
 * tests/unit/test_textfeatures.py compares both implementations on every BMP code point, so a class
 * edited on one side only fails there. Tokenising here instead of re.findall, with the stopword
 * lookups done once for both the features and the content words, took the text work of a page
 * from about 2.8 to 1.8 ms on trafilatura-eval (CPU, a loaded machine). */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

#define FEATURES 19  /* text_features: 4 before link_density, 13 after it, link_x_short's flag, stop_x_long */

/* _CJK_FUNCTION by code point, ascending (binary search). */
static const Py_UCS4 CJK_FUNCTION[] = {
    0x3044, 0x304B, 0x304C, 0x3057, 0x3059, 0x305F, 0x3066, 0x3067, 0x3068, 0x306A, 0x306B, 0x306E,
    0x306F, 0x3082, 0x308B, 0x308C, 0x3092, 0x4E00, 0x4E0A, 0x4E0D, 0x4E0E, 0x4E2A, 0x4E2D, 0x4E3A,
    0x4E4B, 0x4E5F, 0x4E86, 0x4E8E, 0x4EBA, 0x4ECE, 0x4ED6, 0x4EE5, 0x4EEC, 0x4F1A, 0x4F46, 0x4F60,
    0x5176, 0x5230, 0x53CA, 0x53EF, 0x548C, 0x5728, 0x5979, 0x5B83, 0x5BF9, 0x5C06, 0x5C31, 0x5F88,
    0x6211, 0x6240, 0x628A, 0x662F, 0x6709, 0x6CA1, 0x7684, 0x7B49, 0x800C, 0x88AB, 0x8981, 0x8BF4,
    0x8FC7, 0x8FD8, 0x8FD9, 0x90FD,
};

static int is_cjk_function(Py_UCS4 ch) {
    Py_ssize_t lo = 0, hi = sizeof(CJK_FUNCTION) / sizeof(CJK_FUNCTION[0]);
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (CJK_FUNCTION[mid] < ch)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < (Py_ssize_t)(sizeof(CJK_FUNCTION) / sizeof(CJK_FUNCTION[0])) && CJK_FUNCTION[lo] == ch;
}

static int is_cjk(Py_UCS4 ch) {
    return (ch >= 0x3040 && ch <= 0x30FF) || (ch >= 0x3400 && ch <= 0x4DBF) || (ch >= 0x4E00 && ch <= 0x9FFF)
           || (ch >= 0xAC00 && ch <= 0xD7AF);
}

static int is_sentence_end(Py_UCS4 ch) {
    return ch == '.' || ch == '!' || ch == '?' || ch == 0x3002 || ch == 0xFF01 || ch == 0xFF1F;
}

static int is_closer(Py_UCS4 ch) {
    return ch == '"' || ch == '\'' || ch == 0x201D || ch == 0x2019 || ch == ')' || ch == ']';
}

static int is_capital(Py_UCS4 ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 0xC0 && ch <= 0xDE);
}

static int is_end_punct(Py_UCS4 ch) {
    return ch == '.' || ch == '!' || ch == '?' || ch == ':' || ch == ';' || ch == '"' || ch == '\'' || ch == 0x201D
           || ch == 0x2019 || ch == ')' || ch == 0x3002 || ch == 0xFF01 || ch == 0xFF1F || ch == 0x300D;
}

typedef struct {
    Py_ssize_t cjk, digits, separators, commas, sentences, full_stops, words, capitalised;
} Counts;

/* The counts in one pass. `kind` is a constant in each inlined copy, so reading a character is
 * a plain load of its width. A sentence end counts where _SENTENCE_END.findall matches: an end
 * character, an optional closer, then whitespace or the end of the text (`$` also matches before
 * a final newline, which `\s` matches anyway). Counting every such position is findall's count:
 * what a match consumes after its end character is a closer or a space, where no match starts. */
static inline __attribute__((always_inline)) void count_chars(int kind, const void *data, Py_ssize_t n,
                                                              Counts *c) {
    int in_word = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        int space = Py_UNICODE_ISSPACE(ch);
        if (!space && !in_word) {  /* a word of text.split() starts */
            c->words++;
            c->capitalised += is_capital(ch);
        }
        in_word = !space;
        if (ch < 128) {
            c->digits += ch >= '0' && ch <= '9';
            c->commas += ch == ',';
            c->separators += ch == '|';
        } else {
            c->digits += Py_UNICODE_ISDECIMAL(ch);
            c->separators += ch == 0x00B7 || ch == 0x2022;
            c->cjk += is_cjk(ch);
            c->full_stops += ch == 0x3002;
        }
        if (is_sentence_end(ch)) {
            if (i + 1 == n) {
                c->sentences++;
            } else {
                Py_UCS4 next = PyUnicode_READ(kind, data, i + 1);
                if (Py_UNICODE_ISSPACE(next)
                    || (is_closer(next) && (i + 2 == n || Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i + 2)))))
                    c->sentences++;
            }
        }
    }
}

static void count_text(PyObject *text, Counts *c) {
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND:
        count_chars(PyUnicode_1BYTE_KIND, data, n, c);
        break;
    case PyUnicode_2BYTE_KIND:
        count_chars(PyUnicode_2BYTE_KIND, data, n, c);
        break;
    default:
        count_chars(PyUnicode_4BYTE_KIND, data, n, c);
    }
}

static Py_ssize_t count_cjk_function(PyObject *text) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), count = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        count += is_cjk_function(PyUnicode_READ(kind, data, i));
    return count;
}

/* The last character of text.rstrip() is in _END_PUNCT (an empty rest is not). */
static int ends_with_punct(PyObject *text) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t i = PyUnicode_GET_LENGTH(text) - 1; i >= 0; i--) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (!Py_UNICODE_ISSPACE(ch))
            return is_end_punct(ch);
    }
    return 0;
}

/* The text ends with `tail` (ASCII or not, `length` characters). */
static int ends_with(PyObject *text, const Py_UCS4 *tail, Py_ssize_t length) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (n < length)
        return 0;
    for (Py_ssize_t i = 0; i < length; i++)
        if (PyUnicode_READ(kind, data, n - length + i) != tail[i])
            return 0;
    return 1;
}

/* text.endswith(("\u2026", "...", "[\u2026]")) */
static int ends_with_ellipsis(PyObject *text) {
    static const Py_UCS4 ellipsis[] = {0x2026}, dots[] = {'.', '.', '.'}, bracketed[] = {'[', 0x2026, ']'};
    return ends_with(text, ellipsis, 1) || ends_with(text, dots, 3) || ends_with(text, bracketed, 3);
}

/* `\w` of Python's re for str patterns (_sre: SRE_UNI_IS_WORD): alphanumeric or '_'. */
static inline int is_word_char(Py_UCS4 ch) {
    if (ch < 128)
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
    return Py_UNICODE_ISALNUM(ch);
}

/* re.findall(r"\w+", lowered): the maximal runs of word characters, as new strings. */
static PyObject *tokenise(PyObject *lowered) {
    int kind = PyUnicode_KIND(lowered);
    const void *data = PyUnicode_DATA(lowered);
    Py_ssize_t n = PyUnicode_GET_LENGTH(lowered);
    PyObject *tokens = PyList_New(0);
    if (tokens == NULL)
        return NULL;
    Py_ssize_t i = 0;
    while (i < n) {
        while (i < n && !is_word_char(PyUnicode_READ(kind, data, i)))
            i++;
        if (i == n)
            break;
        Py_ssize_t start = i;
        while (i < n && is_word_char(PyUnicode_READ(kind, data, i)))
            i++;
        PyObject *token = PyUnicode_Substring(lowered, start, i);
        if (token == NULL || PyList_Append(tokens, token) < 0) {
            Py_XDECREF(token);
            Py_DECREF(tokens);
            return NULL;
        }
        Py_DECREF(token);
    }
    return tokens;
}

/* Over the tokens: how many are stopwords (when `want_stops`), their total length
 * (len("".join(tokens))), and the content words (content_words: distinct non-stopwords longer
 * than 3 characters) added to the new frozenset `content`; -1 on error. */
static int count_tokens(PyObject *tokens, PyObject *stopwords, int want_stops, Py_ssize_t *stops,
                        Py_ssize_t *joined, PyObject *content) {
    *stops = *joined = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(tokens); i++) {
        PyObject *token = PyList_GET_ITEM(tokens, i);
        Py_ssize_t length = PyUnicode_GET_LENGTH(token);
        *joined += length;
        if (!want_stops && length <= 3)
            continue;
        int found = PySet_Contains(stopwords, token);
        if (found < 0)
            return -1;
        if (want_stops)
            *stops += found;
        if (length > 3 && !found && PySet_Add(content, token) < 0)
            return -1;
    }
    return 0;
}

/* bool(test(text)); -1 on error. */
static int holds(PyObject *test, PyObject *text) {
    PyObject *result = PyObject_CallOneArg(test, text);
    if (result == NULL)
        return -1;
    int truth = PyObject_IsTrue(result);
    Py_DECREF(result);
    return truth;
}

static PyObject *text_record(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "text_record(text, lowered, stopwords, boiler_phrase, date_like)");
        return NULL;
    }
    PyObject *text = args[0], *lowered = args[1], *stopwords = args[2], *boiler_phrase = args[3],
             *date_like = args[4];
    if (!PyUnicode_Check(text) || !PyUnicode_Check(lowered) || !PyAnySet_Check(stopwords)) {
        PyErr_SetString(PyExc_TypeError, "text and lowered must be str, stopwords a set or frozenset");
        return NULL;
    }
    if (PyUnicode_READY(text) < 0 || PyUnicode_READY(lowered) < 0)
        return NULL;
    PyObject *tokens = tokenise(lowered), *content = PyFrozenSet_New(NULL), *result = NULL;
    PyObject *packed = NULL;
    if (tokens == NULL || content == NULL)
        goto done;
    Py_ssize_t chars = PyUnicode_GET_LENGTH(text), n_tokens = PyList_GET_SIZE(tokens);
    Counts c = {0};
    count_text(text, &c);
    /* cjk_share is 0.0 for ASCII text, where the Python path skips the count */
    double cjk_share = PyUnicode_IS_ASCII(text) ? 0.0 : (double)c.cjk / (double)chars;
    int cjk_text = cjk_share > 0.3;
    Py_ssize_t stops, joined, sentences = c.sentences;
    if (count_tokens(tokens, stopwords, !cjk_text, &stops, &joined, content) < 0)
        goto done;
    double n_words;
    if (cjk_text) {
        double estimate = (double)c.cjk / 1.7 + (double)n_tokens;
        n_words = estimate > 1.0 ? estimate : 1.0;  /* max(1.0, estimate) */
        stops = count_cjk_function(text);
        sentences += c.full_stops;
    } else {
        n_words = n_tokens ? (double)n_tokens : 1.0;
    }
    double stop_density = (double)stops / n_words;
    stop_density = stop_density < 1.0 ? stop_density : 1.0;
    int short_text = n_words < 4;
    double comma_rate = (double)c.commas / n_words * 5.0;
    double word_len = n_tokens ? ((double)joined / (double)n_tokens) / 6.0 : 0.0;
    int boiler = 0, date = 0;
    if (chars < 400 && (boiler = holds(boiler_phrase, lowered)) < 0)
        goto done;
    if (chars < 120 && c.digits && (date = holds(date_like, text)) < 0)
        goto done;
    double head[4] = {log1p((double)chars) / 7.0, log1p(n_words) / 5.0, stop_density, log1p((double)stops) / 4.0};
    double tail[13] = {
        ends_with_punct(text) ? 1.0 : 0.0,
        log1p((double)sentences) / 3.0,
        comma_rate < 1.0 ? comma_rate : 1.0,
        c.words ? (double)c.capitalised / (double)c.words : 0.0,
        chars ? (double)c.digits / (double)chars : 0.0,
        word_len < 2.0 ? word_len : 2.0,
        cjk_share,
        ends_with_ellipsis(text) ? 1.0 : 0.0,
        boiler ? 1.0 : 0.0,
        date ? 1.0 : 0.0,
        c.separators >= 2 ? 1.0 : 0.0,
        short_text ? 1.0 : 0.0,
        n_words > 40 ? 1.0 : 0.0,
    };
    /* the 19 doubles in one bytes object (a row of the page's matrix, joined and read by numpy) */
    double row[FEATURES];
    memcpy(row, head, sizeof head);
    memcpy(row + 4, tail, sizeof tail);
    row[17] = short_text || n_words < 10 ? 1.0 : 0.0;
    row[18] = n_words >= 15 ? stop_density : 0.0;
    packed = PyBytes_FromStringAndSize((const char *)row, sizeof row);
    if (packed != NULL)
        result = PyTuple_Pack(3, packed, tokens, content);
done:
    Py_XDECREF(packed);
    Py_XDECREF(tokens);
    Py_XDECREF(content);
    return result;
}

/* count_members(lists, words): for each list of strings, how many of its items are in the set
 * `words` (sum(map(words.__contains__, items))), as a list of ints. */
static PyObject *count_members(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyList_Check(args[0]) || !PyAnySet_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "count_members(lists: list, words: set or frozenset)");
        return NULL;
    }
    PyObject *lists = args[0], *words = args[1];
    Py_ssize_t n = PyList_GET_SIZE(lists);
    PyObject *counts = PyList_New(n);
    if (counts == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *items = PyList_GET_ITEM(lists, i);
        if (!PyList_Check(items)) {
            PyErr_SetString(PyExc_TypeError, "count_members: lists must hold lists");
            Py_DECREF(counts);
            return NULL;
        }
        Py_ssize_t found = 0;
        for (Py_ssize_t k = 0; k < PyList_GET_SIZE(items); k++) {
            int in = PySet_Contains(words, PyList_GET_ITEM(items, k));
            if (in < 0) {
                Py_DECREF(counts);
                return NULL;
            }
            found += in;
        }
        PyObject *count = PyLong_FromSsize_t(found);
        if (count == NULL) {
            Py_DECREF(counts);
            return NULL;
        }
        PyList_SET_ITEM(counts, i, count);
    }
    return counts;
}

static PyMethodDef methods[] = {
    {"text_record", (PyCFunction)(void (*)(void))text_record, METH_FASTCALL,
     "text_record(text, lowered, stopwords, boiler_phrase, date_like): features._text_record_python(text) "
     "given text.lower(), the stopword set, the boilerplate test of lowered text and _DATE_LIKE.search."},
    {"count_members", (PyCFunction)(void (*)(void))count_members, METH_FASTCALL,
     "count_members(lists, words): [sum(map(words.__contains__, items)) for items in lists]."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_textfeatures", NULL, -1, methods};

PyMODINIT_FUNC PyInit__textfeatures(void) { return PyModule_Create(&module); }
