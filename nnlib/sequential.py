"""Sequential: a network as a list of layers, each feeding the next.

    model = Sequential(Dense(2, 16), ReLU(), Dense(16, 2))
    logits = model.forward(X)                 # (m, 2)
    model.backward(softmax_cross_entropy_backward(logits, y))
    Adam(lr=0.01).step(model.parameters(), model.gradients())

``parameters()`` and ``gradients()`` flatten the layers' dicts into one dict each, with keys
"<layer index>.<name>" ("0.W", "0.b", "3.gamma", ...). The values are the layers' own arrays,
not copies: an optimizer that updates ``parameters()`` in place updates the model, and the
arrays of ``gradients()`` hold the gradients of the latest ``backward``. ``weights()`` is the
part of ``parameters()`` that weight penalties act on (each layer's ``weight_names``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Sequential"]


class Sequential:
    """A feed-forward network: ``layers[0]``, then ``layers[1]``, ... ``layers[-1]``.

    layers: objects with ``forward(x, training)``, ``backward(dout)`` and dicts ``params``
    and ``grads`` (the layers of ``nnlib.layers``); the first one's ``backward`` also takes
    ``input_grad=False`` when ``backward(..., input_grad=False)`` is used (as ``fit`` does).
    A single list of layers works too.
    """

    def __init__(self, *layers: Any) -> None:
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for index, layer in enumerate(layers):
            missing = [name for name in ("forward", "backward", "params", "grads") if not hasattr(layer, name)]
            if missing:
                raise TypeError(
                    f"Sequential: layer {index} ({type(layer).__name__}) is not a layer: it has no {', '.join(missing)}"
                )
        self.layers = list(layers)

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """x: (m, n_in) batch. Returns the last layer's output, e.g. (m, k) logits.

        training: passed to every layer (dropout active, batch norm on batch statistics).
        """
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Backpropagate ``dout = dL/d(output)`` through every layer, last to first.

        Afterwards ``gradients()`` holds dL/d(parameter) for every parameter.
        Returns dx = dL/d(input), (m, n_in); with ``input_grad=False`` None is returned, and
        the first layer is told that nobody needs its dx (a Dense layer then skips it: a
        saving of up to a third of the step for a wide input). Training loops don't need dx.
        """
        for layer in reversed(self.layers[1:]):
            dout = layer.backward(dout)
        if not self.layers:
            return dout
        if input_grad:
            return self.layers[0].backward(dout)
        self.layers[0].backward(dout, input_grad=False)
        return None

    def parameters(self) -> dict[str, np.ndarray]:
        """Every parameter, keyed "<layer index>.<name>" ("0.W", "0.b", ...): the live arrays."""
        return self._flatten(lambda layer: layer.params)

    def gradients(self) -> dict[str, np.ndarray]:
        """The gradient of every parameter, with the same keys as ``parameters()``: live arrays."""
        return self._flatten(lambda layer: layer.grads)

    def weights(self) -> dict[str, np.ndarray]:
        """The weight matrices, the parameters that L2 and L1 penalties act on: the entries
        of ``parameters()`` that their layer names in ``weight_names`` (Dense's W; not the
        biases, not batch norm's gamma and beta). Same keys and live arrays."""
        return self._flatten(lambda layer: {name: layer.params[name] for name in getattr(layer, "weight_names", ())})

    def _flatten(self, arrays_of: Callable[[Any], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        """One dict of every layer's ``arrays_of(layer)``, keyed "<layer index>.<name>"."""
        return {f"{i}.{name}": array for i, layer in enumerate(self.layers) for name, array in arrays_of(layer).items()}

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The network's raw output in inference mode (``training=False``: no dropout, batch
        norm on its running statistics, running statistics left untouched).

        x: (m, n_in). Returns the last layer's output as it is: logits (m, k) for a network
        trained with softmax cross-entropy (take ``argmax(axis=1)`` for classes),
        probabilities (m, 1) after a final Sigmoid, values for a regression network.
        """
        return self.forward(x, training=False)

    def n_params(self) -> int:
        """Total number of trainable numbers."""
        return sum(array.size for array in self.parameters().values())

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index: int) -> Any:
        return self.layers[index]

    def __repr__(self) -> str:
        lines = [f"Sequential({self.n_params()} parameters)"]
        for i, layer in enumerate(self.layers):
            lines.append(f"  ({i}) {layer!r}")
        return "\n".join(lines)
