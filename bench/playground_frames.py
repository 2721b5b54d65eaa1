"""What one frame of the Playground costs in the kernel, against the 10 frames/s target (not a test).

A frame while playing is: train ``speed`` epochs, compute every neuron's output over the
input plane, send the board its numbers, write the code view. This times that work for the
default network (and two larger ones) and prints the frames per second the kernel alone could
sustain, the ratio to the 10 frames/s target, and the bytes a frame sends to the page (the
Playground used to send a PNG of about 60 KB per frame). The browser's drawing comes on top:
the browser test prints the frame rate the page itself measures.

    .venv/bin/python bench/playground_frames.py [--frames 200]
"""

from __future__ import annotations

import argparse
import statistics
import time

from nnlib.widgets.playground import Playground
from nnlib.widgets.playground_settings import epochs_per_frame

TARGET_FPS = 10.0
SETUPS = {
    "default (2-8-8-2, 1 epoch/frame)": {"speed": 1},
    "default at 10 epochs/frame": {"speed": 10},
    "6 layers of 8, 7 features, 400 points": {"hidden": (8,) * 6, "features": (
        "x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2")},
}


def _frame_seconds(pg: Playground, frames: int) -> list[float]:
    times = []
    for _ in range(frames):
        start = time.perf_counter()
        pg.step(epochs_per_frame(pg.values["speed"], pg.epoch))
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=200)
    args = parser.parse_args()
    print(f"{'setup':42} {'ms/frame':>9} {'frames/s':>9} {'x target':>9} {'bytes/frame':>12}")
    for name, settings in SETUPS.items():
        pg = Playground(**settings)
        median = statistics.median(_frame_seconds(pg, args.frames))
        board = pg.board
        sent = len(board.frame) + len(board.weights) + len(board.curves) + len(board.code)
        print(f"{name:42} {1000 * median:9.2f} {1 / median:9.0f} {1 / median / TARGET_FPS:9.1f} "
              f"{sent:12,}")


if __name__ == "__main__":
    main()
