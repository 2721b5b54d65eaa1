"""nnlib.tour: the short tour that `make demo` runs."""

import re

import numpy as np
import pytest

from fixtures import support
from nnlib.tour import main, run_tour


def test_tour_command_line_reaches_95_percent_and_saves_the_loss_curve(tmp_path, capsys):
    out = tmp_path / "tour"
    status = main(["--out", str(out), "--seed", "0"])
    assert status == 0
    printed = capsys.readouterr().out

    match = re.search(r"test accuracy: ([\d.]+)%", printed)
    assert match, f"no test accuracy in the output:\n{printed}"
    assert float(match.group(1)) >= 95.0

    figure = out / "loss_curve.png"
    assert str(figure.resolve()) in printed
    data = figure.read_bytes()
    assert data.startswith(support.PNG_SIGNATURE) and len(data) > 10_000


def test_tour_is_reproducible_with_a_seed(tmp_path):
    first = run_tour(epochs=2, out=tmp_path / "a", seed=3, progress=False)
    second = run_tour(epochs=2, out=tmp_path / "b", seed=3, progress=False)
    assert first.history["loss"] == second.history["loss"]
    assert first.test_accuracy == second.test_accuracy
    for key, value in first.model.parameters().items():
        np.testing.assert_array_equal(value, second.model.parameters()[key])


def test_tour_trains_a_float32_network_and_records_test_curves(tmp_path):
    result = run_tour(epochs=3, out=tmp_path, seed=1, progress=False)
    assert all(p.dtype == np.float32 for p in result.model.parameters().values())
    assert result.history.epochs == 3
    assert len(result.history["val_loss"]) == 3 and len(result.history["val_accuracy"]) == 3
    assert result.history["val_accuracy"][-1] == pytest.approx(result.test_accuracy)
    assert result.figure == tmp_path / "loss_curve.png" and result.figure.stat().st_size > 0


def test_tour_command_line_rejects_zero_epochs(tmp_path):
    with pytest.raises(SystemExit) as error:
        main(["--epochs", "0", "--out", str(tmp_path)])
    assert error.value.code == 2
    assert not (tmp_path / "loss_curve.png").exists()
