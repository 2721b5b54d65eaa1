"""Keeping the tests' verdicts out of the student's hands (code the grader runs in the kernel).

The test cells run in the student's kernel, after the student's code, so student code could
change what a test sees. ``SNAPSHOT``, run as the kernel starts (before any cell), and two
silent requests (not cells: nothing shows in the notebook) undo that:

- ``SNAPSHOT`` keeps the contents of numpy, numpy.testing, numpy.linalg, math, operator and
  builtins, and those modules' ``sys.modules`` entries.
- ``AFTER_SETUP`` runs after the setup cell (a locked cell, restored from the release): it
  keeps the names that cell defined (``np``, imported helpers...).
- ``BEFORE_TEST`` runs before each test cell: it puts back every module attribute, module and
  setup name the student replaced (``np.testing.assert_allclose = lambda *a: None``,
  ``builtins.abs = ...``, ``np = fake``), removes IPython's custom exception handler (which
  could hide a failing assert), and wraps each function the student defined so that a value
  of a student-made class that redefines comparisons or numpy conversion (``__eq__`` always
  True) raises instead of passing a test. The copy of the kernel that runs a test cell's
  hidden regions runs it again first (``autograder.freeze``).

The grader also scores a test cell 0 when the kernel's reply says it failed, even if no
error was shown, and looks only at errors, never at printed text ("All tests passed").

This protects against replacing functions and values. It cannot stop code that attacks the
interpreter itself (editing the guard through the garbage collector, patching ipykernel's
reply): the sandbox keeps such a student away from other students and the gradebook, and
the instructor sees the code in the autograded notebook.
"""

from __future__ import annotations

__all__ = ["SNAPSHOT", "INSTALLED", "AFTER_SETUP", "BEFORE_TEST"]

SNAPSHOT = r'''
def __autograder_snapshot():
    import builtins, math, operator, sys, types, functools
    import numpy, numpy.testing, numpy.linalg
    modules = {m.__name__: m for m in (builtins, math, operator, numpy, numpy.testing, numpy.linalg)}
    saved = {name: dict(vars(m)) for name, m in modules.items()}
    state = {"setup": {}}
    missing = object()
    ndarray, generic = numpy.ndarray, numpy.generic
    plain = (int, float, complex, bool, str, bytes, type(None), ndarray, generic)
    dunders = ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__float__",
               "__int__", "__index__", "__array__", "__array_ufunc__", "__array_function__",
               "__array_interface__", "__abs__", "__sub__", "__rsub__", "__len__", "__iter__")

    def untrusted(value, depth=0):
        kind = type(value)
        if kind in plain:
            if kind is ndarray and value.dtype == object:
                return any(untrusted(v, depth + 1) for v in value.flat) if depth < 3 else False
            return False
        if kind in (tuple, list) and depth < 3:
            return any(untrusted(v, depth + 1) for v in value)
        if kind is dict and depth < 3:
            return any(untrusted(v, depth + 1) for v in value.values())
        for klass in kind.__mro__:
            if klass.__module__ == "__main__" and any(d in vars(klass) for d in dunders):
                return klass.__name__
        return False

    def guarded(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            value = function(*args, **kwargs)
            culprit = untrusted(value)
            if culprit:
                raise TypeError(f"{function.__name__} returned an object whose class redefines comparison "
                                f"or conversion ({culprit if isinstance(culprit, str) else 'inside a container'}); "
                                "tests need plain numbers and numpy arrays")
            return value
        wrapper.__autograder_guarded__ = True
        return wrapper

    def after_setup(user_ns):
        keep = {}
        for key, value in user_ns.items():
            if key.startswith("_") or key in ("In", "Out", "get_ipython", "exit", "quit"):
                continue
            if isinstance(value, types.ModuleType) or getattr(value, "__module__", "__main__") not in ("__main__", None):
                keep[key] = value
        state["setup"] = keep

    def before_test(user_ns, shell):
        for name, module in modules.items():
            sys.modules[name] = module
            contents = vars(module)
            for key, value in saved[name].items():
                if contents.get(key, missing) is not value:
                    setattr(module, key, value)
        for key, value in state["setup"].items():
            if user_ns.get(key) is not value:
                user_ns[key] = value
        shell.set_custom_exc((), None)
        shell.events.callbacks["pre_run_cell"][:] = []
        shell.events.callbacks["post_run_cell"][:] = []
        for key, value in list(user_ns.items()):
            if (isinstance(value, types.FunctionType) and value.__module__ == "__main__"
                    and not getattr(value, "__autograder_guarded__", False) and not key.startswith("_")):
                user_ns[key] = guarded(value)

    return after_setup, before_test

__autograder_after_setup, __autograder_before_test = __autograder_snapshot()
del __autograder_snapshot
'''

# A silent request that succeeds where SNAPSHOT ran.
INSTALLED = "__autograder_before_test"

AFTER_SETUP = "__autograder_after_setup(get_ipython().user_ns)"

BEFORE_TEST = "__autograder_before_test(get_ipython().user_ns, get_ipython())"
