"""Realistic wrong answers to the exercises of chapter 4 (regularization).

``MUTATIONS[exercise][mistake]`` is the source of a wrong solution cell, written the way a
student might get it wrong. tests/test_notebooks.py injects each one into the notebook and
checks that it fails its own exercise's test cell and no other.
"""

MUTATIONS = {
    "l2_penalty": {
        "no_one_half": '''
def l2_penalty(weights, lam, m):
    """L2 penalty, forgetting the 1/2."""
    return lam / m * sum(float(np.sum(W ** 2)) for W in weights)
''',
        "lam_over_2_times_m": '''
def l2_penalty(weights, lam, m):
    """L2 penalty with a precedence slip: lam / 2 * m multiplies by m."""
    return lam / 2 * m * sum(float(np.sum(W ** 2)) for W in weights)
''',
        "no_one_over_m": '''
def l2_penalty(weights, lam, m):
    """L2 penalty without the 1/m."""
    return lam / 2 * sum(float(np.sum(W ** 2)) for W in weights)
''',
        "norm_not_squared": '''
def l2_penalty(weights, lam, m):
    """L2 penalty with the Frobenius norm instead of its square."""
    return lam / (2 * m) * sum(float(np.linalg.norm(W)) for W in weights)
''',
        "square_of_sum": '''
def l2_penalty(weights, lam, m):
    """Squares the sum of the weights instead of summing their squares."""
    return lam / (2 * m) * sum(float(np.sum(W)) ** 2 for W in weights)
''',
        "only_first_matrix": '''
def l2_penalty(weights, lam, m):
    """Penalises only the first matrix of the list."""
    return lam / (2 * m) * float(np.sum(weights[0] ** 2))
''',
        "squares_in_place": '''
def l2_penalty(weights, lam, m):
    """Right value, but squares the caller's weight matrices in place."""
    total = 0.0
    for W in weights:
        W **= 2
        total += float(np.sum(W))
    return lam / (2 * m) * total
''',
    },
    "l2_grad": {
        "half_factor": '''
def l2_grad(W, lam, m):
    """Keeps the 1/2 of the penalty in the gradient."""
    return lam / (2 * m) * W
''',
        "no_one_over_m": '''
def l2_grad(W, lam, m):
    """Forgets to divide by m."""
    return lam * W
''',
        "twice_the_gradient": '''
def l2_grad(W, lam, m):
    """Differentiates w**2 to 2w but forgets that the penalty had a 1/2."""
    return 2 * lam / m * W
''',
        "sign_instead_of_W": '''
def l2_grad(W, lam, m):
    """Uses the L1 gradient."""
    return lam / m * np.sign(W)
''',
        "modifies_W_in_place": '''
def l2_grad(W, lam, m):
    """Right value, but scales the weights themselves."""
    W *= lam / m
    return W
''',
        "float64_coefficient": '''
def l2_grad(W, lam, m):
    """Right values, but a numpy float64 coefficient turns a float32 W into a float64 dW."""
    return np.float64(lam) / m * W
''',
    },
    "adamw_update": {
        "l2_inside_adam": '''
def adamw_update(w, dw, m, v, t, lr=0.001, weight_decay=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adds the decay to the gradient: L2 under Adam, which AdamW replaces."""
    return adam_update(w, dw + weight_decay * w, m, v, t, lr, beta1, beta2, eps)
''',
        "decay_without_lr": '''
def adamw_update(w, dw, m, v, t, lr=0.001, weight_decay=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    """Shrinks by 1 - weight_decay, forgetting the learning rate."""
    return adam_update(w * (1 - weight_decay), dw, m, v, t, lr, beta1, beta2, eps)
''',
        "decay_after_the_step": '''
def adamw_update(w, dw, m, v, t, lr=0.001, weight_decay=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    """Takes Adam's step first, then decays the moved weights."""
    w, m, v = adam_update(w, dw, m, v, t, lr, beta1, beta2, eps)
    return w * (1 - lr * weight_decay), m, v
''',
        "decay_twice": '''
def adamw_update(w, dw, m, v, t, lr=0.001, weight_decay=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    """Decays the weights and also adds the decay to the gradient."""
    return adam_update(w * (1 - lr * weight_decay), dw + weight_decay * w, m, v, t, lr, beta1, beta2, eps)
''',
        "grows_instead_of_decays": '''
def adamw_update(w, dw, m, v, t, lr=0.001, weight_decay=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    """A sign slip: multiplies by 1 + lr * weight_decay."""
    return adam_update(w * (1 + lr * weight_decay), dw, m, v, t, lr, beta1, beta2, eps)
''',
        "decays_in_place": '''
def adamw_update(w, dw, m, v, t, lr=0.001, weight_decay=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    """Right values, but shrinks the caller's weights in place."""
    w *= 1 - lr * weight_decay
    return adam_update(w, dw, m, v, t, lr, beta1, beta2, eps)
''',
        "drops_the_betas": '''
def adamw_update(w, dw, m, v, t, lr=0.001, weight_decay=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    """Right for the default betas, but never passes beta1, beta2 and eps on to Adam."""
    return adam_update(w * (1 - lr * weight_decay), dw, m, v, t, lr)
''',
        "float64_factor": '''
def adamw_update(w, dw, m, v, t, lr=0.001, weight_decay=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    """Right values, but a numpy float64 factor turns float32 weights into float64."""
    return adam_update(w * np.float64(1 - lr * weight_decay), dw, m, v, t, lr, beta1, beta2, eps)
''',
    },
    "l1_penalty": {
        "one_half_copied_from_l2": '''
def l1_penalty(weights, lam, m):
    """Copies the 1/2 of the L2 penalty."""
    return lam / (2 * m) * sum(float(np.sum(np.abs(W))) for W in weights)
''',
        "no_absolute_value": '''
def l1_penalty(weights, lam, m):
    """Sums the weights without taking absolute values."""
    return lam / m * sum(float(np.sum(W)) for W in weights)
''',
        "squares_instead_of_abs": '''
def l1_penalty(weights, lam, m):
    """Sums squares, as for L2."""
    return lam / m * sum(float(np.sum(W ** 2)) for W in weights)
''',
        "no_one_over_m": '''
def l1_penalty(weights, lam, m):
    """Forgets to divide by m."""
    return lam * sum(float(np.sum(np.abs(W))) for W in weights)
''',
        "only_last_matrix": '''
def l1_penalty(weights, lam, m):
    """Overwrites the total in the loop instead of adding to it."""
    total = 0.0
    for W in weights:
        total = float(np.sum(np.abs(W)))
    return lam / m * total
''',
    },
    "l1_grad": {
        "W_instead_of_sign": '''
def l1_grad(W, lam, m):
    """Uses W, the L2 gradient, instead of sign(W)."""
    return lam / m * W
''',
        "half_factor": '''
def l1_grad(W, lam, m):
    """Adds a 1/2 that L1 does not have."""
    return lam / (2 * m) * np.sign(W)
''',
        "no_one_over_m": '''
def l1_grad(W, lam, m):
    """Forgets to divide by m."""
    return lam * np.sign(W)
''',
        "minus_one_at_zero": '''
def l1_grad(W, lam, m):
    """Builds the sign by hand and gives -1 at w = 0."""
    return lam / m * np.where(W > 0, 1.0, -1.0)
''',
        "sign_as_W_over_abs_W": '''
def l1_grad(W, lam, m):
    """Builds the sign as W / |W|: 0 / 0 = nan where a weight is 0."""
    return lam / m * (W / np.abs(W))
''',
        "float64_coefficient": '''
def l1_grad(W, lam, m):
    """Right values, but a numpy float64 coefficient turns a float32 W into a float64 dW."""
    return np.float64(lam) / m * np.sign(W)
''',
    },
    "dropout_forward": {
        "not_inverted": '''
def dropout_forward(x, p, training=True, rng=None):
    """Drops without scaling the survivors."""
    if not training or p == 0:
        return x, {"mask": None, "p": p}
    rng = np.random.default_rng() if rng is None else rng
    mask = (rng.random(x.shape) >= p).astype(x.dtype)
    return x * mask, {"mask": mask, "p": p}
''',
        "drops_at_test_time": '''
def dropout_forward(x, p, training=True, rng=None):
    """Ignores `training`: drops at test time too."""
    if p == 0:
        return x, {"mask": None, "p": p}
    rng = np.random.default_rng() if rng is None else rng
    mask = (rng.random(x.shape) >= p).astype(x.dtype) / (1 - p)
    return x * mask, {"mask": mask, "p": p}
''',
        "p_is_keep_probability": '''
def dropout_forward(x, p, training=True, rng=None):
    """Reads p as the probability to keep a unit."""
    if not training or p == 0:
        return x, {"mask": None, "p": p}
    rng = np.random.default_rng() if rng is None else rng
    mask = (rng.random(x.shape) < p).astype(x.dtype) / p
    return x * mask, {"mask": mask, "p": p}
''',
        "old_style_scales_at_test_time": '''
def dropout_forward(x, p, training=True, rng=None):
    """Non-inverted dropout: no scaling in training, multiply by 1 - p at test time."""
    if not training:
        return x * (1 - p), {"mask": None, "p": p}
    rng = np.random.default_rng() if rng is None else rng
    mask = (rng.random(x.shape) >= p).astype(x.dtype)
    return x * mask, {"mask": mask, "p": p}
''',
        "ignores_rng": '''
def dropout_forward(x, p, training=True, rng=None):
    """Draws the mask from numpy's global generator instead of rng."""
    if not training or p == 0:
        return x, {"mask": None, "p": p}
    mask = (np.random.rand(*x.shape) >= p).astype(x.dtype) / (1 - p)
    return x * mask, {"mask": mask, "p": p}
''',
        "one_mask_per_feature": '''
def dropout_forward(x, p, training=True, rng=None):
    """One mask for a whole column: every example drops the same units."""
    if not training or p == 0:
        return x, {"mask": None, "p": p}
    rng = np.random.default_rng() if rng is None else rng
    mask = (rng.random(x.shape[-1]) >= p).astype(x.dtype) / (1 - p)
    mask = np.broadcast_to(mask, x.shape).copy()
    return x * mask, {"mask": mask, "p": p}
''',
        "cache_holds_unscaled_mask": '''
def dropout_forward(x, p, training=True, rng=None):
    """Right output, but the cache keeps the 0/1 keep-mask instead of the scaled mask."""
    if not training or p == 0:
        return x, {"mask": None, "p": p}
    rng = np.random.default_rng() if rng is None else rng
    keep = (rng.random(x.shape) >= p).astype(x.dtype)
    return x * keep / (1 - p), {"mask": keep, "p": p}
''',
        "upcasts_float32": '''
def dropout_forward(x, p, training=True, rng=None):
    """Builds a float64 mask, so float32 activations come out float64."""
    if not training or p == 0:
        return x, {"mask": None, "p": p}
    rng = np.random.default_rng() if rng is None else rng
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * mask, {"mask": mask, "p": p}
''',
        "modifies_x_in_place": '''
def dropout_forward(x, p, training=True, rng=None):
    """Right output, but multiplies the caller's activations in place."""
    if not training or p == 0:
        return x, {"mask": None, "p": p}
    rng = np.random.default_rng() if rng is None else rng
    mask = (rng.random(x.shape) >= p).astype(x.dtype) / (1 - p)
    x *= mask
    return x, {"mask": mask, "p": p}
''',
        "fixed_seed_inside": '''
def dropout_forward(x, p, training=True, rng=None):
    """Makes its own generator with seed 0: the same mask at every step, whatever rng says."""
    if not training or p == 0:
        return x, {"mask": None, "p": p}
    rng = np.random.default_rng(0)
    mask = (rng.random(x.shape) >= p).astype(x.dtype) / (1 - p)
    return x * mask, {"mask": mask, "p": p}
''',
    },
    "dropout_backward": {
        "ignores_mask": '''
def dropout_backward(dout, cache):
    """Passes the gradient straight through."""
    return dout
''',
        "scales_without_mask": '''
def dropout_backward(dout, cache):
    """Scales by 1 / (1 - p) but forgets which units were dropped."""
    return dout / (1 - cache["p"])
''',
        "unscaled_mask": '''
def dropout_backward(dout, cache):
    """Uses where the mask is nonzero, forgetting the 1 / (1 - p) scaling."""
    mask = cache["mask"]
    if mask is None:
        return dout
    return dout * (mask != 0)
''',
        "draws_a_new_mask": '''
def dropout_backward(dout, cache):
    """Draws a fresh mask instead of reusing the forward's."""
    p = cache["p"]
    if cache["mask"] is None:
        return dout
    mask = (np.random.default_rng().random(dout.shape) >= p) / (1 - p)
    return dout * mask
''',
        "scales_twice": '''
def dropout_backward(dout, cache):
    """Multiplies by the (already scaled) mask and divides by 1 - p again."""
    mask = cache["mask"]
    if mask is None:
        return dout
    return dout * mask / (1 - cache["p"])
''',
        "crashes_on_identity_cache": '''
def dropout_backward(dout, cache):
    """Forgets the case where the forward pass did nothing (mask None)."""
    return dout * cache["mask"]
''',
        "modifies_dout_in_place": '''
def dropout_backward(dout, cache):
    """Right values, but multiplies the upstream gradient in place."""
    mask = cache["mask"]
    if mask is None:
        return dout
    dout *= mask
    return dout
''',
    },
    "early_stopping_epoch": {
        "returns_stopping_epoch": '''
def early_stopping_epoch(val_losses, patience):
    """Returns the epoch where training stopped (the last one seen), not the best."""
    best_loss, waited, epoch = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best_loss:
            best_loss, waited = loss, 0
        else:
            waited += 1
            if waited >= patience:
                break
    return epoch
''',
        "global_minimum": '''
def early_stopping_epoch(val_losses, patience):
    """Ignores patience: the lowest loss of the whole run."""
    return int(np.argmin(val_losses))
''',
        "patience_off_by_one_late": '''
def early_stopping_epoch(val_losses, patience):
    """Waits one epoch too many: stops when the counter exceeds patience."""
    best_loss, best_epoch, waited = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best_loss:
            best_loss, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited > patience:
                break
    return best_epoch
''',
        "patience_off_by_one_early": '''
def early_stopping_epoch(val_losses, patience):
    """Stops one epoch too soon."""
    best_loss, best_epoch, waited = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best_loss:
            best_loss, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience - 1:
                break
    return best_epoch
''',
        "ties_count_as_improvement": '''
def early_stopping_epoch(val_losses, patience):
    """Uses <= : an equal loss counts as a new best."""
    best_loss, best_epoch, waited = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss <= best_loss:
            best_loss, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                break
    return best_epoch
''',
        "counter_not_reset": '''
def early_stopping_epoch(val_losses, patience):
    """Counts every epoch without improvement since the start, not in a row."""
    best_loss, best_epoch, waited = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best_loss:
            best_loss, best_epoch = loss, epoch
        else:
            waited += 1
            if waited >= patience:
                break
    return best_epoch
''',
        "compares_with_previous_epoch": '''
def early_stopping_epoch(val_losses, patience):
    """Counts epochs worse than the previous epoch, not than the best so far."""
    best_epoch, waited = 0, 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[epoch - 1]:
            waited = 0
            if val_losses[epoch] < val_losses[best_epoch]:
                best_epoch = epoch
        else:
            waited += 1
            if waited >= patience:
                break
    return best_epoch
''',
        "one_based_epoch": '''
def early_stopping_epoch(val_losses, patience):
    """Counts epochs from 1: returns the best epoch's index + 1."""
    best_loss, best_epoch, waited = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best_loss:
            best_loss, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                break
    return best_epoch
''',
    },
}
