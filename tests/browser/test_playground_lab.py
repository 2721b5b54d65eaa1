"""The Playground in JupyterLab at a laptop's 1280x720: Run All on notebooks/playground.ipynb,
hide the file browser, and the controls, the network, the heat map and the loss chart are on
screen at once.

JupyterLab runs from the project's environment (nnlib installed there) on a copy of the
notebook. Screenshot: ``<pytest's tmp folder>/lab-playground.png``, named in the output.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fixtures import support

from .servers import REPO, start_lab
from .test_playground_browser import ACTION_TIMEOUT, LAPTOP, _assert_fits

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab-playground")
    shutil.copy(REPO / "notebooks" / "playground.ipynb", root / "playground.ipynb")
    workdir = tmp_path_factory.mktemp("lab-server")
    bin_dir = Path(sys.executable).parent
    server = start_lab(root, bin_dir, workdir, support.clean_env(bin_dir, workdir / "home"))
    yield server
    server.stop()


def test_the_playground_fits_a_laptop_screen_in_jupyterlab(lab, page, tmp_path):
    page.set_viewport_size(LAPTOP)
    page.goto(f"{lab.url}lab/tree/playground.ipynb", timeout=90_000)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=90_000)
    page.locator(".lm-MenuBar-itemLabel").get_by_text("Run", exact=True).click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()
    expect(page.locator(".nn-neuron").first).to_be_visible(timeout=120_000)
    # The file browser takes a quarter of a laptop's width: hide it, as the guide says.
    page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
    # The learner scrolls the app to the top of the notebook's area.
    page.locator(".nn-playground").evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    page.locator(".nn-step").click()
    expect(page.locator(".nn-epoch")).to_have_text("epoch 1", timeout=ACTION_TIMEOUT)
    page.screenshot(path=tmp_path / "lab-playground.png")
    print(f"\nscreenshot: {tmp_path / 'lab-playground.png'}")
    _assert_fits(page, LAPTOP)
    assert not page.errors, page.errors
