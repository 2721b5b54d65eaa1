"""The Playground in a real browser: Voilà serves notebooks/playground.ipynb on 127.0.0.1 and
headless Chromium opens it at a laptop's 1280x720.

Each test saves screenshots in its output folder (named in its output, with ``-s``). The
frame rate is measured in the page (the board counts the frames it draws) and printed, not
asserted. The README's screenshot, assets/playground.png, is written from the layout test's
screenshot when it does not exist yet or when UPDATE_ASSETS=1 is set (so a plain test run
leaves the tree clean).
"""

from __future__ import annotations

import os
import re
import time

import psutil
import pytest
from playwright.sync_api import expect

from nnlib.widgets.playground_board import ALIVE_SECONDS

from .servers import REPO, start_voila

pytestmark = pytest.mark.browser

NOTEBOOK = REPO / "notebooks" / "playground.ipynb"
README_SCREENSHOT = REPO / "assets" / "playground.png"
LAPTOP = {"width": 1280, "height": 720}
RENDER_TIMEOUT = 90_000  # ms: the notebook runs server-side while the page loads
ACTION_TIMEOUT = 20_000  # ms: one redraw after a click, generous for a loaded machine
# Kernel culling of the test server: short, so a closed page's kernel ends within seconds
# (`make playground` uses the same options with a longer idle time).
CULL_IDLE, CULL_INTERVAL = 8, 1
CULLING = [f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE}",
           f"--MappingKernelManager.cull_interval={CULL_INTERVAL}"]


@pytest.fixture(scope="module")
def playground_server(tmp_path_factory):
    # 30 s per cell (as `make playground`): above the slowest real run of the cell seen on a
    # heavily loaded 2-core machine, and what a stalled kernel reply costs before Voilà polls
    # again and carries on.
    server = start_voila(NOTEBOOK, tmp_path_factory.mktemp("voila"), cell_timeout=30,
                         extra_args=CULLING)
    yield server
    server.stop()
    alive = [pid for pid in server.children if psutil.pid_exists(pid)
             and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"voila left processes behind: {alive}"


@pytest.fixture
def laptop_page(page):
    page.set_viewport_size(LAPTOP)
    return page


def _open(page, server, query: str = "") -> None:
    page.goto(server.url + (f"?{query}" if query else ""), wait_until="domcontentloaded",
              timeout=RENDER_TIMEOUT)
    expect(page.locator(".nn-epoch")).to_have_text("epoch 0", timeout=RENDER_TIMEOUT)
    expect(page.locator(".nn-neuron").first).to_be_visible(timeout=ACTION_TIMEOUT)
    page.wait_for_function("() => document.querySelector('.nn-code').textContent.length > 0",
                           timeout=ACTION_TIMEOUT)


def _epoch(page) -> int:
    return int(re.fullmatch(r"epoch (\d+)", page.locator(".nn-epoch").inner_text()).group(1))


def _play_until(page, epoch: int) -> None:
    page.locator(".nn-play").click()
    expect(page.locator(".nn-play")).to_contain_text("pause", timeout=ACTION_TIMEOUT)
    page.wait_for_function(
        f"() => +document.querySelector('.nn-epoch').textContent.match(/\\d+/)[0] >= {epoch}",
        timeout=120_000)
    page.locator(".nn-play").click()
    expect(page.locator(".nn-play")).to_contain_text("play", timeout=ACTION_TIMEOUT)


def _box(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


def _within(box: dict, viewport: dict) -> bool:
    return (box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= viewport["width"]
            and box["y"] + box["height"] <= viewport["height"])


def _assert_fits(page, viewport: dict) -> None:
    """Controls, network, heat map (at least 400 px) and loss chart all on screen at once."""
    heat = _box(page, ".nn-heatmap")
    assert heat["width"] >= 400 and heat["height"] >= 400, heat
    for selector in (".nn-play", ".nn-dataset", ".nn-network", ".nn-heatmap",
                     ".nn-losschart", ".nn-preset"):
        box = _box(page, selector)
        assert _within(box, viewport), f"{selector} at {box} is not within {viewport}"


def test_the_playground_fits_a_laptop_screen_and_trains_frame_by_frame(
        playground_server, laptop_page, tmp_path):
    page = laptop_page
    start = time.perf_counter()
    _open(page, playground_server)
    rendered = time.perf_counter() - start
    _assert_fits(page, LAPTOP)
    page.screenshot(path=tmp_path / "layout_1280x720.png")
    loss_before = page.locator(".nn-loss").inner_text()

    # Play at the default speed ("auto": one epoch per frame up to epoch 100): the page
    # measures its frame rate.
    page.locator(".nn-play").click()
    expect(page.locator(".nn-play")).to_contain_text("pause", timeout=ACTION_TIMEOUT)
    page.wait_for_timeout(4000)
    fps = page.locator(".nn-fps").inner_text()
    epoch_while_playing = _epoch(page)
    page.screenshot(path=tmp_path / "playing.png")
    page.locator(".nn-play").click()
    expect(page.locator(".nn-play")).to_contain_text("play", timeout=ACTION_TIMEOUT)
    assert re.fullmatch(r"\d+\.\d frames/s", fps), fps
    stopped_at = _epoch(page)
    page.wait_for_timeout(500)
    assert _epoch(page) == stopped_at > 0  # paused: the counter stays where it stopped
    loss_after = page.locator(".nn-loss").inner_text()
    train_after = float(re.match(r"train loss ([0-9.]+)", loss_after).group(1))
    train_before = float(re.match(r"train loss ([0-9.]+)", loss_before).group(1))
    assert train_after < train_before
    expect(page.locator(".nn-code")).to_contain_text(f"train({stopped_at}, batch_size=16)",
                                                     timeout=ACTION_TIMEOUT)
    # The loss chart starts at epoch 0 and has been drawn on.
    assert page.evaluate("() => document.querySelector('.nn-losschart').toDataURL().length") > 5000
    page.screenshot(path=tmp_path / "after_play.png")
    assert page.errors == []
    print(f"\nrendered in {rendered:.1f} s; frame rate measured in the page at the default "
          f"speed: {fps} (epoch {epoch_while_playing} after 4 s); screenshots in {tmp_path}")
    if os.environ.get("UPDATE_ASSETS") == "1" or not README_SCREENSHOT.exists():
        page.screenshot(path=README_SCREENSHOT)


def test_the_speed_control_trains_that_many_epochs_per_frame(playground_server, laptop_page,
                                                              tmp_path):
    page = laptop_page
    _open(page, playground_server)
    page.locator(".lm-TabBar-tab", has_text="View").click()
    handle = page.locator(".nn-speed .noUi-handle")
    expect(handle).to_be_visible(timeout=ACTION_TIMEOUT)
    handle.focus()
    for _ in range(4):  # auto -> 1 -> 2 -> 5 -> 10 epochs per frame
        page.keyboard.press("ArrowRight")
    expect(page.locator(".nn-speed .widget-readout")).to_have_text("10", timeout=ACTION_TIMEOUT)
    page.wait_for_function("() => location.search.includes('speed=10')", timeout=ACTION_TIMEOUT)
    _play_until(page, 100)
    stopped_at = _epoch(page)
    fps = page.locator(".nn-fps").inner_text()
    assert stopped_at % 10 == 0, f"stopped at epoch {stopped_at}: not 10 epochs per frame"
    page.screenshot(path=tmp_path / "speed_10.png")
    assert page.errors == []
    print(f"\n10 epochs per frame: stopped at epoch {stopped_at}, {fps}; screenshot in {tmp_path}")


def test_the_network_view_shows_every_neuron_and_weight_and_a_neuron_large(
        playground_server, laptop_page, tmp_path):
    page = laptop_page
    _open(page, playground_server)
    # 2 inputs, two hidden layers of 8, one output; a line per weight: 2*8 + 8*8 + 8*1.
    expect(page.locator(".nn-neuron")).to_have_count(2 + 8 + 8 + 1)
    expect(page.locator(".nn-weight")).to_have_count(2 * 8 + 8 * 8 + 8)
    _play_until(page, 30)
    widths = page.evaluate(
        "() => [...document.querySelectorAll('.nn-weight')].map(l => +l.getAttribute('stroke-width'))")
    colours = page.evaluate(
        "() => new Set([...document.querySelectorAll('.nn-weight')].map(l => l.getAttribute('stroke'))).size")
    assert max(widths) > 2 * min(widths) and colours == 2  # thickness: size; colour: sign
    heat_before = page.evaluate("() => document.querySelector('.nn-heatmap').toDataURL()")
    expect(page.locator(".nn-heat-caption")).to_have_text("output: P(class 1)")

    neuron = page.locator(".nn-neuron[data-layer='1'][data-index='2']")
    neuron.hover()
    expect(page.locator(".nn-heat-caption")).to_have_text("layer 1, neuron 3")
    page.wait_for_function("(old) => document.querySelector('.nn-heatmap').toDataURL() !== old",
                           arg=heat_before, timeout=ACTION_TIMEOUT)
    page.screenshot(path=tmp_path / "neuron_hovered.png")
    neuron.click()
    page.mouse.move(5, 700)  # away from the network: the clicked neuron stays shown
    expect(page.locator(".nn-heat-caption")).to_contain_text("layer 1, neuron 3")
    neuron.click()
    page.mouse.move(5, 700)
    expect(page.locator(".nn-heat-caption")).to_have_text("output: P(class 1)")
    assert page.errors == []
    print(f"\nscreenshot in {tmp_path}")


def test_a_link_restores_its_settings_and_the_address_follows_the_controls(
        playground_server, laptop_page, tmp_path):
    page = laptop_page
    _open(page, playground_server, "dataset=moons&features=x1,x2,x1x2&hidden=4,2&lr=0.1")
    expect(page.locator(".nn-network-title")).to_have_text("3 inputs · hidden 4-2 · output")
    expect(page.locator(".nn-dataset select")).to_have_value("moons")
    expect(page.locator(".nn-code")).to_contain_text("make_dataset('moons'")
    expect(page.locator(".nn-code")).to_contain_text("Dense(3, 4, init='xavier', rng=rng)")
    expect(page.locator(".nn-code")).to_contain_text("optimizer = Adam(lr=0.1,")
    page.screenshot(path=tmp_path / "from_link.png")
    # A change of a control is written into the page's address at once.
    page.locator(".nn-dataset select").select_option("xor")
    page.wait_for_function("() => location.search.includes('dataset=xor')",
                           timeout=ACTION_TIMEOUT)
    assert "hidden=4,2" in page.evaluate("() => location.search")
    assert page.errors == []


def test_the_copy_button_copies_code_that_gives_the_pages_numbers(playground_server,
                                                                   laptop_page, tmp_path):
    page = laptop_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    _open(page, playground_server)
    page.locator(".nn-step").click()
    expect(page.locator(".nn-epoch")).to_have_text("epoch 1", timeout=ACTION_TIMEOUT)
    # A change of the learning rate in the middle of the run, then more training.
    page.locator(".lm-TabBar-tab", has_text="Training").click()
    handle = page.locator(".nn-lr .noUi-handle")
    handle.focus()
    page.keyboard.press("ArrowRight")  # 0.03 -> 0.1
    expect(page.locator(".nn-lr .widget-readout")).to_have_text("0.1", timeout=ACTION_TIMEOUT)
    page.locator(".nn-step").click()
    page.locator(".nn-step").click()
    expect(page.locator(".nn-epoch")).to_have_text("epoch 3", timeout=ACTION_TIMEOUT)
    expect(page.locator(".nn-code")).to_contain_text("train(2, batch_size=16)",
                                                     timeout=ACTION_TIMEOUT)
    shown = page.locator(".nn-code").inner_text()
    assert shown.count("\n") > 30
    page.locator(".nn-copy").scroll_into_view_if_needed()
    page.locator(".nn-copy").click()
    expect(page.locator(".nn-copy")).to_have_text("copied", timeout=ACTION_TIMEOUT)
    copied = page.evaluate("() => navigator.clipboard.readText()")
    page.screenshot(path=tmp_path / "copied.png")
    assert copied == page.evaluate("() => document.querySelector('.nn-code').textContent")
    assert "optimizer.lr = 0.1" in copied
    # The copied code, run here, gives the losses the page shows.
    namespace: dict = {}
    exec(copied, namespace)
    shown_losses = page.locator(".nn-loss").inner_text()
    assert shown_losses == (f"train loss {namespace['train_losses'][-1]:.4f} · "
                            f"test loss {namespace['test_losses'][-1]:.4f}")
    assert page.evaluate("() => document.querySelector('.nn-code').isContentEditable") is False
    assert page.errors == []


def test_step_and_reset_buttons(playground_server, laptop_page):
    page = laptop_page
    _open(page, playground_server)
    first_loss = page.locator(".nn-loss").inner_text()
    first_heat = page.evaluate("() => document.querySelector('.nn-heatmap').toDataURL()")
    page.locator(".nn-step").click()
    expect(page.locator(".nn-epoch")).to_have_text("epoch 1", timeout=ACTION_TIMEOUT)
    page.locator(".nn-step").click()
    expect(page.locator(".nn-epoch")).to_have_text("epoch 2", timeout=ACTION_TIMEOUT)
    assert page.locator(".nn-loss").inner_text() != first_loss
    page.locator(".nn-reset").click()
    expect(page.locator(".nn-epoch")).to_have_text("epoch 0", timeout=ACTION_TIMEOUT)
    # Seeded: the same data and initial weights, so the very same picture and losses.
    expect(page.locator(".nn-loss")).to_have_text(first_loss, timeout=ACTION_TIMEOUT)
    page.wait_for_function("(first) => document.querySelector('.nn-heatmap').toDataURL() === first",
                           arg=first_heat, timeout=ACTION_TIMEOUT)
    assert page.errors == []


def test_closing_a_playing_page_ends_its_kernel(playground_server, laptop_page, tmp_path):
    page = laptop_page
    before = {kernel.pid for kernel in playground_server.kernels()}
    _open(page, playground_server)
    (kernel,) = [k for k in playground_server.kernels() if k.pid not in before]
    page.locator(".nn-play").click()
    page.wait_for_function(
        "() => +document.querySelector('.nn-epoch').textContent.match(/\\d+/)[0] >= 10",
        timeout=60_000)
    page.screenshot(path=tmp_path / "closed_while_playing.png")
    closed = time.monotonic()
    page.close()  # the tab, while it plays
    limit = ALIVE_SECONDS + CULL_IDLE + CULL_INTERVAL + 15  # the last for the kernel's shutdown
    gone = psutil.wait_procs([kernel], timeout=limit)[0]
    seconds = time.monotonic() - closed
    assert gone, f"the kernel of a closed page still runs {limit} s later"
    print(f"\nthe closed page's kernel ended {seconds:.1f} s after the tab closed "
          f"(culling: idle {CULL_IDLE} s, checked every {CULL_INTERVAL} s)")
