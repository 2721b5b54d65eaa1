"""nnlib.viz: every plot runs headless, returns what it drew into and leaves its inputs alone."""

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection, QuadMesh
from matplotlib.contour import ContourSet

from nnlib.viz import (plot_activation_histograms, plot_contour_paths,
                       plot_decision_boundary, plot_history, plot_series)


@pytest.fixture(autouse=True)
def _no_show_and_close(monkeypatch):
    def show(*args, **kwargs):
        raise AssertionError("nnlib.viz must not call plt.show()")
    monkeypatch.setattr(plt, "show", show)
    yield
    plt.close("all")


HISTORY = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.7, 0.5],
           "accuracy": [0.5, 0.7, 0.8], "val_accuracy": [0.45, 0.65, 0.75]}


class _ReadOnlyHistory(Mapping):
    """A dict-like history that is not a dict (like nnlib.training's History)."""

    def __init__(self, data):
        self._data = data

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)


def _copy_history(h):
    return {k: list(v) for k, v in h.items()}


# ---- plot_history -------------------------------------------------------------------------

def test_history_draws_training_and_validation_loss():
    before = _copy_history(HISTORY)
    ax = plot_history(HISTORY)
    assert isinstance(ax, Axes)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["training", "validation"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[0].get_ydata(), HISTORY["loss"])
    np.testing.assert_array_equal(lines[1].get_ydata(), HISTORY["val_loss"])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss" and ax.get_title()
    assert HISTORY == before


def test_history_without_validation_draws_one_line():
    ax = plot_history({"loss": [3.0, 2.0, 1.0, 0.5]})
    assert len(ax.get_lines()) == 1


def test_history_accepts_any_mapping_and_arrays():
    ax = plot_history(_ReadOnlyHistory({"loss": np.array([1.0, 0.5]), "val_loss": []}))
    assert len(ax.get_lines()) == 1     # an empty validation list is skipped


def test_history_several_metrics_get_one_panel_each():
    axes = plot_history(HISTORY, metrics=("loss", "accuracy"))
    assert isinstance(axes, list) and len(axes) == 2
    assert axes[0].figure is axes[1].figure
    assert [ax.get_ylabel() for ax in axes] == ["loss", "accuracy"]
    np.testing.assert_array_equal(axes[1].get_lines()[1].get_ydata(), HISTORY["val_accuracy"])


def test_history_draws_into_the_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    out = plot_history(HISTORY, ax=[left, right], metrics=("loss", "accuracy"))
    assert out == [left, right]
    single = plot_history(HISTORY, ax=left)
    assert single is left


def test_history_rejects_missing_metric_and_wrong_number_of_axes():
    with pytest.raises(ValueError, match="no values for 'accuracy'"):
        plot_history({"loss": [1.0]}, metrics=("accuracy",))
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="1 Axes for 2 metrics"):
        plot_history(HISTORY, ax=ax, metrics=("loss", "accuracy"))


# ---- plot_decision_boundary ---------------------------------------------------------------

def _two_blobs(dtype=np.float64, scale=1.0, shift=0.0):
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(-1, 0.3, (20, 2)), rng.normal(1, 0.3, (20, 2))])
    y = np.repeat([0, 1], 20)
    return (X * scale + shift).astype(dtype), y


def _sigmoid_of_sum(points):
    return 1.0 / (1.0 + np.exp(-(points[:, 0] + points[:, 1])))


def test_decision_boundary_draws_heat_map_boundary_and_points():
    X, y = _two_blobs()
    X_before, y_before = X.copy(), y.copy()
    ax = plot_decision_boundary(_sigmoid_of_sum, X, y, resolution=30)
    assert isinstance(ax, Axes)
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 1 and meshes[0].get_array().size == 30 * 30
    assert any(isinstance(c, ContourSet) for c in ax.collections)      # the 0.5 line
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(points) == 1 and len(points[0].get_offsets()) == 40
    assert len(ax.figure.axes) == 2                                    # plot and colour bar
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_decision_boundary_calls_predict_once_with_a_grid_in_the_data_dtype():
    X, y = _two_blobs(np.float32)
    calls = []

    def predict(points):
        calls.append(points)
        return _sigmoid_of_sum(points)

    plot_decision_boundary(predict, X, y, resolution=25)
    assert len(calls) == 1
    assert calls[0].shape == (25 * 25, 2) and calls[0].dtype == np.float32


@pytest.mark.parametrize("scale, shift", [(1e-3, 0.0), (1e4, -5e5), (1.0, 100.0)])
def test_decision_boundary_grid_covers_data_of_any_range(scale, shift):
    X, y = _two_blobs(scale=scale, shift=shift)
    ax = plot_decision_boundary(lambda p: np.full(len(p), 0.3), X, y, resolution=10,
                                colorbar=False)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 < X[:, 0].min() and x1 > X[:, 0].max()
    assert y0 < X[:, 1].min() and y1 > X[:, 1].max()
    # Padding is a fraction of the data's extent, not a fixed amount.
    assert (x1 - x0) < 2 * np.ptp(X[:, 0])


def test_decision_boundary_accepts_column_and_two_class_probabilities():
    X, y = _two_blobs()
    p = _sigmoid_of_sum
    for predict in (lambda pts: p(pts)[:, None], lambda pts: np.column_stack([1 - p(pts), p(pts)])):
        fig, ax = plt.subplots()
        plot_decision_boundary(predict, X, y, ax=ax, resolution=20, colorbar=False)
        mesh = [c for c in ax.collections if isinstance(c, QuadMesh)][0]
        np.testing.assert_allclose(mesh.get_array().min(), 0.0, atol=0.05)
        assert len(fig.axes) == 1


def test_decision_boundary_colours_many_classes_by_the_likeliest():
    rng = np.random.default_rng(1)
    centres = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    X = np.concatenate([rng.normal(c, 0.4, (10, 2)) for c in centres])
    y = np.repeat([0, 1, 2], 10)

    def predict(points):
        scores = -((points[:, None, :] - centres) ** 2).sum(axis=2)
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    ax = plot_decision_boundary(predict, X, y, resolution=20)
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 1
    assert len([c for c in ax.collections if isinstance(c, PathCollection)]) == 1
    rgb = np.asarray(meshes[0].get_array())
    assert rgb.shape == (20, 20, 3)
    # Near each centre the map shows that class's colour: the closest of the three palette colours.
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    palette = plt.get_cmap("tab10")(np.arange(3))[:, :3]
    for label, (cx, cy) in enumerate(centres):
        col = int(round((cx - x0) / (x1 - x0) * 19))
        row = int(round((cy - y0) / (y1 - y0) * 19))
        distances = np.linalg.norm(palette - rgb[row, col], axis=1)
        assert distances.argmin() == label


def test_decision_boundary_rejects_bad_shapes():
    X, y = _two_blobs()
    with pytest.raises(ValueError, match="predict returned shape"):
        plot_decision_boundary(lambda p: np.zeros((len(p), 2, 2)), X, y, resolution=5)
    with pytest.raises(ValueError, match=r"X must have shape \(m, 2\)"):
        plot_decision_boundary(_sigmoid_of_sum, np.zeros((4, 3)), np.zeros(4, int))
    with pytest.raises(ValueError, match="y must have shape"):
        plot_decision_boundary(_sigmoid_of_sum, X, y[:5])


# ---- plot_contour_paths -------------------------------------------------------------------

def _bowl(w1, w2):
    return 0.5 * w1 ** 2 + 5.0 * w2 ** 2


def test_contour_paths_draws_contours_and_each_path_with_start_and_end():
    paths = {"sgd": np.array([[-1.5, 1.0], [-1.0, -0.5], [-0.5, 0.2], [0.0, 0.0]]),
             "adam": np.array([[1.5, 1.5], [1.0, 1.0]])}
    before = {k: v.copy() for k, v in paths.items()}
    ax = plot_contour_paths(_bowl, paths, resolution=40, levels=10)
    assert isinstance(ax, Axes)
    assert any(isinstance(c, ContourSet) for c in ax.collections)
    lines = ax.get_lines()
    assert len(lines) == 3 * len(paths)                                # path, start, end
    np.testing.assert_array_equal(lines[0].get_xydata(), paths["sgd"])
    assert lines[1].get_marker() == "s" and lines[2].get_marker() == "*"
    np.testing.assert_array_equal(lines[2].get_xydata(), [[0.0, 0.0]])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["sgd (3 steps)", "adam (1 steps)"]
    assert ax.get_xlim() == (-2.0, 2.0)
    for k in paths:
        np.testing.assert_array_equal(paths[k], before[k])


def test_contour_paths_uses_the_window_and_level_values_given():
    fig, ax = plt.subplots()
    out = plot_contour_paths(_bowl, {}, ax=ax, xlim=(-5, 1), ylim=(0, 3), levels=[0.5, 1, 2, 4])
    assert out is ax
    assert ax.get_xlim() == (-5, 1) and ax.get_ylim() == (0, 3)
    contour = [c for c in ax.collections if isinstance(c, ContourSet)][0]
    np.testing.assert_array_equal(contour.levels, [0.5, 1, 2, 4])


def test_contour_paths_rejects_bad_path_and_non_vectorised_function():
    with pytest.raises(ValueError, match=r"path 'bad' must have shape \(T, 2\)"):
        plot_contour_paths(_bowl, {"bad": np.zeros((3, 3))})
    with pytest.raises(ValueError, match="f must return a grid"):
        plot_contour_paths(lambda a, b: float(a[0, 0]), {}, resolution=10)


# ---- plot_activation_histograms -----------------------------------------------------------

def test_activation_histograms_one_panel_per_layer_on_a_shared_range():
    rng = np.random.default_rng(0)
    acts = [rng.normal(0, 1, (50, 8)), np.maximum(0, rng.normal(0, 3, (50, 8))),
            np.tanh(rng.normal(size=(50, 4)))]
    before = [a.copy() for a in acts]
    axes = plot_activation_histograms(acts, bins=20)
    assert isinstance(axes, list) and len(axes) == 3
    assert len({ax.get_xlim() for ax in axes}) == 1
    low, high = axes[0].get_xlim()
    everything = np.concatenate([a.ravel() for a in acts])
    assert low == everything.min() and high == everything.max()
    for ax, a in zip(axes, acts):
        assert len(ax.patches) == 20
        assert sum(p.get_height() for p in ax.patches) == a.size
        assert f"mean {a.mean():.3g}" in ax.get_title() and f"std {a.std():.3g}" in ax.get_title()
    for a, b in zip(acts, before):
        np.testing.assert_array_equal(a, b)


def test_activation_histograms_handle_constant_layers_and_given_axes():
    fig, axes = plt.subplots(1, 2)
    out = plot_activation_histograms([np.zeros((5, 3)), np.zeros(4)], axes=axes,
                                     names=["dead", "also dead"])
    assert out == list(axes)
    assert out[0].get_xlim() == (-0.5, 0.5)
    assert out[0].get_title().startswith("dead")


def test_activation_histograms_reject_mismatched_axes_or_names():
    with pytest.raises(ValueError, match="at least one"):
        plot_activation_histograms([])
    with pytest.raises(ValueError, match="1 names for 2 layers"):
        plot_activation_histograms([np.ones(3), np.ones(3)], names=["a"])
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="1 Axes for 2 layers"):
        plot_activation_histograms([np.ones(3), np.ones(3)], axes=ax)


# ---- plot_series --------------------------------------------------------------------------

def test_series_draws_one_line_per_label():
    series = {"constant": [0.1] * 5, "decay": np.array([0.1, 0.05, 0.025])}
    ax = plot_series(series, ylabel="learning rate", title="Schedules", logy=True)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["constant", "decay"]
    np.testing.assert_array_equal(lines[1].get_xdata(), [0, 1, 2])
    np.testing.assert_array_equal(lines[1].get_ydata(), series["decay"])
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "learning rate"
    assert ax.get_title() == "Schedules"
