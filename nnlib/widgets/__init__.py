"""Interactive widgets (ipywidgets) for the course: the Playground and the chapters' explorers.

``nnlib.widgets.explorer`` holds the building blocks every widget shares (control factories,
``Explorer``); its docstring documents them. Each chapter's explorer lives in its own module
``nnlib.widgets.<name>``; import it from there. ``Playground`` is imported lazily, so that
``import nnlib.widgets`` stays cheap and works in a student's build of nnlib.
"""

from nnlib.widgets.explorer import (
    Explorer,
    button,
    dropdown,
    float_slider,
    int_slider,
    log_slider,
    tag,
    toggle,
)

__all__ = [
    "Explorer",
    "Playground",
    "button",
    "dropdown",
    "float_slider",
    "int_slider",
    "log_slider",
    "tag",
    "toggle",
]


def __getattr__(name: str):
    # Lazy: the Playground pulls in the whole of nnlib's training code.
    if name == "Playground":
        from nnlib.widgets.playground import Playground
        return Playground
    raise AttributeError(f"module 'nnlib.widgets' has no attribute {name!r}")
