"""Tests of nnlib.training: fit learns a toy problem, records a History of the right
shape, L2 and schedules act, runs are reproducible, float32 stays float32, no warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nnlib.layers import BatchNorm, Dense, Dropout, ReLU, Sigmoid, Tanh
from nnlib.optimizers import SGD, Adam, Momentum
from nnlib.schedules import step_decay
from nnlib.sequential import Sequential
from nnlib.training import History, accuracy, evaluate, fit, predict_labels


def _blobs(seed: int = 0, m: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian blobs in 2-D, labels 0, 1, 2: separable, but not by one straight line."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 2.0], [-2.0, -1.0], [2.0, -1.0]])
    y = rng.integers(0, 3, size=m)
    X = centres[y] + rng.normal(scale=0.6, size=(m, 2))
    return X, y


def _model(seed: int = 1, dtype=np.float64, n_out: int = 3) -> Sequential:
    rng = np.random.default_rng(seed)
    return Sequential(
        Dense(2, 16, rng=rng, dtype=dtype), ReLU(), Dense(16, 16, rng=rng, dtype=dtype), ReLU(),
        Dense(16, n_out, rng=rng, dtype=dtype),
    )


def test_fit_learns_a_toy_problem():
    X, y = _blobs()
    model = _model()
    history = fit(model, X, y, optimizer=Adam(0.01), epochs=30, batch_size=32, rng=np.random.default_rng(0))
    assert history["accuracy"][-1] > 0.95
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    X_test, y_test = _blobs(seed=5)
    assert accuracy(model.predict(X_test), y_test) > 0.95


def test_history_has_one_entry_per_epoch_and_validation_entries():
    X, y = _blobs()
    X_val, y_val = _blobs(seed=3, m=60)
    history = fit(_model(), X, y, epochs=7, validation_data=(X_val, y_val), rng=np.random.default_rng(0))
    assert isinstance(history, History) and history.epochs == 7
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert all(len(values) == 7 for values in history.values())
    assert all(isinstance(value, float) for values in history.values() for value in values)
    assert 0.0 <= min(history["val_accuracy"]) <= max(history["val_accuracy"]) <= 1.0


def test_validation_entries_are_the_inference_mode_evaluation():
    X, y = _blobs()
    X_val, y_val = _blobs(seed=3, m=60)
    model = _model()
    history = fit(model, X, y, epochs=3, validation_data=(X_val, y_val), rng=np.random.default_rng(0))
    final = evaluate(model, X_val, y_val)
    assert history["val_loss"][-1] == pytest.approx(final["loss"], rel=1e-12)
    assert history["val_accuracy"][-1] == final["accuracy"]


def test_regression_losses_record_no_accuracy():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(128, 1))
    y = np.sin(3 * X[:, 0])  # 1-D targets are taken as one column
    for loss in ["mse", "mae", "huber"]:
        model = Sequential(Dense(1, 16, rng=np.random.default_rng(1)), Tanh(), Dense(16, 1, rng=np.random.default_rng(2)))
        history = fit(model, X, y, loss=loss, optimizer=Adam(0.02), epochs=40, rng=np.random.default_rng(0))
        assert set(history) == {"loss", "lr"}
        assert history["loss"][-1] < 0.3 * history["loss"][0], loss


def test_binary_cross_entropy_with_a_sigmoid_output():
    X, y = _blobs()
    y = (y == 0).astype(int)
    model = Sequential(Dense(2, 8, rng=np.random.default_rng(1)), Tanh(), Dense(8, 1, rng=np.random.default_rng(2)), Sigmoid())
    history = fit(model, X, y, loss="binary_cross_entropy", optimizer=Adam(0.02), epochs=20, rng=np.random.default_rng(0))
    assert history["accuracy"][-1] > 0.95


def test_l2_gives_smaller_weights_than_no_l2():
    X, y = _blobs(m=100)
    norms = {}
    for l2 in [0.0, 5.0]:
        model = _model()
        history = fit(model, X, y, optimizer=SGD(0.1), epochs=40, l2=l2, rng=np.random.default_rng(0))
        norms[l2] = sum(np.sum(layer.params["W"] ** 2) for layer in model.layers if isinstance(layer, Dense))
    assert norms[5.0] < 0.7 * norms[0.0]
    assert len(history["l2_penalty"]) == 40 and history["l2_penalty"][-1] > 0


@pytest.mark.parametrize("batch_size", [200, 50, 8])
def test_l2_decays_each_step_by_lam_over_the_training_set_size_whatever_the_batch(batch_size):
    """With no data gradient, one SGD step multiplies every weight by 1 - lr * lam / m, m the
    training set's size (not the batch's): an epoch of k batches gives (1 - lr * lam / m) ** k."""
    X, y = _blobs(m=200)
    model = _model()
    start = {key: W.copy() for key, W in model.weights().items()}
    no_data = (lambda outputs, y: 0.0, lambda outputs, y: np.zeros_like(outputs))
    lr, lam = 0.5, 4.0
    history = fit(model, X, y, loss=no_data, optimizer=SGD(lr), epochs=1, batch_size=batch_size,
                  l2=lam, rng=np.random.default_rng(0))
    steps = -(-200 // batch_size)
    for key, W in model.weights().items():
        np.testing.assert_allclose(W, start[key] * (1 - lr * lam / 200) ** steps, rtol=1e-12)
    first_penalty = lam / (2 * 200) * sum(float(np.sum(W ** 2)) for W in start.values())
    assert history["l2_penalty"][0] <= first_penalty  # the penalty of weights that only shrink


def test_schedule_sets_the_learning_rate_of_each_epoch():
    X, y = _blobs(m=64)
    optimizer = Momentum(lr=1.0)
    history = fit(_model(), X, y, optimizer=optimizer, epochs=6, schedule=lambda e: step_decay(0.1, e, drop=0.5, every=2),
                  rng=np.random.default_rng(0))
    assert history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    assert optimizer.lr == pytest.approx(0.025)


def test_the_same_seeds_give_the_same_history():
    X, y = _blobs()

    def run(seed: int) -> History:
        rng = np.random.default_rng(seed)
        model = Sequential(Dense(2, 16, rng=rng), BatchNorm(16), ReLU(), Dropout(0.2, rng=rng), Dense(16, 3, rng=rng))
        return fit(model, X, y, epochs=5, batch_size=16, validation_data=(X, y), rng=rng)

    first = run(4)
    assert run(4) == first
    assert run(5)["loss"] != first["loss"]


def test_float32_model_stays_float32_everywhere():
    X, y = _blobs()  # float64 data: converted once by fit
    rng = np.random.default_rng(2)
    model = Sequential(Dense(2, 16, rng=rng, dtype=np.float32), BatchNorm(16, dtype=np.float32), ReLU(),
                       Dropout(0.1, rng=rng), Dense(16, 3, rng=rng, dtype=np.float32))
    optimizer = Adam(0.01)
    fit(model, X, y, optimizer=optimizer, epochs=3, l2=0.1, validation_data=(X, y), rng=rng)
    assert model.predict(X).dtype == np.float32
    assert model.forward(X.astype(np.float32)).dtype == np.float32
    for array in [*model.parameters().values(), *model.gradients().values()]:
        assert array.dtype == np.float32
    assert model[1].running_mean.dtype == np.float32 and model[1].running_var.dtype == np.float32
    assert optimizer.state and all(a.dtype == np.float32 for slots in optimizer.state.values() for a in slots.values())


def test_fit_emits_no_warnings_and_no_output(capsys):
    X, y = _blobs()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            fit(_model(), X, y, epochs=3, l2=0.01, rng=np.random.default_rng(0))
            fit(_model(), X, y, epochs=3, progress=False, rng=np.random.default_rng(0))
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""  # a short run shows no progress bar


def test_progress_true_shows_a_bar_with_the_loss(capsys):
    X, y = _blobs(m=64)
    fit(_model(), X, y, epochs=2, progress=True, rng=np.random.default_rng(0))
    err = capsys.readouterr().err
    assert "2/2" in err and "loss=" in err


def test_predict_labels_and_accuracy():
    np.testing.assert_array_equal(predict_labels(np.array([[0.1, 2.0], [3.0, -1.0]])), [1, 0])
    np.testing.assert_array_equal(predict_labels(np.array([[0.2], [0.7], [0.5]])), [0, 1, 1])
    assert accuracy(np.array([[0.2], [0.7]]), np.array([[0.0], [0.0]])) == 0.5
    assert accuracy(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]), np.array([0, 1, 1])) == pytest.approx(2 / 3)


def test_bad_arguments_raise_with_a_message():
    X, y = _blobs(m=20)
    with pytest.raises(ValueError, match="unknown loss"):
        fit(_model(), X, y, loss="hinge")
    with pytest.raises(TypeError, match="integer labels"):
        fit(_model(), X, y.astype(float))
    with pytest.raises(ValueError, match="rows"):
        fit(_model(), X, y[:10])
    with pytest.raises(ValueError, match="no parameters"):
        fit(Sequential(ReLU()), X, y)
