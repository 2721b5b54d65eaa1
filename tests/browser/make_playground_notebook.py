"""Write notebooks/playground.ipynb (without outputs): `python tests/browser/make_playground_notebook.py`."""

from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "playground.ipynb"

# The app comes first, so that it fills the screen; what to do with it follows below it.
CODE = """\
import os

from nnlib.widgets.playground import Playground

# In Voilà, the page's address carries the settings (?dataset=moons&lr=0.1): a link reproduces a setup.
playground = Playground(query=os.environ.get("QUERY_STRING", ""))
playground"""

GUIDE = """\
## How to use the Playground

Train a small network of your own nnlib on a 2-D problem and watch it learn, as in the
[Neural Network Playground](https://playground.tensorflow.org).

- **play** trains until you press **pause**: one epoch per frame for the first 100 epochs,
  then faster (*epochs/frame* under **View** sets the speed); **step** trains one epoch;
  **reset** starts again from the same seeded start.
- The **network** shows every neuron's output over the input plane, and every weight as a
  line: thick for a large weight, red for positive, blue for negative. Hover over a neuron to
  see its output large on the right; click it to keep it there.
- The **heat map** shows the network's output behind the training points (tick *show test
  data* to see the test points too). The **loss chart** below it shows the training and test
  loss per epoch; the previous run stays as a dashed grey ghost, and a dotted line marks each
  change of a training setting.
- Changing the data or the network starts a new run; changing the learning rate, batch
  size, optimizer or penalty takes effect from the next epoch. β1 is momentum's and Adam's,
  β2 RMSprop's and Adam's: each is greyed out when the optimizer has none.
- In JupyterLab, hide the file browser (Ctrl+B) to see the whole Playground on a laptop.
- **choose a lesson** loads a setup that teaches one thing (over-fitting and its cures,
  vanishing gradients, batch norm, Adam against SGD) and says what to watch for.
- The **code** under the chart trains the same network on the same data with nnlib, changes
  made during the run included: **copy** it into a notebook and you get the same numbers.
  **copy link** copies the page's address, which holds your settings (in JupyterLab,
  **copy settings** copies them as text for `Playground(query="...")`)."""


def build() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell(CODE), nbformat.v4.new_markdown_cell(GUIDE)]
    for i, cell in enumerate(nb.cells):  # stable ids, so rewriting gives the same file
        cell["id"] = f"playground-{i}"
    return nb


if __name__ == "__main__":
    nbformat.write(build(), NOTEBOOK)
    print(f"wrote {NOTEBOOK}")
