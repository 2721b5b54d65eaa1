"""The Playground's code view: nnlib code that replays a run and gets the very same numbers.

``reproduce_code(run, live)`` writes the run's steps in the order ``playground_run.Run`` takes
them (so the random draws come in the same order): the data, the split, the input features,
the network and its losses at epoch 0; then one ``train(epochs, ...)`` call per segment of
settings, with the changes made mid-run written as code at the epoch they happened.
"""

from __future__ import annotations

from nnlib.widgets.playground_run import (
    CLASSES,
    PENALTY_GRADS,
    Call,
    Live,
    Run,
    Segment,
    describe_change,
    layer_calls,
    optimizer_change,
    split_test_size,
)
from nnlib.widgets.playground_settings import DEFAULTS

__all__ = ["reproduce_code"]

_DEFAULT_FEATURES = DEFAULTS["features"]  # the points themselves: no input_features() call


def _imports(run: Run, calls: list[Call], penalties: set[str]) -> list[str]:
    """The import lines of the names the code uses, grouped by module, modules sorted."""
    names: dict[str, list[str]] = {}

    def need(module: str, name: str) -> None:
        if name not in names.setdefault(module, []):
            names[module].append(name)

    need("nnlib.batching", "minibatches")
    if run.regression:
        need("nnlib.widgets.playground_problems", "make_regression")
        need("nnlib.losses", "mse")
        need("nnlib.losses", "mse_backward")
    else:
        need("nnlib.datasets", "make_dataset")
        need("nnlib.losses", "softmax_cross_entropy")
        need("nnlib.losses", "softmax_cross_entropy_backward")
    if run.setup["features"] != _DEFAULT_FEATURES:
        need("nnlib.widgets.playground_problems", "input_features")
    for call in calls:
        need(CLASSES[call.name].__module__, call.name)
    need("nnlib.preprocessing", "train_test_split")
    for penalty in sorted(penalties):
        need("nnlib.regularization", "add_penalty_grad")
        need("nnlib.regularization", PENALTY_GRADS[penalty].__name__)
    need("nnlib.sequential", "Sequential")
    return ["import numpy as np"] + [f"from {module} import {', '.join(names[module])}"
                                     for module in sorted(names)]


def _train_function(run: Run, penalised: bool) -> list[str]:
    """``def train(...)``: epochs of mini-batches, the losses recorded after each."""
    loss_grad = "mse_backward" if run.regression else "softmax_cross_entropy_backward"
    signature = "epochs, batch_size, penalty=None, lam=0.0" if penalised else "epochs, batch_size"
    lines = [
        f"def train({signature}):",
        '    """Train `epochs` epochs in mini-batches; record both losses after each."""',
        "    for _ in range(epochs):",
        "        for Xb, yb in minibatches(X_train, y_train, batch_size, rng=rng):",
        "            out = model.forward(Xb, training=True)",
        f"            model.backward({loss_grad}(out, yb), input_grad=False)",
    ]
    if penalised:
        lines += [
            "            if penalty is not None:  # m: the size of the training set",
            "                add_penalty_grad(model.weights(), model.gradients(), lam, "
            "len(X_train), grad=penalty)",
        ]
    return lines + [
        "            optimizer.step(model.parameters(), model.gradients())",
        "        train_losses.append(loss(X_train, y_train))",
        "        test_losses.append(loss(X_test, y_test))",
    ]


def _train_call(epochs: int, live: Live, penalised: bool) -> str:
    arguments = [str(epochs), f"batch_size={live.batch_size}"]
    if live.reg != "none":
        arguments += [f"penalty={PENALTY_GRADS[live.reg].__name__}", f"lam={live.lam!r}"]
    return f"train({', '.join(arguments)})"


def reproduce_code(run: Run, live: Live) -> str:
    """Python code that trains, with nnlib, the same network on the same data as ``run`` and
    gets the same losses and weights. ``live``: the settings training would use next (for the
    optimizer line of a run that has not trained yet)."""
    setup = run.setup
    blocks = layer_calls(setup)
    segments = run.segments or [Segment(0, live)]  # not trained yet: train(0, ...)
    lives = [segment.live for segment in segments]
    penalties = {each.reg for each in lives} - {"none"}
    optimizers = [each.optimizer for each in lives]
    calls = [call for block in blocks for call in block] + optimizers
    maker = "make_regression" if run.regression else "make_dataset"
    lines = _imports(run, calls, penalties) + [
        "",
        f"rng = np.random.default_rng({setup['seed']})  # one seed: data, split, weights, "
        "batches, dropout",
        f"X, y = {maker}({setup['dataset']!r}, n={setup['points']}, noise={setup['noise']!r}, "
        "rng=rng)",
        f"X_train, X_test, y_train, y_test = train_test_split(X, y, test_size="
        f"{split_test_size(setup)!r}, rng=rng)",
    ]
    if setup["features"] != _DEFAULT_FEATURES:
        lines += [
            f"features = {setup['features']!r}  # what the network sees of each point",
            "X_train, X_test = input_features(X_train, features), input_features(X_test, features)",
        ]
    lines += ["", "model = Sequential("]
    lines += ["    " + " ".join(f"{call}," for call in block) for block in blocks]
    lines += [")", f"optimizer = {optimizers[0]}", "", ""]
    loss = "mse" if run.regression else "softmax_cross_entropy"
    lines += [
        "def loss(X, y):",
        '    """The mean loss in test mode (no dropout, batch norm\'s running statistics)."""',
        f"    return {loss}(model.forward(X, training=False), y)",
        "",
        "",
        "train_losses, test_losses = [loss(X_train, y_train)], [loss(X_test, y_test)]  # epoch 0",
        "",
        "",
    ]
    penalised = bool(penalties)
    lines += _train_function(run, penalised) + ["", ""]
    ends = [segment.start for segment in segments[1:]] + [run.epoch]
    for index, (segment, end) in enumerate(zip(segments, ends)):
        if index:
            before = segments[index - 1].live
            lines.append(f"# epoch {segment.start}: {describe_change(before, segment.live)}")
            change = optimizer_change(before.optimizer, segment.live.optimizer)
            if change == "lr":
                lines.append(f"optimizer.lr = {segment.live.optimizer.get('lr')!r}")
            elif change == "new":
                lines.append(f"optimizer = {segment.live.optimizer}  # its state starts afresh")
        lines.append(_train_call(end - segment.start, segment.live, penalised))
    lines.append('print(f"epoch {len(train_losses) - 1}: train loss {train_losses[-1]:.4f}, '
                 'test loss {test_losses[-1]:.4f}")')
    return "\n".join(lines) + "\n"
