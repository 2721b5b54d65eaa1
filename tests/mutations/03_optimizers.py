"""Realistic wrong answers to the exercises of 03_optimizers (see tests/nbharness.py).

MUTATIONS[exercise][mistake] is the source of a whole wrong solution cell; the notebook test
proves that each one fails its own exercise's test cell and no other.
"""

MUTATIONS = {
    "sgd_update": {
        "adds_the_gradient": '''
def sgd_update(w, dw, lr):
    """Step along the gradient (uphill)."""
    return w + lr * dw
''',
        "modifies_w_in_place": '''
def sgd_update(w, dw, lr):
    """In-place step: changes the caller's array."""
    w -= lr * dw
    return w
''',
        "ignores_the_learning_rate": '''
def sgd_update(w, dw, lr):
    """Forgets lr."""
    return w - dw
''',
        "squares_the_learning_rate": '''
def sgd_update(w, dw, lr):
    """lr applied twice."""
    return w - lr * lr * dw
''',
    },
    "minibatches": {
        "separate_permutations_for_X_and_y": '''
def minibatches(X, y, batch_size, rng=None, shuffle=True):
    """Shuffles X and y with two different permutations."""
    rng = np.random.default_rng() if rng is None else rng
    m = X.shape[0]
    if shuffle:
        X = X[rng.permutation(m)]
        y = y[rng.permutation(m)]
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, m, batch_size)]
''',
        "drops_the_last_partial_batch": '''
def minibatches(X, y, batch_size, rng=None, shuffle=True):
    """Only full batches."""
    rng = np.random.default_rng() if rng is None else rng
    m = X.shape[0]
    order = rng.permutation(m) if shuffle else np.arange(m)
    batches = []
    for k in range(m // batch_size):
        idx = order[k * batch_size:(k + 1) * batch_size]
        batches.append((X[idx], y[idx]))
    return batches
''',
        "shuffles_the_inputs_in_place": '''
def minibatches(X, y, batch_size, rng=None, shuffle=True):
    """rng.shuffle changes the caller's arrays (and unpairs X from y)."""
    rng = np.random.default_rng() if rng is None else rng
    m = X.shape[0]
    if shuffle:
        rng.shuffle(X)
        rng.shuffle(y)
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, m, batch_size)]
''',
        "ignores_rng_uses_global_numpy_random": '''
def minibatches(X, y, batch_size, rng=None, shuffle=True):
    """Draws from numpy's global generator: not reproducible from a seed."""
    m = X.shape[0]
    order = np.random.permutation(m) if shuffle else np.arange(m)
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, m, batch_size)]
''',
        "fixed_seed_same_order_every_epoch": '''
def minibatches(X, y, batch_size, rng=None, shuffle=True):
    """A new generator with a fixed seed: every epoch gets the same order."""
    m = X.shape[0]
    order = np.random.default_rng(0).permutation(m) if shuffle else np.arange(m)
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, m, batch_size)]
''',
        "never_shuffles": '''
def minibatches(X, y, batch_size, rng=None, shuffle=True):
    """Forgets to shuffle."""
    m = X.shape[0]
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, m, batch_size)]
''',
        # A generator: fine for one loop over it, but it has no len() and is used up after one pass.
        "yields_the_batches": '''
def minibatches(X, y, batch_size, rng=None, shuffle=True):
    """A generator instead of a list."""
    rng = np.random.default_rng() if rng is None else rng
    m = X.shape[0]
    order = rng.permutation(m) if shuffle else np.arange(m)
    for i in range(0, m, batch_size):
        yield X[order[i:i + batch_size]], y[order[i:i + batch_size]]
''',
        "samples_with_replacement": '''
def minibatches(X, y, batch_size, rng=None, shuffle=True):
    """Random indices with replacement: some examples twice, some never."""
    rng = np.random.default_rng() if rng is None else rng
    m = X.shape[0]
    order = rng.integers(0, m, size=m) if shuffle else np.arange(m)
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, m, batch_size)]
''',
    },
    "ewa": {
        "no_bias_correction": '''
def ewa(values, beta, bias_correction=True):
    """Ignores bias_correction."""
    out = np.zeros(len(values))
    v = 0.0
    for t in range(len(values)):
        v = beta * v + (1 - beta) * values[t]
        out[t] = v
    return out
''',
        "bias_correction_t_off_by_one": '''
def ewa(values, beta, bias_correction=True):
    """Counts t from 0 in the correction (1 - beta**(t + 1) with t from 1)."""
    out = np.zeros(len(values))
    v = 0.0
    for t in range(1, len(values) + 1):
        v = beta * v + (1 - beta) * values[t - 1]
        out[t - 1] = v / (1 - beta ** (t + 1)) if bias_correction else v
    return out
''',
        "corrects_the_running_value": '''
def ewa(values, beta, bias_correction=True):
    """Feeds the corrected value back into the recursion."""
    out = np.zeros(len(values))
    v = 0.0
    for t in range(1, len(values) + 1):
        v = beta * v + (1 - beta) * values[t - 1]
        if bias_correction:
            v = v / (1 - beta**t)
        out[t - 1] = v
    return out
''',
        "starts_from_the_first_value": '''
def ewa(values, beta, bias_correction=True):
    """v_0 = x_1 instead of 0."""
    out = np.zeros(len(values))
    v = values[0]
    for t in range(1, len(values) + 1):
        v = beta * v + (1 - beta) * values[t - 1]
        out[t - 1] = v / (1 - beta**t) if bias_correction else v
    return out
''',
        "swapped_weights": '''
def ewa(values, beta, bias_correction=True):
    """beta on the new value, 1 - beta on the past."""
    out = np.zeros(len(values))
    v = 0.0
    for t in range(1, len(values) + 1):
        v = (1 - beta) * v + beta * values[t - 1]
        out[t - 1] = v / (1 - beta**t) if bias_correction else v
    return out
''',
        "integer_output_for_integer_values": '''
def ewa(values, beta, bias_correction=True):
    """np.zeros_like keeps an integer dtype and truncates the averages."""
    out = np.zeros_like(values)
    v = 0.0
    for t in range(1, len(values) + 1):
        v = beta * v + (1 - beta) * values[t - 1]
        out[t - 1] = v / (1 - beta**t) if bias_correction else v
    return out
''',
    },
    "momentum_update": {
        "without_one_minus_beta": '''
def momentum_update(w, dw, v, lr, beta=0.9):
    """v = beta v + dw."""
    v = beta * v + dw
    return w - lr * v, v
''',
        "steps_along_the_raw_gradient": '''
def momentum_update(w, dw, v, lr, beta=0.9):
    """Updates v but steps with dw."""
    v = beta * v + (1 - beta) * dw
    return w - lr * dw, v
''',
        "steps_with_the_old_velocity": '''
def momentum_update(w, dw, v, lr, beta=0.9):
    """Moves w before updating v."""
    w = w - lr * v
    v = beta * v + (1 - beta) * dw
    return w, v
''',
        "modifies_inputs_in_place": '''
def momentum_update(w, dw, v, lr, beta=0.9):
    """In-place updates of the caller's w and v."""
    v *= beta
    v += (1 - beta) * dw
    w -= lr * v
    return w, v
''',
        "heavy_ball_form": '''
def momentum_update(w, dw, v, lr, beta=0.9):
    """The other convention: v = beta v - lr dw; w = w + v."""
    v = beta * v - lr * dw
    return w + v, v
''',
    },
    "rmsprop_update": {
        "eps_inside_the_square_root": '''
def rmsprop_update(w, dw, s, lr, beta=0.999, eps=1e-8):
    """sqrt(s + eps)."""
    s = beta * s + (1 - beta) * dw**2
    return w - lr * dw / np.sqrt(s + eps), s
''',
        "without_one_minus_beta": '''
def rmsprop_update(w, dw, s, lr, beta=0.999, eps=1e-8):
    """s = beta s + dw**2."""
    s = beta * s + dw**2
    return w - lr * dw / (np.sqrt(s) + eps), s
''',
        "divides_by_s_not_its_root": '''
def rmsprop_update(w, dw, s, lr, beta=0.999, eps=1e-8):
    """Forgets the square root."""
    s = beta * s + (1 - beta) * dw**2
    return w - lr * dw / (s + eps), s
''',
        "uses_the_old_s": '''
def rmsprop_update(w, dw, s, lr, beta=0.999, eps=1e-8):
    """Divides by the previous step's s."""
    w = w - lr * dw / (np.sqrt(s) + eps)
    s = beta * s + (1 - beta) * dw**2
    return w, s
''',
        "no_eps": '''
def rmsprop_update(w, dw, s, lr, beta=0.999, eps=1e-8):
    """Forgets eps: 0 / 0 when a gradient and s are 0."""
    s = beta * s + (1 - beta) * dw**2
    return w - lr * dw / np.sqrt(s), s
''',
        "modifies_w_in_place": '''
def rmsprop_update(w, dw, s, lr, beta=0.999, eps=1e-8):
    """Changes the caller's w."""
    s = beta * s + (1 - beta) * dw**2
    w -= lr * dw / (np.sqrt(s) + eps)
    return w, s
''',
    },
    "adam_update": {
        "no_bias_correction": '''
def adam_update(w, dw, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Uses the raw moments."""
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    return w - lr * m / (np.sqrt(v) + eps), m, v
''',
        "t_counted_from_zero": '''
def adam_update(w, dw, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Corrects with t + 1, as if t were 0-based."""
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1 ** (t + 1))
    v_hat = v / (1 - beta2 ** (t + 1))
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
''',
        "t_minus_one": '''
def adam_update(w, dw, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Corrects with t - 1: divides by zero at the first step."""
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1 ** max(t - 1, 1))
    v_hat = v / (1 - beta2 ** max(t - 1, 1))
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
''',
        "eps_inside_the_square_root": '''
def adam_update(w, dw, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """sqrt(v_hat + eps)."""
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / np.sqrt(v_hat + eps), m, v
''',
        "returns_corrected_moments": '''
def adam_update(w, dw, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Returns m_hat and v_hat, so the next step corrects twice."""
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m = m / (1 - beta1**t)
    v = v / (1 - beta2**t)
    return w - lr * m / (np.sqrt(v) + eps), m, v
''',
        "beta1_used_for_both_corrections": '''
def adam_update(w, dw, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Corrects v with beta1."""
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta1**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
''',
        "modifies_inputs_in_place": '''
def adam_update(w, dw, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """In-place updates of the caller's arrays."""
    m *= beta1
    m += (1 - beta1) * dw
    v *= beta2
    v += (1 - beta2) * dw**2
    w -= lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return w, m, v
''',
    },
    "inverse_time_decay": {
        "epoch_off_by_one": '''
def inverse_time_decay(lr0, epoch, decay_rate):
    """Counts epochs from 1."""
    return lr0 / (1 + decay_rate * (epoch + 1))
''',
        "compounded_every_epoch": '''
def inverse_time_decay(lr0, epoch, decay_rate):
    """Divides by (1 + rate) once per epoch (that is exponential decay)."""
    return lr0 / (1 + decay_rate) ** epoch
''',
        "multiplies_instead_of_dividing": '''
def inverse_time_decay(lr0, epoch, decay_rate):
    """lr0 * (1 - rate * epoch): goes negative."""
    return lr0 * (1 - decay_rate * epoch)
''',
    },
    "exponential_decay": {
        "epoch_off_by_one": '''
def exponential_decay(lr0, epoch, rate):
    """Counts epochs from 1."""
    return lr0 * rate ** (epoch + 1)
''',
        "continuous_exponential": '''
def exponential_decay(lr0, epoch, rate):
    """exp(-rate * epoch): another formula."""
    return lr0 * np.exp(-rate * epoch)
''',
        "one_minus_rate": '''
def exponential_decay(lr0, epoch, rate):
    """Treats rate as the fraction removed each epoch."""
    return lr0 * (1 - rate) ** epoch
''',
    },
    "step_decay": {
        "epoch_off_by_one": '''
def step_decay(lr0, epoch, drop=0.5, every=10):
    """Counts epochs from 1: drops one epoch too early."""
    return lr0 * drop ** ((epoch + 1) // every)
''',
        "float_division": '''
def step_decay(lr0, epoch, drop=0.5, every=10):
    """epoch / every: decays smoothly instead of in steps."""
    return lr0 * drop ** (epoch / every)
''',
        "rounds_instead_of_floor": '''
def step_decay(lr0, epoch, drop=0.5, every=10):
    """round() drops halfway through each interval."""
    return lr0 * drop ** round(epoch / every)
''',
        "drops_at_epoch_zero": '''
def step_decay(lr0, epoch, drop=0.5, every=10):
    """ceil: the first interval is already decayed."""
    return lr0 * drop ** int(np.ceil((epoch + 1) / every))
''',
        "different_defaults": '''
def step_decay(lr0, epoch, drop=0.1, every=10):
    """Default drop 0.1 instead of 0.5."""
    return lr0 * drop ** (epoch // every)
''',
    },
    "nesterov_update": {
        "plain_momentum": '''
def nesterov_update(w, dw, v, lr, beta=0.9):
    v = beta * v + (1 - beta) * dw
    w = w - lr * v
    return w, v
''',
        "look_ahead_with_the_old_velocity": '''
def nesterov_update(w, dw, v, lr, beta=0.9):
    w = w - lr * (beta * v + (1 - beta) * dw)
    v = beta * v + (1 - beta) * dw
    return w, v
''',
        "look_ahead_without_one_minus_beta": '''
def nesterov_update(w, dw, v, lr, beta=0.9):
    v = beta * v + (1 - beta) * dw
    w = w - lr * (beta * v + dw)
    return w, v
''',
        "pytorch_buffer_with_our_lr": '''
def nesterov_update(w, dw, v, lr, beta=0.9):
    """PyTorch's buffer (no 1 - beta), used with the course's learning rate."""
    v = beta * v + dw
    w = w - lr * (dw + beta * v)
    return w, v
''',
        "updates_in_place": '''
def nesterov_update(w, dw, v, lr, beta=0.9):
    v *= beta
    v += (1 - beta) * dw
    w -= lr * (beta * v + (1 - beta) * dw)
    return w, v
''',
    },
    "train_loop": {
        "new_generator_every_epoch": '''
def train_loop(params, update, X, y, X_val, y_val, epochs, batch_size, rng):
    """A fresh generator from a fixed seed: every epoch gets the same batches."""
    history = {"loss": [], "val_loss": []}
    for epoch in range(epochs):
        for Xb, yb in minibatches(X, y, batch_size, rng=np.random.default_rng(0)):
            logits, caches = mlp_forward(params, Xb)
            params = update(params, mlp_backward(softmax_cross_entropy_backward(logits, yb), caches))
        history["loss"].append(float(softmax_cross_entropy(mlp_forward(params, X)[0], y)))
        history["val_loss"].append(float(softmax_cross_entropy(mlp_forward(params, X_val)[0], y_val)))
    return params, history
''',
        "batches_drawn_once": '''
def train_loop(params, update, X, y, X_val, y_val, epochs, batch_size, rng):
    """Shuffles once, before the first epoch, and reuses those batches."""
    history = {"loss": [], "val_loss": []}
    batches = minibatches(X, y, batch_size, rng=rng)
    for epoch in range(epochs):
        for Xb, yb in batches:
            logits, caches = mlp_forward(params, Xb)
            params = update(params, mlp_backward(softmax_cross_entropy_backward(logits, yb), caches))
        history["loss"].append(float(softmax_cross_entropy(mlp_forward(params, X)[0], y)))
        history["val_loss"].append(float(softmax_cross_entropy(mlp_forward(params, X_val)[0], y_val)))
    return params, history
''',
        "loss_of_the_last_batch": '''
def train_loop(params, update, X, y, X_val, y_val, epochs, batch_size, rng):
    """Records the last batch's loss (before its update) as the epoch's training loss."""
    history = {"loss": [], "val_loss": []}
    for epoch in range(epochs):
        for Xb, yb in minibatches(X, y, batch_size, rng=rng):
            logits, caches = mlp_forward(params, Xb)
            batch_loss = softmax_cross_entropy(logits, yb)
            params = update(params, mlp_backward(softmax_cross_entropy_backward(logits, yb), caches))
        history["loss"].append(float(batch_loss))
        history["val_loss"].append(float(softmax_cross_entropy(mlp_forward(params, X_val)[0], y_val)))
    return params, history
''',
        "validation_loss_on_the_training_set": '''
def train_loop(params, update, X, y, X_val, y_val, epochs, batch_size, rng):
    history = {"loss": [], "val_loss": []}
    for epoch in range(epochs):
        for Xb, yb in minibatches(X, y, batch_size, rng=rng):
            logits, caches = mlp_forward(params, Xb)
            params = update(params, mlp_backward(softmax_cross_entropy_backward(logits, yb), caches))
        loss = float(softmax_cross_entropy(mlp_forward(params, X)[0], y))
        history["loss"].append(loss)
        history["val_loss"].append(loss)
    return params, history
''',
        "update_result_thrown_away": '''
def train_loop(params, update, X, y, X_val, y_val, epochs, batch_size, rng):
    """Calls update but keeps the old params: every step starts from the initial weights."""
    history = {"loss": [], "val_loss": []}
    for epoch in range(epochs):
        for Xb, yb in minibatches(X, y, batch_size, rng=rng):
            logits, caches = mlp_forward(params, Xb)
            trained = update(params, mlp_backward(softmax_cross_entropy_backward(logits, yb), caches))
        history["loss"].append(float(softmax_cross_entropy(mlp_forward(trained, X)[0], y)))
        history["val_loss"].append(float(softmax_cross_entropy(mlp_forward(trained, X_val)[0], y_val)))
    return trained, history
''',
        "gradient_of_the_whole_set": '''
def train_loop(params, update, X, y, X_val, y_val, epochs, batch_size, rng):
    """Loops over the batches but computes every step's gradient on all of X."""
    history = {"loss": [], "val_loss": []}
    for epoch in range(epochs):
        for Xb, yb in minibatches(X, y, batch_size, rng=rng):
            logits, caches = mlp_forward(params, X)
            params = update(params, mlp_backward(softmax_cross_entropy_backward(logits, y), caches))
        history["loss"].append(float(softmax_cross_entropy(mlp_forward(params, X)[0], y)))
        history["val_loss"].append(float(softmax_cross_entropy(mlp_forward(params, X_val)[0], y_val)))
    return params, history
''',
    },
    "initial_loss_check": {
        "counts_the_labels_present": '''
def initial_loss_check(params, X, y):
    """k from the labels in y: a small batch may not show every class."""
    loss = softmax_cross_entropy(mlp_forward(params, X)[0], y)
    return float(loss), float(np.log(len(np.unique(y))))
''',
        "log_base_ten": '''
def initial_loss_check(params, X, y):
    k = params[f"b{mlp_depth(params)}"].shape[0]
    return float(softmax_cross_entropy(mlp_forward(params, X)[0], y)), float(np.log10(k))
''',
        "one_over_k": '''
def initial_loss_check(params, X, y):
    """Returns the probability 1/k instead of the loss it gives, log k."""
    k = params[f"b{mlp_depth(params)}"].shape[0]
    return float(softmax_cross_entropy(mlp_forward(params, X)[0], y)), 1.0 / k
''',
        "log_of_the_batch_size": '''
def initial_loss_check(params, X, y):
    return float(softmax_cross_entropy(mlp_forward(params, X)[0], y)), float(np.log(len(y)))
''',
    },
    "overfit_small_set": {
        "accuracy_before_training": '''
def overfit_small_set(params, update, X, y, epochs):
    accuracy = float(np.mean(mlp_forward(params, X)[0].argmax(axis=1) == y))
    for epoch in range(epochs):
        logits, caches = mlp_forward(params, X)
        params = update(params, mlp_backward(softmax_cross_entropy_backward(logits, y), caches))
    return params, accuracy
''',
        "count_not_fraction": '''
def overfit_small_set(params, update, X, y, epochs):
    for epoch in range(epochs):
        logits, caches = mlp_forward(params, X)
        params = update(params, mlp_backward(softmax_cross_entropy_backward(logits, y), caches))
    return params, float(np.sum(mlp_forward(params, X)[0].argmax(axis=1) == y))
''',
        "one_example_per_step": '''
def overfit_small_set(params, update, X, y, epochs):
    """Steps on one example at a time, cycling through them: not full batch."""
    for epoch in range(epochs):
        i = epoch % len(X)
        logits, caches = mlp_forward(params, X[i:i + 1])
        params = update(params, mlp_backward(softmax_cross_entropy_backward(logits, y[i:i + 1]), caches))
    return params, float(np.mean(mlp_forward(params, X)[0].argmax(axis=1) == y))
''',
        "update_result_thrown_away": '''
def overfit_small_set(params, update, X, y, epochs):
    for epoch in range(epochs):
        logits, caches = mlp_forward(params, X)
        trained = update(params, mlp_backward(softmax_cross_entropy_backward(logits, y), caches))
    return trained, float(np.mean(mlp_forward(trained, X)[0].argmax(axis=1) == y))
''',
    },
    "gradient_check": {
        "nudges_a_copy": '''
def gradient_check(params, X, y, eps=1e-6):
    """The loss reads params, but numerical_gradient nudges a copy: every numerical gradient is 0."""
    logits, caches = mlp_forward(params, X)
    grads = mlp_backward(softmax_cross_entropy_backward(logits, y), caches)
    loss = lambda: softmax_cross_entropy(mlp_forward(params, X)[0], y)
    return {name: relative_error(grads[name], numerical_gradient(loss, value.copy(), eps))
            for name, value in params.items()}
''',
        "zips_params_with_grads": '''
def gradient_check(params, X, y, eps=1e-6):
    """Pairs params and grads by position: mlp_backward's dict starts with the LAST layer."""
    logits, caches = mlp_forward(params, X)
    grads = mlp_backward(softmax_cross_entropy_backward(logits, y), caches)
    loss = lambda: softmax_cross_entropy(mlp_forward(params, X)[0], y)
    errors = {}
    for (name, value), grad in zip(params.items(), grads.values()):
        errors[name] = relative_error(grad, numerical_gradient(loss, value, eps)) if grad.shape == value.shape else 1.0
    return errors
''',
        "gradient_of_the_summed_logits": '''
def gradient_check(params, X, y, eps=1e-6):
    """Checks against the gradient of sum(logits), not of the loss."""
    logits, caches = mlp_forward(params, X)
    grads = mlp_backward(softmax_cross_entropy_backward(logits, y), caches)
    total = lambda: float(np.sum(mlp_forward(params, X)[0]))
    return {name: relative_error(grads[name], numerical_gradient(total, value, eps)) for name, value in params.items()}
''',
        "ignores_eps": '''
def gradient_check(params, X, y, eps=1e-6):
    logits, caches = mlp_forward(params, X)
    grads = mlp_backward(softmax_cross_entropy_backward(logits, y), caches)
    loss = lambda: softmax_cross_entropy(mlp_forward(params, X)[0], y)
    return {name: relative_error(grads[name], numerical_gradient(loss, value)) for name, value in params.items()}
''',
    },
}

