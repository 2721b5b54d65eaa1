"""nnlib against PyTorch CPU (an independent oracle): activations, losses, the dense layer,
batch norm, the four optimizers, Nesterov momentum and the whole L-layer network, forward
values and gradients, all in float64.

PyTorch is a test-only dependency (``make crosscheck`` installs it); these tests run in CI
and are deselected by ``make test`` (``-m "not crosscheck"``).

Where the two libraries use different conventions, the tests map one onto the other:
- batch norm: PyTorch's ``momentum`` is the weight of the NEW value (ours 0.9 = its 0.1), and
  it feeds the UNBIASED batch variance (divide by m - 1) into ``running_var`` while we feed the
  biased one (divide by m, as Keras); the normalisation itself uses the biased one in both.
- momentum: PyTorch keeps ``v = beta v + dw`` (no ``1 - beta``), so its velocity is ours
  divided by ``1 - beta`` at every step; with ``lr_torch = lr * (1 - beta)`` the steps agree.
  The same holds for Nesterov momentum (``nesterov=True``).
- RMSprop: PyTorch's ``alpha`` is our ``beta``; both add eps outside the square root.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import nnlib as nl
from nnlib.batchnorm import batchnorm_backward, batchnorm_forward
from nnlib.dense import dense_backward, dense_forward
from nnlib.layers import BatchNorm
from nnlib.optimizers import SGD, Adam, Momentum, RMSprop

pytestmark = pytest.mark.crosscheck

RTOL = 1e-10


def _tensor(array: np.ndarray, grad: bool = False) -> torch.Tensor:
    """A float64 torch tensor with a copy of array's values."""
    return torch.tensor(np.array(array), dtype=torch.float64, requires_grad=grad)


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().numpy()


# --- activations ----------------------------------------------------------------------------

ACTIVATIONS = {
    "sigmoid": (nl.sigmoid, nl.sigmoid_backward, torch.sigmoid),
    "tanh": (nl.tanh, nl.tanh_backward, torch.tanh),
    "relu": (nl.relu, nl.relu_backward, torch.relu),
    "leaky_relu": (
        lambda z: nl.leaky_relu(z, 0.05),
        lambda da, z: nl.leaky_relu_backward(da, z, 0.05),
        lambda z: F.leaky_relu(z, negative_slope=0.05),
    ),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_and_its_gradient_match_torch(name, rng):
    forward, backward, torch_forward = ACTIVATIONS[name]
    z = rng.normal(scale=3.0, size=(7, 5))
    da = rng.normal(size=z.shape)
    z_t = _tensor(z, grad=True)
    a_t = torch_forward(z_t)
    a_t.backward(_tensor(da))
    np.testing.assert_allclose(forward(z), _numpy(a_t), rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(backward(da, z), _numpy(z_t.grad), rtol=RTOL, atol=1e-15)


def test_softmax_matches_torch_even_for_large_logits(rng):
    z = rng.normal(scale=50.0, size=(6, 4))
    z[0] += 1000.0
    np.testing.assert_allclose(nl.softmax(z), _numpy(torch.softmax(_tensor(z), dim=-1)), rtol=RTOL, atol=1e-300)


# --- losses ---------------------------------------------------------------------------------


def _check_loss(loss, backward, torch_loss, y_pred: np.ndarray, y: np.ndarray, torch_y: torch.Tensor) -> None:
    pred_t = _tensor(y_pred, grad=True)
    value_t = torch_loss(pred_t, torch_y)
    value_t.backward()
    assert loss(y_pred, y) == pytest.approx(value_t.item(), rel=RTOL)
    np.testing.assert_allclose(backward(y_pred, y), _numpy(pred_t.grad), rtol=RTOL, atol=1e-15)


@pytest.mark.parametrize("name", ["mse", "mae"])
def test_regression_loss_and_gradient_match_torch(name, rng):
    y_pred, y = rng.normal(size=(9, 3)), rng.normal(size=(9, 3))
    loss, backward, torch_loss = {"mse": (nl.mse, nl.mse_backward, F.mse_loss), "mae": (nl.mae, nl.mae_backward, F.l1_loss)}[name]
    _check_loss(loss, backward, torch_loss, y_pred, y, _tensor(y))


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_huber_matches_torch_huber_and_smooth_l1(delta, rng):
    y_pred, y = rng.normal(scale=2.0, size=(10, 2)), rng.normal(size=(10, 2))
    _check_loss(
        lambda p, t: nl.huber(p, t, delta), lambda p, t: nl.huber_backward(p, t, delta),
        lambda p, t: F.huber_loss(p, t, delta=delta), y_pred, y, _tensor(y),
    )
    # smooth L1 with beta = delta is the Huber loss divided by delta
    smooth = F.smooth_l1_loss(_tensor(y_pred), _tensor(y), beta=delta).item()
    assert nl.huber(y_pred, y, delta) == pytest.approx(delta * smooth, rel=RTOL)


def test_binary_cross_entropy_matches_torch(rng):
    p = rng.uniform(0.02, 0.98, size=(12, 1))
    y = rng.integers(0, 2, size=(12, 1)).astype(np.float64)
    _check_loss(nl.binary_cross_entropy, nl.binary_cross_entropy_backward, F.binary_cross_entropy, p, y, _tensor(y))


def test_softmax_cross_entropy_matches_torch(rng):
    logits = rng.normal(scale=4.0, size=(11, 5))
    y = rng.integers(0, 5, size=11)
    _check_loss(nl.softmax_cross_entropy, nl.softmax_cross_entropy_backward, F.cross_entropy, logits, y, torch.tensor(y))


# --- dense ----------------------------------------------------------------------------------


def test_dense_forward_and_backward_match_torch(rng):
    x, W, b = rng.normal(size=(6, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    dout = rng.normal(size=(6, 3))
    x_t, W_t, b_t = _tensor(x, True), _tensor(W, True), _tensor(b, True)
    out_t = F.linear(x_t, W_t.T, b_t)  # torch stores (n_out, n_in); we store (n_in, n_out)
    out_t.backward(_tensor(dout))
    out, cache = dense_forward(x, W, b)
    dx, dW, db = dense_backward(dout, cache)
    np.testing.assert_allclose(out, _numpy(out_t), rtol=RTOL)
    for ours, theirs in [(dx, x_t.grad), (dW, W_t.grad), (db, b_t.grad)]:
        np.testing.assert_allclose(ours, _numpy(theirs), rtol=RTOL)


# --- batch norm -----------------------------------------------------------------------------


def test_batchnorm_training_forward_and_backward_match_torch(rng):
    m, d = 16, 5
    x = rng.normal(2.0, 3.0, size=(m, d))
    gamma, beta = rng.uniform(0.5, 1.5, size=d), rng.normal(size=d)
    dout = rng.normal(size=(m, d))
    x_t, gamma_t, beta_t = _tensor(x, True), _tensor(gamma, True), _tensor(beta, True)
    out_t = F.batch_norm(x_t, None, None, gamma_t, beta_t, training=True, eps=1e-5)
    out_t.backward(_tensor(dout))
    out, cache = batchnorm_forward(x, gamma, beta, np.zeros(d), np.ones(d), training=True, eps=1e-5)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    np.testing.assert_allclose(out, _numpy(out_t), rtol=1e-9, atol=1e-12)
    for ours, theirs in [(dx, x_t.grad), (dgamma, gamma_t.grad), (dbeta, beta_t.grad)]:
        np.testing.assert_allclose(ours, _numpy(theirs), rtol=1e-9, atol=1e-12)


def test_batchnorm_running_statistics_match_torch_over_several_steps(rng):
    m, d, steps = 10, 4, 6
    ours = BatchNorm(d, momentum=0.9, eps=1e-5)
    theirs = torch.nn.BatchNorm1d(d, momentum=0.1, eps=1e-5, dtype=torch.float64)  # torch 0.1 = our 0.9
    for _ in range(steps):
        x = rng.normal(1.0, 2.0, size=(m, d))
        ours.forward(x, training=True)
        theirs.train()
        theirs(_tensor(x))
    np.testing.assert_allclose(ours.running_mean, _numpy(theirs.running_mean), rtol=RTOL)
    # Both start at running_var = 1 and add 0.1 * (batch variance) each step, weighted by
    # 0.9 ** (steps left): ours with the biased variance (/ m), torch's with the unbiased one
    # (/ (m - 1)). What each added to the decayed initial 1 thus differs by exactly m / (m - 1).
    start = 0.9**steps
    np.testing.assert_allclose((ours.running_var - start) * m / (m - 1), _numpy(theirs.running_var) - start, rtol=1e-9)
    # in inference mode, with the same running statistics, the outputs agree
    theirs.running_var.copy_(torch.from_numpy(ours.running_var))
    theirs.eval()
    x = rng.normal(size=(3, d))
    np.testing.assert_allclose(ours.forward(x, training=False), _numpy(theirs(_tensor(x))), rtol=RTOL)


# --- optimizers -----------------------------------------------------------------------------

OPTIMIZER_PAIRS = {
    "SGD": (lambda: SGD(lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    # torch's velocity is v / (1 - beta): the same steps with lr * (1 - beta)
    "Momentum": (lambda: Momentum(lr=0.1, beta=0.9), lambda p: torch.optim.SGD(p, lr=0.1 * (1 - 0.9), momentum=0.9)),
    "RMSprop": (lambda: RMSprop(lr=0.01, beta=0.9, eps=1e-8), lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8)),
    "Adam": (
        lambda: Adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8),
        lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8),
    ),
}


@pytest.mark.parametrize("name", OPTIMIZER_PAIRS)
def test_optimizer_matches_torch_over_ten_steps(name, rng):
    make_ours, make_theirs = OPTIMIZER_PAIRS[name]
    params = {"0.W": rng.normal(size=(4, 3)), "0.b": rng.normal(size=3)}
    tensors = {key: _tensor(w, grad=True) for key, w in params.items()}
    ours, theirs = make_ours(), make_theirs(list(tensors.values()))
    for _ in range(10):
        grads = {key: rng.normal(size=w.shape) for key, w in params.items()}
        ours.step(params, grads)
        for key, tensor in tensors.items():
            tensor.grad = _tensor(grads[key])
        theirs.step()
    for key in params:
        np.testing.assert_allclose(params[key], _numpy(tensors[key]), rtol=1e-9, atol=1e-12)


# --- Nesterov momentum and the whole network (chapters 2 and 3, issue 14) ------------------


@pytest.mark.parametrize("beta", [0.9, 0.5])
def test_nesterov_update_matches_torch_sgd_with_nesterov_over_ten_steps(beta, rng):
    """Ours with lr is PyTorch's SGD(lr=lr (1 - beta), momentum=beta, nesterov=True): its buffer
    is our velocity divided by 1 - beta (see nl.nesterov_update)."""
    lr = 0.1
    w = rng.normal(size=(4, 3))
    v = np.zeros_like(w)
    tensor = _tensor(w, grad=True)
    theirs = torch.optim.SGD([tensor], lr=lr * (1 - beta), momentum=beta, nesterov=True)
    for _ in range(10):
        dw = rng.normal(size=w.shape)
        w, v = nl.nesterov_update(w, dw, v, lr, beta)
        tensor.grad = _tensor(dw)
        theirs.step()
        np.testing.assert_allclose(w, _numpy(tensor), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(v, (1 - beta) * _numpy(theirs.state[tensor]["momentum_buffer"]), rtol=1e-9)


@pytest.mark.parametrize("sizes", [[3, 2], [4, 6, 3], [5, 7, 6, 4, 3]])
def test_mlp_forward_and_backward_match_torch_autograd(sizes, rng):
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"], params[f"b{layer}"] = rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)
    x, y = rng.normal(size=(8, sizes[0])), rng.integers(0, sizes[-1], size=8)
    logits, caches = nl.mlp_forward(params, x)
    grads = nl.mlp_backward(nl.softmax_cross_entropy_backward(logits, y), caches)

    tensors = {name: _tensor(value, grad=True) for name, value in params.items()}
    a = _tensor(x)
    depth = len(sizes) - 1
    for layer in range(1, depth + 1):
        a = a @ tensors[f"W{layer}"] + tensors[f"b{layer}"]
        if layer < depth:
            a = torch.relu(a)
    F.cross_entropy(a, torch.tensor(y)).backward()
    np.testing.assert_allclose(logits, _numpy(a), rtol=RTOL)
    for name, tensor in tensors.items():
        np.testing.assert_allclose(grads[name], _numpy(tensor.grad), rtol=1e-9, atol=1e-12)


# --- AdamW (chapter 4): weight_decay is lam / m, the same number in both libraries ----------

def test_adamw_update_matches_torch_adamw_over_ten_steps(rng):
    from nnlib.weight_decay import adamw_update

    w = rng.normal(size=(4, 3))
    m, v = np.zeros_like(w), np.zeros_like(w)
    tensor = _tensor(w, grad=True)
    theirs = torch.optim.AdamW([tensor], lr=0.01, betas=(0.8, 0.99), eps=1e-7, weight_decay=0.25)
    for t in range(1, 11):
        dw = rng.normal(size=w.shape)
        w, m, v = adamw_update(w, dw, m, v, t, lr=0.01, weight_decay=0.25, beta1=0.8, beta2=0.99, eps=1e-7)
        tensor.grad = _tensor(dw)
        theirs.step()
    np.testing.assert_allclose(w, _numpy(tensor), rtol=1e-9, atol=1e-12)
    state = theirs.state[tensor]
    np.testing.assert_allclose(m, _numpy(state["exp_avg"]), rtol=1e-12)
    np.testing.assert_allclose(v, _numpy(state["exp_avg_sq"]), rtol=1e-12)


def test_torch_adam_weight_decay_is_l2_under_adam_not_adamw(rng):
    """torch.optim.Adam's weight_decay adds weight_decay * w to the gradient (chapter 4,
    section 2.4's question): our adam_update fed dw + l2_grad(w, lam, m)."""
    w = rng.normal(size=5)
    m, v = np.zeros_like(w), np.zeros_like(w)
    tensor = _tensor(w, grad=True)
    theirs = torch.optim.Adam([tensor], lr=0.01, weight_decay=0.25)
    for t in range(1, 11):
        dw = rng.normal(size=w.shape)
        w, m, v = nl.adam_update(w, dw + nl.l2_grad(w, 0.25 * 40, 40), m, v, t, lr=0.01)
        tensor.grad = _tensor(dw)
        theirs.step()
    np.testing.assert_allclose(w, _numpy(tensor), rtol=1e-9, atol=1e-12)


# --- layer norm (chapter 5): torch.nn.LayerNorm(d), biased variance, eps inside the root -----

@pytest.mark.parametrize(("m", "d"), [(1, 6), (5, 4), (32, 17)])
def test_layernorm_forward_and_backward_match_torch_layernorm(m, d, rng):
    from nnlib.layernorm import layernorm_backward, layernorm_forward

    x = rng.normal(loc=2.0, scale=3.0, size=(m, d))
    gamma, beta = rng.normal(size=d), rng.normal(size=d)
    dout = rng.normal(size=(m, d))
    out, cache = layernorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = layernorm_backward(dout, cache)

    layer = torch.nn.LayerNorm(d, eps=1e-5, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(_tensor(gamma))
        layer.bias.copy_(_tensor(beta))
    x_t = _tensor(x, grad=True)
    out_t = layer(x_t)
    out_t.backward(_tensor(dout))
    np.testing.assert_allclose(out, _numpy(out_t), rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(dx, _numpy(x_t.grad), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dgamma, _numpy(layer.weight.grad), rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(dbeta, _numpy(layer.bias.grad), rtol=RTOL, atol=1e-12)
