"""Benchmark: one training step of nnlib against PyTorch CPU, in the same process.

A step is forward, loss, backward and an Adam update, on a fixed batch:

- the MLP 784-256-128-10 with ReLU, softmax cross-entropy and Adam, float32, batch 128 and
  512: nnlib's ``Sequential`` + ``Adam`` against the same model in PyTorch
  (``nn.Sequential``, ``CrossEntropyLoss``, ``torch.optim.Adam``), starting from the same
  weights; and the machine's numpy GEMM rate on the step's own matrix products, so the
  table shows which share of it nnlib reaches (the rest is elementwise work and overhead);
- a Playground-size net, 2-16-16-2 at batch 64, where per-call Python overhead dominates,
  also against the same step written out in plain numpy (what the layer objects cost).

The two libraries run in alternating rounds (nnlib, torch, GEMM, nnlib, ...) and each
figure is the median over the rounds, so a burst of load from elsewhere hits both alike.
With 1 BLAS thread the clock is the calling thread's CPU time (``time.thread_time``: all the
work happens in that thread, and time the machine gave to other processes is not counted);
with 2 threads it is wall time. Thread counts are set with threadpoolctl when it is
installed, otherwise by environment variables in a fresh subprocess per thread count;
``torch.set_num_threads`` for PyTorch.

This prints a table and whether each target is met; it asserts nothing (not a test).
Run: ``make bench`` (installs torch first) or ``.venv/bin/python bench/train_step.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

THREAD_COUNTS = (1, 2)
BATCHES = (128, 512)
SIZES = (784, 256, 128, 10)
SMALL_SIZES = (2, 16, 16, 2)
SMALL_BATCH = 64
ROUNDS = 7
BLOCK_SECONDS = 0.15
TARGET_RATIO = 1.0
TARGET_SHARE = 0.75
TARGET_SMALL = 5000.0
_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _clock(threads: int):
    """The clock of the comparison: thread CPU time at 1 thread, wall time otherwise."""
    return time.thread_time if threads == 1 else time.perf_counter


def _time_block(step, clock, rounds: list[float], budget: float = BLOCK_SECONDS) -> None:
    """Run ``step`` for about ``budget`` seconds of wall time; append its time per step (by ``clock``)."""
    n = 0
    wall_start, start = time.perf_counter(), clock()
    while n == 0 or time.perf_counter() - wall_start < budget:
        step()
        n += 1
    rounds.append((clock() - start) / n)


def _nnlib_model(sizes, rng, np):
    from nnlib.layers import Dense, ReLU
    from nnlib.sequential import Sequential

    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(n_in, n_out, init="he", rng=rng, dtype=np.float32))
        if i < len(sizes) - 2:
            layers.append(ReLU())
    return Sequential(*layers)


def _torch_model(model, torch):
    """The same network in PyTorch, with a copy of nnlib's weights (torch stores W.T)."""
    from nnlib.layers import Dense

    modules = []
    for layer in model.layers:
        if isinstance(layer, Dense):
            linear = torch.nn.Linear(layer.n_in, layer.n_out)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(layer.params["W"].T.copy()))
                linear.bias.copy_(torch.from_numpy(layer.params["b"]))
            modules.append(linear)
        else:
            modules.append(torch.nn.ReLU())
    return torch.nn.Sequential(*modules)


def _steps(sizes, batch: int, np, torch):
    """The nnlib and torch step functions on one fixed batch, plus the nnlib objects."""
    from nnlib.losses import softmax_cross_entropy, softmax_cross_entropy_backward
    from nnlib.optimizers import Adam

    rng = np.random.default_rng(0)
    X = rng.normal(size=(batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], size=batch)
    model = _nnlib_model(sizes, rng, np)
    optimizer = Adam(lr=0.001)
    params, grads = model.parameters(), model.gradients()

    def nnlib_step() -> None:
        logits = model.forward(X, training=True)
        softmax_cross_entropy(logits, y)  # the loss value, as torch computes it too
        model.backward(softmax_cross_entropy_backward(logits, y), input_grad=False)
        optimizer.step(params, grads)

    torch_model = _torch_model(model, torch)
    torch_optimizer = torch.optim.Adam(torch_model.parameters(), lr=0.001)
    loss_fn = torch.nn.CrossEntropyLoss()
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)

    def torch_step() -> None:
        torch_optimizer.zero_grad()
        loss = loss_fn(torch_model(X_t), y_t)
        loss.backward()
        torch_optimizer.step()

    return nnlib_step, torch_step, (model, optimizer, X)


def _gemm(sizes, batch: int, np):
    """The step's matrix products with numpy (preallocated outputs) and their FLOP count.

    Forward x @ W per layer; backward dW = x.T @ dout per layer and dx = dout @ W.T for every
    layer but the first (no one needs the gradient of the data; PyTorch skips it too).
    """
    rng = np.random.default_rng(1)
    products = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        x = rng.normal(size=(batch, n_in)).astype(np.float32)
        W = rng.normal(size=(n_in, n_out)).astype(np.float32)
        dout = rng.normal(size=(batch, n_out)).astype(np.float32)
        products.append((x, W, np.empty((batch, n_out), np.float32)))
        products.append((x.T, dout, np.empty((n_in, n_out), np.float32)))
        if i > 0:
            products.append((dout, W.T, np.empty((batch, n_in), np.float32)))
    flops = sum(2 * a.shape[0] * a.shape[1] * b.shape[1] for a, b, _ in products)

    def gemms() -> None:
        for a, b, out in products:
            np.matmul(a, b, out=out)

    return gemms, flops


def _plain_numpy_step(sizes, batch: int, np):
    """The small net's step written out in plain numpy, no layer objects: the reference for
    how much the per-call overhead of nnlib's objects costs (2 hidden ReLU layers)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], size=batch)
    Ws = [(rng.normal(size=(a, b)) * np.sqrt(2 / a)).astype(np.float32) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [np.zeros(b, np.float32) for b in sizes[1:]]
    params = Ws + bs
    moments = [(np.zeros_like(p), np.zeros_like(p), np.empty_like(p)) for p in params]
    rows = np.arange(batch)
    t = [0]

    def step() -> None:
        z1 = X @ Ws[0] + bs[0]
        a1 = np.maximum(z1, 0)
        z2 = a1 @ Ws[1] + bs[1]
        a2 = np.maximum(z2, 0)
        z3 = a2 @ Ws[2] + bs[2]
        p = np.exp(z3 - z3.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        -np.log(p[rows, y]).mean()  # the loss value
        p[rows, y] -= 1
        d3 = p / batch
        d2 = (d3 @ Ws[2].T) * (z2 > 0)
        d1 = (d2 @ Ws[1].T) * (z1 > 0)
        grads = [X.T @ d1, a1.T @ d2, a2.T @ d3, d1.sum(axis=0), d2.sum(axis=0), d3.sum(axis=0)]
        t[0] += 1
        c1, c2 = 1 - 0.9 ** t[0], 1 - 0.999 ** t[0]
        for w, g, (m, v, s) in zip(params, grads, moments):
            m *= 0.9
            np.multiply(g, 0.1, out=s)
            m += s
            v *= 0.999
            np.multiply(g, g, out=s)
            s *= 0.001
            v += s
            np.divide(v, c2, out=s)
            np.sqrt(s, out=s)
            s += 1e-8
            np.divide(m, s, out=s)
            s *= 0.001 / c1
            w -= s

    return step


def _dtype_report(model, optimizer, X, np) -> str:
    """Which arrays of the nnlib step are not float32 (should be none)."""
    arrays = {"output": model.forward(X)}
    arrays.update({f"param {k}": v for k, v in model.parameters().items()})
    arrays.update({f"grad {k}": v for k, v in model.gradients().items()})
    for key, slots in optimizer.state.items():
        arrays.update({f"Adam {slot} {key}": a for slot, a in slots.items()})
    wrong = [name for name, a in arrays.items() if a.dtype != np.float32]
    return "float32 throughout" if not wrong else "NOT float32: " + ", ".join(wrong)


def measure(threads: int) -> dict:
    """All the numbers for one thread count (BLAS threads already limited by the caller)."""
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    clock = _clock(threads)
    result = {"load": os.getloadavg(), "threads": threads, "torch": torch.__version__, "numpy": np.__version__, "mlp": []}
    for batch in BATCHES:
        nnlib_step, torch_step, (model, optimizer, X) = _steps(SIZES, batch, np, torch)
        gemms, flops = _gemm(SIZES, batch, np)
        for f in (nnlib_step, torch_step, gemms):
            for _ in range(3):
                f()  # warm up: allocations, optimizer state, BLAS buffers
        times = {"nnlib": [], "torch": [], "gemm": []}
        for _ in range(ROUNDS):
            _time_block(nnlib_step, clock, times["nnlib"])
            _time_block(torch_step, clock, times["torch"])
            _time_block(gemms, clock, times["gemm"])
        median = {name: statistics.median(values) for name, values in times.items()}
        result["mlp"].append({
            "batch": batch,
            **{f"{name}_s": value for name, value in median.items()},
            "flops": flops,
            "dtypes": _dtype_report(model, optimizer, X, np),
        })
    nnlib_step, torch_step, _ = _steps(SMALL_SIZES, SMALL_BATCH, np, torch)
    plain_step = _plain_numpy_step(SMALL_SIZES, SMALL_BATCH, np)
    for f in (nnlib_step, torch_step, plain_step):
        for _ in range(20):
            f()
    times = {"nnlib": [], "torch": [], "plain": []}
    for _ in range(ROUNDS):
        _time_block(nnlib_step, clock, times["nnlib"])
        _time_block(torch_step, clock, times["torch"])
        _time_block(plain_step, clock, times["plain"])
    result["small"] = {f"{name}_s": statistics.median(values) for name, values in times.items()}
    return result


def _run_all() -> list[dict]:
    """measure() for every thread count: in this process with threadpoolctl, else in subprocesses."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    results = []
    for threads in THREAD_COUNTS:
        print(f"measuring with {threads} thread(s)...", file=sys.stderr, flush=True)
        if threadpool_limits is not None:
            with threadpool_limits(limits=threads, user_api="blas"):
                results.append(measure(threads))
            continue
        env = dict(os.environ, **{name: str(threads) for name in _THREAD_VARIABLES})
        completed = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(threads)],
            env=env, capture_output=True, text=True, check=False,
        )
        if completed.returncode != 0:
            sys.exit(f"worker for {threads} thread(s) failed:\n{completed.stderr}")
        results.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    return results


def _load(values) -> str:
    return ", ".join(f"{x:.2f}" for x in values)


def _report(results: list[dict]) -> None:
    first = results[0]
    print(f"nnlib vs PyTorch {first['torch']} CPU (numpy {first['numpy']}): one training step, float32")
    print("forward + softmax cross-entropy + backward + Adam on a fixed batch; medians of "
          f"{ROUNDS} alternating rounds")
    print("clock: CPU time of the calling thread at 1 thread, wall time at 2 threads")
    print(f"load average (1, 5, 15 min) before: {_load(results[0]['load'])}, after: {_load(os.getloadavg())}; "
          f"{os.cpu_count()} cores")
    print()
    print("MLP 784-256-128-10, ReLU")
    header = (f"{'threads':>7} {'batch':>5} {'nnlib step/s':>12} {'torch step/s':>12} {'ratio nnlib/torch':>17} "
              f"{'GEMM GFLOP/s':>12} {'nnlib GFLOP/s':>13} {'share of GEMM':>13}")
    print(header)
    print("-" * len(header))
    for result in results:
        for row in result["mlp"]:
            batch = row["batch"]
            gemm_rate = row["flops"] / row["gemm_s"] / 1e9
            nnlib_rate = row["flops"] / row["nnlib_s"] / 1e9
            print(f"{result['threads']:>7} {batch:>5} {1 / row['nnlib_s']:>12.1f} {1 / row['torch_s']:>12.1f} "
                  f"{row['nnlib_s'] / row['torch_s']:>17.2f} {gemm_rate:>12.1f} {nnlib_rate:>13.1f} "
                  f"{nnlib_rate / gemm_rate:>12.0%}")
    print()
    print(f"Small net {'-'.join(map(str, SMALL_SIZES))}, batch {SMALL_BATCH} (Python overhead per call dominates)")
    for result in results:
        small = result["small"]
        print(f"{result['threads']:>7} thread(s): nnlib {1 / small['nnlib_s']:>6.0f} steps/s, "
              f"plain numpy {1 / small['plain_s']:>6.0f} steps/s, torch {1 / small['torch_s']:>6.0f} steps/s; "
              f"nnlib keeps {small['plain_s'] / small['nnlib_s']:.0%} of plain numpy's rate, "
              f"{small['torch_s'] / small['nnlib_s']:.1f}x torch's")
    print()
    dtypes = {row["dtypes"] for result in results for row in result["mlp"]}
    print(f"nnlib arrays (output, params, grads, Adam state): {'; '.join(sorted(dtypes))}")
    print()
    one = next(result for result in results if result["threads"] == 1)
    rows = {row["batch"]: row for row in one["mlp"]}
    checks = []
    for batch in BATCHES:
        row = rows[batch]
        ratio = row["nnlib_s"] / row["torch_s"]
        checks.append((f"time ratio nnlib/torch <= {TARGET_RATIO:.2f} at 1 thread, batch {batch}", ratio <= TARGET_RATIO,
                       f"{ratio:.2f}"))
    row = rows[max(BATCHES)]
    share = row["gemm_s"] / row["nnlib_s"]
    checks.append((f"share of the GEMM rate >= {TARGET_SHARE:.0%} at batch {max(BATCHES)}, 1 thread",
                   share >= TARGET_SHARE, f"{share:.0%}"))
    small_rate = 1 / one["small"]["nnlib_s"]
    checks.append((f"small net >= {TARGET_SMALL:,.0f} steps/s at 1 thread", small_rate >= TARGET_SMALL,
                   f"{small_rate:,.0f}"))
    print("Targets")
    for text, ok, value in checks:
        print(f"  [{'PASS' if ok else 'FAIL'}] {text}: {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # internal: one thread count, JSON out
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # nnlib from this repository
    if args.worker is not None:
        print(json.dumps(measure(args.worker)))
        return
    _report(_run_all())


if __name__ == "__main__":
    main()
