"""The Playground in a real browser: Voilà serves notebooks/playground.ipynb on 127.0.0.1,
headless Chromium opens it, changes the learning rate, presses play and pause.

Screenshots before and after go to the test's output folder (printed with ``-s``). The
README's screenshot, assets/playground.png, is written from the "after" screenshot when it
does not exist yet or when UPDATE_ASSETS=1 is set (so a plain test run leaves the tree clean).
"""

from __future__ import annotations

import os
import re
import time

import psutil
import pytest
from playwright.sync_api import expect

from .servers import REPO, start_voila

NOTEBOOK = REPO / "notebooks" / "playground.ipynb"
README_SCREENSHOT = REPO / "assets" / "playground.png"
RENDER_TIMEOUT = 90_000  # ms: the notebook runs server-side while the page loads
ACTION_TIMEOUT = 20_000  # ms: one redraw after a click, generous for a loaded machine


@pytest.fixture(scope="module")
def playground_server(tmp_path_factory):
    # 30 s per cell (as `make playground`): above the slowest real run of the cell seen on a
    # heavily loaded 2-core machine (about 20 s; 2-3 s when idle), and what a stalled kernel
    # reply costs before Voilà polls again and carries on.
    server = start_voila(NOTEBOOK, tmp_path_factory.mktemp("voila"), cell_timeout=30)
    yield server
    server.stop()
    alive = [pid for pid in server.children if psutil.pid_exists(pid)
             and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"voila left processes behind: {alive}"


def _epoch(page) -> int:
    return int(re.fullmatch(r"epoch (\d+)", page.locator(".nn-epoch").inner_text()).group(1))


@pytest.mark.browser
def test_playground_trains_in_the_browser(playground_server, page, tmp_path):
    start = time.perf_counter()
    page.goto(playground_server.url, wait_until="domcontentloaded", timeout=RENDER_TIMEOUT)
    expect(page.locator(".nn-epoch")).to_have_text("epoch 0", timeout=RENDER_TIMEOUT)
    expect(page.locator(".nn-plot img")).to_be_visible(timeout=ACTION_TIMEOUT)
    expect(page.locator(".nn-settings")).to_contain_text("lr=0.03,", timeout=ACTION_TIMEOUT)
    rendered = time.perf_counter() - start
    loss_before = page.locator(".nn-loss").inner_text()
    image_before = page.locator(".nn-plot img").get_attribute("src")
    page.screenshot(path=tmp_path / "playground_before.png", full_page=True)

    # The learning rate: type into the slider's readout, as a person would.
    page.locator(".nn-lr .widget-readout").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0.1")
    page.keyboard.press("Enter")
    expect(page.locator(".nn-settings")).to_contain_text("lr=0.1,", timeout=ACTION_TIMEOUT)

    page.locator(".nn-play").click()
    expect(page.locator(".nn-play")).to_contain_text("pause", timeout=ACTION_TIMEOUT)
    page.wait_for_function(
        "() => /^epoch ([2-9][0-9]|[1-9][0-9]{2,})$/.test("
        "document.querySelector('.nn-epoch').textContent.trim())", timeout=60_000)
    page.locator(".nn-play").click()
    expect(page.locator(".nn-play")).to_contain_text("play", timeout=ACTION_TIMEOUT)

    # Paused: the counter stays where it stopped, and the views show the trained network.
    stopped_at = _epoch(page)
    page.wait_for_timeout(500)
    assert _epoch(page) == stopped_at >= 20
    loss_after = page.locator(".nn-loss").inner_text()
    assert loss_after != loss_before
    train_after = float(re.match(r"train loss ([0-9.]+)", loss_after).group(1))
    train_before = float(re.match(r"train loss ([0-9.]+)", loss_before).group(1))
    assert train_after < train_before
    page.wait_for_function(
        "(old) => { const img = document.querySelector('.nn-plot img');"
        " return img && img.complete && img.naturalWidth > 0 && img.src !== old; }",
        arg=image_before, timeout=ACTION_TIMEOUT)
    expect(page.locator(".nn-code textarea")).to_have_value(
        re.compile(rf"for epoch in range\({stopped_at}\):"), timeout=ACTION_TIMEOUT)
    after = tmp_path / "playground_after.png"
    page.screenshot(path=after, full_page=True)
    assert page.errors == []
    print(f"\nrendered in {rendered:.1f} s, test {time.perf_counter() - start:.1f} s; "
          f"stopped at epoch {stopped_at}; screenshots in {tmp_path}")

    if os.environ.get("UPDATE_ASSETS") == "1" or not README_SCREENSHOT.exists():
        page.locator(".nn-playground").screenshot(path=README_SCREENSHOT)


@pytest.mark.browser
def test_step_and_reset_buttons_in_the_browser(playground_server, page):
    page.goto(playground_server.url, wait_until="domcontentloaded", timeout=RENDER_TIMEOUT)
    expect(page.locator(".nn-epoch")).to_have_text("epoch 0", timeout=RENDER_TIMEOUT)
    expect(page.locator(".nn-plot img")).to_be_visible(timeout=ACTION_TIMEOUT)
    first_image = page.locator(".nn-plot img").get_attribute("src")
    first_loss = page.locator(".nn-loss").inner_text()

    page.locator(".nn-step").click()
    expect(page.locator(".nn-epoch")).to_have_text("epoch 1", timeout=ACTION_TIMEOUT)
    page.locator(".nn-step").click()
    expect(page.locator(".nn-epoch")).to_have_text("epoch 2", timeout=ACTION_TIMEOUT)
    assert page.locator(".nn-loss").inner_text() != first_loss

    page.locator(".nn-reset").click()
    expect(page.locator(".nn-epoch")).to_have_text("epoch 0", timeout=ACTION_TIMEOUT)
    # Seeded: the same data and initial weights, so the very same picture and losses.
    expect(page.locator(".nn-loss")).to_have_text(first_loss, timeout=ACTION_TIMEOUT)
    page.wait_for_function(
        "(first) => document.querySelector('.nn-plot img').src === first",
        arg=first_image, timeout=ACTION_TIMEOUT)
    assert page.errors == []
