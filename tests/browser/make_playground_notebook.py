"""Write notebooks/playground.ipynb (without outputs): `python tests/browser/make_playground_notebook.py`."""

from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "playground.ipynb"

INTRO = """\
# The Playground

Train a small network of your own nnlib on a 2-D data set and watch it learn, as in the
[Neural Network Playground](https://playground.tensorflow.org).

- **play** trains epoch after epoch until you press **pause**; **step** trains one epoch;
  **reset** starts again from the same seeded start.
- Changing the data or the network starts a new run; changing the learning rate, batch size,
  optimizer or regularisation takes effect from the next epoch.
- Left: the network's output P(class 1) behind the training points (tick *show test data* to
  see the test points too). Right: training and test loss per epoch.
- The **Code** box holds nnlib code that trains the same network on the same data: copy it
  into a notebook to reproduce the run.

Served as an app: `make playground`, then open the address it prints."""

CODE = """\
from nnlib.widgets.playground import Playground

playground = Playground()
playground"""


def build() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(INTRO), nbformat.v4.new_code_cell(CODE)]
    for i, cell in enumerate(nb.cells):  # stable ids, so rewriting gives the same file
        cell["id"] = f"playground-{i}"
    return nb


if __name__ == "__main__":
    nbformat.write(build(), NOTEBOOK)
    print(f"wrote {NOTEBOOK}")
