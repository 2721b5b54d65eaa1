"""Realistic wrong answers to the exercises of chapter 2 (backprop), one solution cell each.

``MUTATIONS[exercise][mistake]`` is the whole source of a wrong solution cell, written the way
a student gets it wrong. ``tests/test_notebooks.py`` injects each into the notebook and checks
that the exercise's own test cell fails and every other test cell still passes.
"""

MUTATIONS = {
    "numerical_gradient": {
        "forward_differences": '''
def numerical_gradient(f, x, eps=1e-6):
    """Forward differences: (f(x + eps) - f(x)) / eps."""
    grad = np.zeros(x.shape)
    f_x = f()
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        grad[index] = (f() - f_x) / eps
        x[index] = original
    return grad
''',
        "does_not_restore_x": '''
def numerical_gradient(f, x, eps=1e-6):
    """Central differences, but x keeps the last nudge of every entry."""
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        f_plus = f()
        x[index] = original - eps
        f_minus = f()
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad
''',
        "divides_by_eps_not_two_eps": '''
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        f_plus = f()
        x[index] = original - eps
        f_minus = f()
        x[index] = original
        grad[index] = (f_plus - f_minus) / eps
    return grad
''',
        "ignores_eps_argument": '''
def numerical_gradient(f, x, eps=1e-6):
    h = 1e-6
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        f_plus = f()
        x[index] = original - h
        f_minus = f()
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad
''',
        "nudges_a_copy": '''
def numerical_gradient(f, x, eps=1e-6):
    """Nudges a copy of x, which f never reads: every derivative comes out 0."""
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        x_plus = x.copy()
        x_plus[index] += eps
        f_plus = f()
        x_minus = x.copy()
        x_minus[index] -= eps
        f_minus = f()
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad
''',
        "first_row_only": '''
def numerical_gradient(f, x, eps=1e-6):
    """Loops over range(len(x)): for a matrix that nudges whole rows at once."""
    grad = np.zeros(x.shape)
    for i in range(len(x)):
        original = x[i].copy()
        x[i] = original + eps
        f_plus = f()
        x[i] = original - eps
        f_minus = f()
        x[i] = original
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad
''',
    },
    "relative_error": {
        "no_denominator": '''
def relative_error(a, b):
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))
''',
        "no_zero_guard": '''
def relative_error(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))
''',
        "matrix_two_norm": '''
def relative_error(a, b):
    """ord=2 is the spectral norm for a matrix, not the norm of all its entries."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    denominator = np.linalg.norm(a, 2) + np.linalg.norm(b, 2)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(a - b, 2) / denominator)
''',
        "max_denominator": '''
def relative_error(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    denominator = max(np.linalg.norm(a), np.linalg.norm(b))
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / denominator)
''',
    },
    "sigmoid_backward": {
        "uses_z_instead_of_sigmoid": '''
def sigmoid_backward(da, z):
    return da * z * (1 - z)
''',
        "forgets_upstream_gradient": '''
def sigmoid_backward(da, z):
    s = sigmoid(z)
    return s * (1 - s)
''',
        "overflowing_sigmoid": '''
def sigmoid_backward(da, z):
    s = 1 / (1 + np.exp(-z))
    return da * s * (1 - s)
''',
        "multiplies_da_in_place": '''
def sigmoid_backward(da, z):
    s = sigmoid(z)
    da *= s * (1 - s)
    return da
''',
    },
    "tanh_backward": {
        "one_minus_z_squared": '''
def tanh_backward(da, z):
    return da * (1 - z ** 2)
''',
        "forgets_the_square": '''
def tanh_backward(da, z):
    return da * (1 - np.tanh(z))
''',
        "forgets_upstream_gradient": '''
def tanh_backward(da, z):
    return 1 - np.tanh(z) ** 2
''',
        "multiplies_da_in_place": '''
def tanh_backward(da, z):
    da *= 1 - tanh(z) ** 2
    return da
''',
    },
    "relu_backward": {
        "mask_z_greater_or_equal_zero": '''
def relu_backward(da, z):
    return da * (z >= 0)
''',
        "masks_with_da_not_z": '''
def relu_backward(da, z):
    return da * (da > 0)
''',
        "modifies_da_in_place": '''
def relu_backward(da, z):
    da[z <= 0] = 0
    return da
''',
        "returns_mask_only": '''
def relu_backward(da, z):
    return (z > 0).astype(da.dtype)
''',
    },
    "leaky_relu_backward": {
        "alpha_on_wrong_side": '''
def leaky_relu_backward(da, z, alpha=0.01):
    return np.where(z > 0, alpha * da, da)
''',
        "ignores_alpha_argument": '''
def leaky_relu_backward(da, z, alpha=0.01):
    return np.where(z > 0, da, 0.01 * da)
''',
        "forgets_da_on_negative_side": '''
def leaky_relu_backward(da, z, alpha=0.01):
    return np.where(z > 0, da, alpha)
''',
        "slope_one_at_zero": '''
def leaky_relu_backward(da, z, alpha=0.01):
    return np.where(z >= 0, da, alpha * da)
''',
    },
    "dense_backward": {
        "dW_divided_by_m": '''
def dense_backward(dout, cache):
    x, W = cache
    m = x.shape[0]
    return dout @ W.T, x.T @ dout / m, dout.sum(axis=0) / m
''',
        "db_mean_instead_of_sum": '''
def dense_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)
''',
        "db_keepdims": '''
def dense_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, np.sum(dout, axis=0, keepdims=True)
''',
        "dW_transposed": '''
def dense_backward(dout, cache):
    x, W = cache
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)
''',
        "dx_without_transpose": '''
def dense_backward(dout, cache):
    x, W = cache
    return dout @ W, x.T @ dout, dout.sum(axis=0)
''',
        "db_summed_over_outputs": '''
def dense_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=1)
''',
    },
    "mse_backward": {
        "forgets_factor_two": '''
def mse_backward(y_pred, y):
    return (y_pred - y) / y_pred.size
''',
        "forgets_one_over_n": '''
def mse_backward(y_pred, y):
    return 2 * (y_pred - y)
''',
        "divides_by_rows_not_entries": '''
def mse_backward(y_pred, y):
    return 2 * (y_pred - y) / len(y_pred)
''',
        "sign_flipped": '''
def mse_backward(y_pred, y):
    return 2 * (y - y_pred) / y_pred.size
''',
    },
    "mae_backward": {
        "forgets_one_over_n": '''
def mae_backward(y_pred, y):
    return np.sign(y_pred - y)
''',
        "divides_residual_by_its_absolute_value": '''
def mae_backward(y_pred, y):
    r = y_pred - y
    return r / np.abs(r) / r.size
''',
        "sign_flipped": '''
def mae_backward(y_pred, y):
    return np.sign(y - y_pred) / y_pred.size
''',
        "divides_by_rows_not_entries": '''
def mae_backward(y_pred, y):
    return np.sign(y_pred - y) / len(y_pred)
''',
    },
    "huber_backward": {
        "not_clipping": '''
def huber_backward(y_pred, y, delta=1.0):
    return (y_pred - y) / y_pred.size
''',
        "clips_to_one_ignoring_delta": '''
def huber_backward(y_pred, y, delta=1.0):
    return np.clip(y_pred - y, -1, 1) / y_pred.size
''',
        "forgets_one_over_n": '''
def huber_backward(y_pred, y, delta=1.0):
    return np.clip(y_pred - y, -delta, delta)
''',
        "loses_the_sign_outside": '''
def huber_backward(y_pred, y, delta=1.0):
    r = y_pred - y
    return np.where(np.abs(r) <= delta, r, delta) / r.size
''',
    },
    "binary_cross_entropy_backward": {
        "no_clipping": '''
def binary_cross_entropy_backward(p, y, eps=1e-12):
    return (-y / p + (1 - y) / (1 - p)) / p.size
''',
        "forgets_one_over_n": '''
def binary_cross_entropy_backward(p, y, eps=1e-12):
    p = np.clip(p, eps, 1 - eps)
    return -y / p + (1 - y) / (1 - p)
''',
        "sign_flipped": '''
def binary_cross_entropy_backward(p, y, eps=1e-12):
    p = np.clip(p, eps, 1 - eps)
    return (y / p - (1 - y) / (1 - p)) / p.size
''',
        "forgets_negative_class_term": '''
def binary_cross_entropy_backward(p, y, eps=1e-12):
    p = np.clip(p, eps, 1 - eps)
    return -y / p / p.size
''',
        "ignores_eps_argument": '''
def binary_cross_entropy_backward(p, y, eps=1e-12):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return (-y / p + (1 - y) / (1 - p)) / p.size
''',
        "clips_in_place": '''
def binary_cross_entropy_backward(p, y, eps=1e-12):
    np.clip(p, eps, 1 - eps, out=p)
    return (-y / p + (1 - y) / (1 - p)) / p.size
''',
    },
    "softmax_cross_entropy_backward": {
        "forgets_one_over_m": '''
def softmax_cross_entropy_backward(logits, y):
    m, k = logits.shape
    return softmax(logits) - one_hot(y, k, dtype=logits.dtype)
''',
        "forgets_one_hot": '''
def softmax_cross_entropy_backward(logits, y):
    return softmax(logits) / logits.shape[0]
''',
        "divides_by_all_entries": '''
def softmax_cross_entropy_backward(logits, y):
    m, k = logits.shape
    return (softmax(logits) - one_hot(y, k, dtype=logits.dtype)) / logits.size
''',
        "unstable_softmax": '''
def softmax_cross_entropy_backward(logits, y):
    m, k = logits.shape
    e = np.exp(logits)
    probs = e / e.sum(axis=1, keepdims=True)
    return (probs - one_hot(y, k, dtype=logits.dtype)) / m
''',
        "classes_counted_from_labels": '''
def softmax_cross_entropy_backward(logits, y):
    m = logits.shape[0]
    return (softmax(logits) - one_hot(y, int(y.max()) + 1, dtype=logits.dtype)) / m
''',
        "one_hot_minus_softmax": '''
def softmax_cross_entropy_backward(logits, y):
    m, k = logits.shape
    return (one_hot(y, k, dtype=logits.dtype) - softmax(logits)) / m
''',
    },
    "mlp_forward": {
        "relu_on_the_logits_too": '''
def mlp_forward(params, x):
    """A ReLU after every layer, the last one included: no logit can be negative."""
    a, caches = x, []
    for layer in range(1, mlp_depth(params) + 1):
        z, cache = dense_forward(a, params[f"W{layer}"], params[f"b{layer}"])
        caches.append((cache, z))
        a = relu(z)
    return a, caches
''',
        "no_relu_between_layers": '''
def mlp_forward(params, x):
    """Dense layers only: the network collapses into one linear map."""
    a, caches = x, []
    for layer in range(1, mlp_depth(params) + 1):
        a, cache = dense_forward(a, params[f"W{layer}"], params[f"b{layer}"])
        caches.append((cache, a))
    return a, caches
''',
        "caches_the_activation_not_z": '''
def mlp_forward(params, x):
    """Keeps relu(z) in the caches where the backward pass needs z."""
    depth = mlp_depth(params)
    a, caches = x, []
    for layer in range(1, depth + 1):
        z, cache = dense_forward(a, params[f"W{layer}"], params[f"b{layer}"])
        if layer < depth:
            a = relu(z)
            caches.append((cache, a))
        else:
            caches.append((cache, z))
    return z, caches
''',
        "always_two_layers": '''
def mlp_forward(params, x):
    """The two-layer network of the section above, whatever params holds."""
    z1, cache1 = dense_forward(x, params["W1"], params["b1"])
    logits, cache2 = dense_forward(relu(z1), params["W2"], params["b2"])
    return logits, [(cache1, z1), (cache2, logits)]
''',
        "counts_keys_as_layers": '''
def mlp_forward(params, x):
    """len(params) layers: twice too many, so it asks for a W3 a 2-layer network lacks."""
    depth = len(params)
    a, caches = x, []
    for layer in range(1, depth + 1):
        z, cache = dense_forward(a, params[f"W{layer}"], params[f"b{layer}"])
        caches.append((cache, z))
        if layer < depth:
            a = relu(z)
    return z, caches
''',
    },
    "mlp_backward": {
        "forgets_the_relu": '''
def mlp_backward(dlogits, caches):
    """dense_backward only: the gradient flows through switched-off units too."""
    grads, dout = {}, dlogits
    for layer in range(len(caches), 0, -1):
        cache, z = caches[layer - 1]
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, cache)
    return grads
''',
        "relu_on_the_output_layer_too": '''
def mlp_backward(dlogits, caches):
    """relu_backward for every layer: the logits' negative entries lose their gradient."""
    grads, dout = {}, dlogits
    for layer in range(len(caches), 0, -1):
        cache, z = caches[layer - 1]
        dout = relu_backward(dout, z)
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, cache)
    return grads
''',
        "mask_from_the_layer_above": '''
def mlp_backward(dlogits, caches):
    """Masks da_{l-1} with z_l, the layer it came out of, instead of z_{l-1}, the layer below."""
    grads, dout = {}, dlogits
    for layer in range(len(caches), 0, -1):
        cache, z = caches[layer - 1]
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, cache)
        if layer > 1:
            dout = relu_backward(dout, z)
    return grads
''',
        "keys_counted_from_zero": '''
def mlp_backward(dlogits, caches):
    """Names the gradients after the list index: W0 ... W(L-1)."""
    grads, dout = {}, dlogits
    depth = len(caches)
    for index in range(depth - 1, -1, -1):
        cache, z = caches[index]
        if index < depth - 1:
            dout = relu_backward(dout, z)
        dout, grads[f"W{index}"], grads[f"b{index}"] = dense_backward(dout, cache)
    return grads
''',
        "layers_in_forward_order": '''
def mlp_backward(dlogits, caches):
    """Walks the layers from the first: each dense_backward gets a gradient of the wrong layer."""
    grads, dout = {}, dlogits
    depth = len(caches)
    for layer in range(1, depth + 1):
        cache, z = caches[layer - 1]
        if layer < depth:
            dout = relu_backward(dout, z)
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, cache)
    return grads
''',
    },
}
