"""Training loop: ``fit`` a Sequential model with mini-batches, and the accuracy helpers.

    model = Sequential(Dense(2, 16, rng=rng), ReLU(), Dense(16, 2, rng=rng))
    history = fit(model, X, y, optimizer=Adam(0.01), epochs=50, batch_size=32, rng=rng)
    history["loss"][-1], history["accuracy"][-1]

One epoch is one pass over the shuffled training data in mini-batches; for each batch:
forward, loss, backward, (L2), optimizer step. ``fit`` returns a ``History``: a dict from
a name to one number per epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from nnlib.batching import minibatches
from nnlib.losses import LOSSES
from nnlib.optimizers import Adam
from nnlib.regularization import add_penalty_grad, l2_penalty

__all__ = ["History", "fit", "evaluate", "accuracy", "predict_labels"]

LossPair = tuple[Callable[..., float], Callable[..., np.ndarray]]
"""(loss(outputs, y) -> float, loss_backward(outputs, y) -> doutputs)."""

_CLASSIFICATION = ("softmax_cross_entropy", "binary_cross_entropy")

PROGRESS_DELAY = 1.0
"""With ``progress=None``, the bar appears only once a run has lasted this many seconds."""


class History(dict):
    """What ``fit`` recorded, one entry per epoch: name -> list of floats.

    Always "loss" (mean training loss over the epoch's batches) and "lr" (the learning rate
    of the epoch); "accuracy" for classification losses; "val_loss" (and "val_accuracy")
    with validation data; "l2_penalty" when l2 > 0.
    """

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.get("loss", []))

    def add_epoch(self, values: dict[str, float]) -> None:
        """Append one epoch's ``values`` (name -> float) to the lists of the same names."""
        for name, value in values.items():
            self[name].append(value)

    def __repr__(self) -> str:
        last = ", ".join(f"{name}={values[-1]:.4g}" for name, values in self.items() if values)
        return f"History({self.epochs} epochs; last: {last})"


def predict_labels(outputs: np.ndarray) -> np.ndarray:
    """Class labels from a network's outputs.

    outputs: (m, k) scores or probabilities with k >= 2 -> the argmax of each row, (m,);
    (m, 1) or (m,) probabilities of class 1 -> 1 where p >= 0.5, else 0, (m,).
    """
    outputs = np.asarray(outputs)
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        return outputs.argmax(axis=1)
    return (outputs.reshape(-1) >= 0.5).astype(np.int64)


def accuracy(outputs: np.ndarray, y: np.ndarray) -> float:
    """Fraction of examples whose predicted label (``predict_labels``) equals y.

    outputs: (m, k) or (m, 1) network outputs; y: (m,) integer labels, or (m, 1) 0/1 targets.
    """
    labels = predict_labels(outputs)
    y = np.asarray(y).reshape(-1)
    if y.shape != labels.shape:
        raise ValueError(f"accuracy: {labels.shape[0]} predictions but y has {y.size} entries")
    return float(np.mean(labels == y))


def _loss_pair(loss: str | tuple) -> LossPair:
    """The (loss, backward) functions for a loss name or a pair of callables."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}: use one of {sorted(LOSSES)} or a pair (loss, loss_backward)")
        return LOSSES[loss]
    if isinstance(loss, tuple) and len(loss) == 2 and all(callable(f) for f in loss):
        return loss
    raise TypeError(f"loss must be a name ({sorted(LOSSES)}) or a pair of functions (loss, loss_backward), got {loss!r}")


def _model_dtype(model: Any) -> np.dtype:
    """The float dtype of the model's parameters (float64 when it has none)."""
    for array in model.parameters().values():
        if array.dtype.kind == "f":
            return array.dtype
    return np.dtype(np.float64)


def _prepare(X: np.ndarray, y: np.ndarray, loss: str | tuple, dtype: np.dtype, name: str) -> tuple[np.ndarray, np.ndarray]:
    """X in the model's dtype and y as the loss wants it, converted once for the whole run.

    softmax cross-entropy: y integer labels (m,). Other losses: y in the model's dtype, a 1-D
    y taken as one column (m, 1) to match a single output unit.
    """
    X = np.asarray(X, dtype=dtype)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"{name}: X must have shape (m, n_features) with m >= 1, got {X.shape}")
    if y.shape[:1] != X.shape[:1]:
        raise ValueError(f"{name}: X has {X.shape[0]} rows but y has shape {y.shape}")
    if loss == "softmax_cross_entropy":
        if y.ndim != 1:
            raise ValueError(f"{name}: softmax_cross_entropy needs integer labels of shape (m,), got {y.shape}")
        if not np.issubdtype(y.dtype, np.integer):
            raise TypeError(f"{name}: softmax_cross_entropy needs integer labels, got dtype {y.dtype}")
        return X, y
    if isinstance(loss, str):
        y = y.astype(dtype, copy=False)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
    return X, y


def evaluate(model: Any, X: np.ndarray, y: np.ndarray, loss: str | tuple = "softmax_cross_entropy") -> dict[str, float]:
    """Loss (and accuracy, for classification losses) of ``model.predict(X)`` against y.

    X: (m, n_in); y: as for ``fit``. Returns {"loss": ..., "accuracy": ...} (no "accuracy"
    for regression losses or a custom loss pair). Inference mode, so nothing is changed.
    """
    loss_fn, _ = _loss_pair(loss)
    X, y = _prepare(X, y, loss, _model_dtype(model), "evaluate")
    outputs = model.predict(X)
    result = {"loss": loss_fn(outputs, y)}
    if loss in _CLASSIFICATION:
        result["accuracy"] = accuracy(outputs, y)
    return result


def fit(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    loss: str | tuple = "softmax_cross_entropy",
    optimizer: Any = None,
    epochs: int = 10,
    batch_size: int = 32,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    l2: float = 0.0,
    schedule: Callable[[int], float] | None = None,
    rng: np.random.Generator | None = None,
    progress: bool | None = None,
    shuffle: bool = True,
) -> History:
    """Train ``model`` on (X, y) with mini-batch gradient descent; returns the History.

    model: a ``Sequential`` (anything with forward, backward, parameters, gradients, predict,
        and weights for l2); its parameters are updated in place.
    X: (m, n_in) inputs, converted once to the model's dtype (float32 models stay float32).
    y: (m,) integer labels for "softmax_cross_entropy"; for the other losses targets of the
        output's shape, (m, 1) or (m,) for a single output (converted once to the model's dtype).
    loss: "softmax_cross_entropy" (the model outputs logits), "binary_cross_entropy" (the
        model outputs probabilities, e.g. ends with Sigmoid), "mse", "mae", "huber"
        (delta 1), or a pair of functions ``(loss(outputs, y) -> float,
        loss_backward(outputs, y) -> doutputs)``.
    optimizer: an ``nnlib.optimizers`` object; default ``Adam(lr=0.001)``.
    epochs: passes over the data; batch_size: examples per step (the last batch may be smaller).
    validation_data: optional (X_val, y_val), evaluated in inference mode after each epoch.
    l2: strength lam of an L2 penalty ``lam / (2 m) * Σ ‖W‖²`` on the model's weight
        matrices (``model.weights()``: the Dense layers' W, not biases, not batch norm), with
        m the number of training examples (``len(X)``), so every step adds ``lam / m * W``
        to the gradient whatever the batch size (see ``nnlib.regularization``); 0 switches
        it off.
    schedule: optional function epoch -> learning rate (epochs count from 0), applied to
        ``optimizer.lr`` at the start of each epoch, e.g. ``lambda e: step_decay(0.1, e)``.
    rng: source of the shuffling (same seed, same batches; dropout uses its layers' own rng).
    progress: True shows a progress bar over the epochs with the latest loss and accuracy,
        False never; None (default) shows it only when the run lasts longer than
        ``PROGRESS_DELAY`` (1 s), so quick runs print nothing.
    shuffle: reshuffle the data every epoch (False keeps the order: full-batch experiments).

    Returns a History: "loss" is the mean training loss of the epoch's batches (in training
    mode, as they were seen during the epoch; without the L2 penalty, which is recorded as
    "l2_penalty", so it compares with "val_loss"); "accuracy" likewise for classification
    losses; "val_loss", "val_accuracy" on the validation data at the end of the epoch; "lr".
    """
    loss_pair = _loss_pair(loss)
    _check_fit_arguments(model, epochs, l2)
    dtype = _model_dtype(model)
    X, y = _prepare(X, y, loss, dtype, "fit")
    if validation_data is not None:
        X_val, y_val = _prepare(validation_data[0], validation_data[1], loss, dtype, "fit (validation_data)")
    optimizer = Adam() if optimizer is None else optimizer
    rng = np.random.default_rng() if rng is None else rng
    classification = loss in _CLASSIFICATION
    history = _empty_history(classification, validation_data is not None, l2 > 0)
    with _progress_bar(epochs, progress) as bar:
        for epoch in range(epochs):
            if schedule is not None:
                optimizer.lr = schedule(epoch)
            batches = minibatches(X, y, batch_size, rng=rng, shuffle=shuffle)
            record = _train_epoch(model, batches, loss_pair, optimizer, l2, X.shape[0], classification)
            record["lr"] = optimizer.lr
            if validation_data is not None:
                record.update(_validate(model, X_val, y_val, loss_pair[0], classification))
            history.add_epoch(record)
            bar.set_postfix(_latest_without_lr(history), refresh=False)
            bar.update(1)
    return history


def _check_fit_arguments(model: Any, epochs: int, l2: float) -> None:
    """ValueError naming the problem with epochs, l2 or the model's parameters."""
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be an integer >= 0, got {epochs!r}")
    if not l2 >= 0:
        raise ValueError(f"fit: l2 must be >= 0, got {l2}")
    if not model.parameters():
        raise ValueError("fit: the model has no parameters to train")
    if l2 > 0 and not (hasattr(model, "weights") and model.weights()):
        raise ValueError("fit: l2 > 0 needs a Sequential model with Dense layers")


def _empty_history(classification: bool, validation: bool, l2: bool) -> History:
    """A History with an empty list for every entry ``fit`` will record, in display order."""
    names = ["loss"]
    if classification:
        names.append("accuracy")
    if validation:
        names += ["val_loss", "val_accuracy"] if classification else ["val_loss"]
    if l2:
        names.append("l2_penalty")
    return History((name, []) for name in names + ["lr"])


def _progress_bar(epochs: int, progress: bool | None) -> tqdm:
    """A bar over the epochs: always (True), never (False), or after PROGRESS_DELAY (None)."""
    return tqdm(total=epochs, desc="fit", unit="epoch", disable=progress is False,
                delay=0.0 if progress else PROGRESS_DELAY)


def _latest_without_lr(history: History) -> dict[str, str]:
    """The bar's text: the latest value of every entry but "lr", to 4 significant digits."""
    return {name: f"{values[-1]:.4g}" for name, values in history.items() if name != "lr"}


def _train_epoch(model: Any, batches: Iterable[tuple[np.ndarray, np.ndarray]], loss_pair: LossPair,
                 optimizer: Any, l2: float, n_train: int, classification: bool) -> dict[str, float]:
    """One step per batch: forward, loss, backward, L2 gradient (when l2 > 0), optimizer step.

    batches: (Xb (m, n_in), yb) pairs; n_train: the training set's size, the m of the L2
    penalty ``l2 / (2 n_train) Σ ‖W‖²``. Returns the epoch's means over its examples, as the
    batches were seen in training mode: "loss", "accuracy" (classification) and
    "l2_penalty" (when l2 > 0).
    """
    loss_fn, loss_backward = loss_pair
    params, grads = model.parameters(), model.gradients()
    weights = model.weights() if l2 > 0 else {}
    n, loss_sum, correct, penalty_sum = 0, 0.0, 0.0, 0.0
    for Xb, yb in batches:
        m = Xb.shape[0]
        n += m
        outputs = model.forward(Xb, training=True)
        loss_sum += loss_fn(outputs, yb) * m
        if classification:
            correct += accuracy(outputs, yb) * m
        model.backward(loss_backward(outputs, yb), input_grad=False)
        if l2 > 0:
            penalty_sum += l2_penalty(weights.values(), l2, n_train) * m
            add_penalty_grad(weights, grads, l2, n_train)
        optimizer.step(params, grads)
    record = {"loss": loss_sum / n}
    if classification:
        record["accuracy"] = correct / n
    if l2 > 0:
        record["l2_penalty"] = penalty_sum / n
    return record


def _validate(model: Any, X_val: np.ndarray, y_val: np.ndarray, loss_fn: Callable[..., float],
              classification: bool) -> dict[str, float]:
    """"val_loss" (and "val_accuracy") of the model in inference mode on the validation data."""
    outputs = model.predict(X_val)
    record = {"val_loss": loss_fn(outputs, y_val)}
    if classification:
        record["val_accuracy"] = accuracy(outputs, y_val)
    return record
