/* The AMI parser's hot loop: cut one frame's text into header names and values.
 *
 * split_headers(text, newline) splits ``text`` into lines at ``newline`` ("\r\n" or "\n") and each line at
 * its first ": ". It answers (names, values), two lists of the same length, or None when some line holds
 * no ": " at all (an empty or malformed line), which the Python side then reads line by line. The result
 * is exactly what ``[line.partition(": ") for line in text.split(newline)]`` gives for such text; the
 * pure-Python twin in protocol.py is used where this module is not built.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *
split_headers(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "split_headers(text: str, newline: str)");
        return NULL;
    }
    PyObject *text = args[0];
    PyObject *newline = args[1];
    if (PyUnicode_READY(text) < 0 || PyUnicode_READY(newline) < 0) {
        return NULL;
    }
    Py_ssize_t nl_len = PyUnicode_GET_LENGTH(newline);
    if (nl_len < 1 || nl_len > 2) {
        PyErr_SetString(PyExc_ValueError, "newline must be one or two characters");
        return NULL;
    }
    Py_UCS4 nl0 = PyUnicode_READ_CHAR(newline, 0);
    Py_UCS4 nl1 = nl_len == 2 ? PyUnicode_READ_CHAR(newline, 1) : 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);

    PyObject *names = PyList_New(0);
    PyObject *values = PyList_New(0);
    if (names == NULL || values == NULL) {
        goto fail;
    }
    Py_ssize_t start = 0;
    for (;;) {
        Py_ssize_t end = start;
        Py_ssize_t sep = -1;
        while (end < length) {
            Py_UCS4 c = PyUnicode_READ(kind, data, end);
            if (c == nl0 && (nl_len == 1 || (end + 1 < length && PyUnicode_READ(kind, data, end + 1) == nl1))) {
                break;
            }
            if (sep < 0 && c == ':' && end + 1 < length && PyUnicode_READ(kind, data, end + 1) == ' ') {
                sep = end;
            }
            end++;
        }
        if (sep < 0) {
            Py_DECREF(names);
            Py_DECREF(values);
            Py_RETURN_NONE;
        }
        PyObject *name = PyUnicode_Substring(text, start, sep);
        if (name == NULL) {
            goto fail;
        }
        int failed = PyList_Append(names, name);
        Py_DECREF(name);
        if (failed) {
            goto fail;
        }
        PyObject *value = PyUnicode_Substring(text, sep + 2, end);
        if (value == NULL) {
            goto fail;
        }
        failed = PyList_Append(values, value);
        Py_DECREF(value);
        if (failed) {
            goto fail;
        }
        if (end >= length) {
            break;
        }
        start = end + nl_len;
    }
    PyObject *result = PyTuple_Pack(2, names, values);
    Py_DECREF(names);
    Py_DECREF(values);
    return result;

fail:
    Py_XDECREF(names);
    Py_XDECREF(values);
    return NULL;
}

static PyMethodDef methods[] = {
    {"split_headers", (PyCFunction)(void (*)(void))split_headers, METH_FASTCALL,
     "split_headers(text, newline) -> (names, values) | None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "telephony.ami._split", "The AMI parser's hot loop, in C.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__split(void)
{
    return PyModule_Create(&module);
}
