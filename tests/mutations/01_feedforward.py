"""Realistic wrong answers to the exercises of chapter 1 (01_feedforward).

``MUTATIONS[exercise][mistake]`` is the source of a wrong solution cell, written the way a
student would get it wrong. tests/test_notebooks.py checks that each one fails the test cell
of its own exercise and no other.
"""

MUTATIONS = {
    "sigmoid": {
        # The textbook formula: exp(-z) overflows (with a RuntimeWarning) for z < -709.
        "naive_overflows": '''
def sigmoid(z):
    """Logistic sigmoid."""
    return 1 / (1 + np.exp(-z))
''',
        # The other textbook form: exp(z) overflows for z > 709 and gives inf / inf = nan.
        "exp_ratio_overflows": '''
def sigmoid(z):
    """Logistic sigmoid."""
    return np.exp(z) / (1 + np.exp(z))
''',
        # A "stable" version that still overflows: np.where evaluates both branches everywhere.
        "where_evaluates_both_branches": '''
def sigmoid(z):
    """Logistic sigmoid."""
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
''',
        # Works, but float32 in gives float64 out (doubling the memory of a float32 network).
        "casts_to_float64": '''
def sigmoid(z):
    """Logistic sigmoid."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
''',
        "wrong_sign": '''
def sigmoid(z):
    """Logistic sigmoid."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1 + e), 1 / (1 + e))
''',
    },
    "tanh": {
        # (e^z - e^-z) / (e^z + e^-z): both exponentials overflow at |z| = 1000, giving nan.
        "naive_overflows": '''
def tanh(z):
    """Hyperbolic tangent."""
    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
''',
        # Stable for z > 0 only: exp(-2z) overflows for z < -355.
        "one_sided_formula": '''
def tanh(z):
    """Hyperbolic tangent."""
    e = np.exp(-2 * z)
    return (1 - e) / (1 + e)
''',
        "sinh_over_cosh": '''
def tanh(z):
    """Hyperbolic tangent."""
    return np.sinh(z) / np.cosh(z)
''',
        "uses_np_tanh": '''
def tanh(z):
    """Hyperbolic tangent."""
    return np.tanh(z)
''',
        "forgets_the_sign": '''
def tanh(z):
    """Hyperbolic tangent."""
    e = np.exp(-2 * np.abs(z))
    return (1 - e) / (1 + e)
''',
    },
    "relu": {
        # np.max reduces along an axis instead of comparing elementwise.
        "np_max_instead_of_maximum": '''
def relu(z):
    """max(z, 0) elementwise."""
    return np.max(z, 0)
''',
        "modifies_its_input": '''
def relu(z):
    """max(z, 0) elementwise."""
    z[z < 0] = 0
    return z
''',
        "clips_at_one": '''
def relu(z):
    """max(z, 0) elementwise."""
    return np.clip(z, 0, 1)
''',
    },
    "leaky_relu": {
        "alpha_on_the_positive_side": '''
def leaky_relu(z, alpha=0.01):
    """Leaky ReLU."""
    return np.where(z > 0, alpha * z, z)
''',
        "ignores_alpha": '''
def leaky_relu(z, alpha=0.01):
    """Leaky ReLU."""
    return np.where(z > 0, z, 0.01 * z)
''',
        "plain_relu": '''
def leaky_relu(z, alpha=0.01):
    """Leaky ReLU."""
    return np.maximum(z, 0)
''',
        # Scales the negative entries of the caller's array.
        "modifies_its_input": '''
def leaky_relu(z, alpha=0.01):
    """Leaky ReLU."""
    z[z < 0] *= alpha
    return z
''',
    },
    "softmax": {
        "no_max_shift": '''
def softmax(z):
    """Softmax over the last axis."""
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)
''',
        "wrong_axis": '''
def softmax(z):
    """Softmax over the last axis."""
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
''',
        # One maximum for the whole batch: rows far below it underflow to 0 / 0.
        "global_max_shift": '''
def softmax(z):
    """Softmax over the last axis."""
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=-1, keepdims=True)
''',
        "no_keepdims": '''
def softmax(z):
    """Softmax over the last axis."""
    e = np.exp(z - np.max(z, axis=-1))
    return e / np.sum(e, axis=-1)
''',
        # Stable, but shifts the caller's logits in place.
        "subtracts_the_maximum_in_place": '''
def softmax(z):
    """Softmax over the last axis."""
    z -= np.max(z, axis=-1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)
''',
        # Correct for a batch (m, k) but fails for a single vector (k,).
        "axis_1_only_works_for_batches": '''
def softmax(z):
    """Softmax over the last axis."""
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)
''',
    },
    "dense_forward": {
        "forgets_the_bias": '''
def dense_forward(x, W, b):
    """out = x @ W + b."""
    out = x @ W
    return out, (x, W)
''',
        "uses_W_transposed": '''
def dense_forward(x, W, b):
    """out = x @ W + b."""
    out = x @ W.T + b
    return out, (x, W)
''',
        "bias_as_a_column": '''
def dense_forward(x, W, b):
    """out = x @ W + b."""
    out = x @ W + b.reshape(-1, 1)
    return out, (x, W)
''',
        "cache_is_only_x": '''
def dense_forward(x, W, b):
    """out = x @ W + b."""
    out = x @ W + b
    return out, x
''',
    },
    "mse": {
        "sum_not_mean": '''
def mse(y_pred, y):
    """Mean squared error."""
    return float(np.sum((y_pred - y) ** 2))
''',
        "divides_by_rows_only": '''
def mse(y_pred, y):
    """Mean squared error."""
    return float(np.sum((y_pred - y) ** 2) / len(y))
''',
        "root_mean_squared_error": '''
def mse(y_pred, y):
    """Mean squared error."""
    return float(np.sqrt(np.mean((y_pred - y) ** 2)))
''',
        "mean_over_the_batch_axis_only": '''
def mse(y_pred, y):
    """Mean squared error."""
    return np.mean((y_pred - y) ** 2, axis=0)
''',
    },
    "mae": {
        "sum_not_mean": '''
def mae(y_pred, y):
    """Mean absolute error."""
    return float(np.sum(np.abs(y_pred - y)))
''',
        "no_absolute_value": '''
def mae(y_pred, y):
    """Mean absolute error."""
    return float(np.mean(y_pred - y))
''',
        "squares_instead": '''
def mae(y_pred, y):
    """Mean absolute error."""
    return float(np.mean((y_pred - y) ** 2))
''',
    },
    "huber": {
        "branches_swapped": '''
def huber(y_pred, y, delta=1.0):
    """Mean Huber loss."""
    r = np.abs(y_pred - y)
    return float(np.mean(np.where(r > delta, 0.5 * r ** 2, delta * (r - 0.5 * delta))))
''',
        "ignores_delta": '''
def huber(y_pred, y, delta=1.0):
    """Mean Huber loss."""
    r = np.abs(y_pred - y)
    return float(np.mean(np.where(r <= 1.0, 0.5 * r ** 2, 1.0 * (r - 0.5))))
''',
        "linear_piece_without_half_delta": '''
def huber(y_pred, y, delta=1.0):
    """Mean Huber loss."""
    r = np.abs(y_pred - y)
    return float(np.mean(np.where(r <= delta, 0.5 * r ** 2, delta * r)))
''',
        "quadratic_piece_without_half": '''
def huber(y_pred, y, delta=1.0):
    """Mean Huber loss."""
    r = np.abs(y_pred - y)
    return float(np.mean(np.where(r <= delta, r ** 2, delta * (r - 0.5 * delta))))
''',
        # Compares the signed residual with delta: large negative errors stay quadratic.
        "signed_residual_in_the_test": '''
def huber(y_pred, y, delta=1.0):
    """Mean Huber loss."""
    r = y_pred - y
    return float(np.mean(np.where(r <= delta, 0.5 * r ** 2, delta * (np.abs(r) - 0.5 * delta))))
''',
        "sum_not_mean": '''
def huber(y_pred, y, delta=1.0):
    """Mean Huber loss."""
    r = np.abs(y_pred - y)
    return float(np.sum(np.where(r <= delta, 0.5 * r ** 2, delta * (r - 0.5 * delta))))
''',
    },
    "binary_cross_entropy": {
        "no_clipping": '''
def binary_cross_entropy(p, y, eps=1e-12):
    """Mean binary cross-entropy."""
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
''',
        "sum_not_mean": '''
def binary_cross_entropy(p, y, eps=1e-12):
    """Mean binary cross-entropy."""
    p = np.clip(p, eps, 1 - eps)
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
''',
        # Guards log(p) but not log(1 - p): p = 1 with y = 0 still takes log(0).
        "clips_only_the_lower_end": '''
def binary_cross_entropy(p, y, eps=1e-12):
    """Mean binary cross-entropy."""
    p = np.maximum(p, eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
''',
        "ignores_eps": '''
def binary_cross_entropy(p, y, eps=1e-12):
    """Mean binary cross-entropy."""
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
''',
        "missing_minus_sign": '''
def binary_cross_entropy(p, y, eps=1e-12):
    """Mean binary cross-entropy."""
    p = np.clip(p, eps, 1 - eps)
    return float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
''',
    },
    "softmax_cross_entropy": {
        # No log-sum-exp at all: exp(1000) overflows.
        "naive_softmax_then_log": '''
def softmax_cross_entropy(logits, y):
    """Mean softmax cross-entropy."""
    e = np.exp(logits)
    p = e / np.sum(e, axis=1, keepdims=True)
    return float(-np.mean(np.log(p[np.arange(len(y)), y])))
''',
        # Stable softmax, but the log of a probability that underflowed to 0 is -inf.
        "stable_softmax_then_log": '''
def softmax_cross_entropy(logits, y):
    """Mean softmax cross-entropy."""
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    return float(-np.mean(np.log(p[np.arange(len(y)), y])))
''',
        "sum_not_mean": '''
def softmax_cross_entropy(logits, y):
    """Mean softmax cross-entropy."""
    c = np.max(logits, axis=1, keepdims=True)
    lse = c[:, 0] + np.log(np.sum(np.exp(logits - c), axis=1))
    return float(np.sum(lse - logits[np.arange(len(y)), y]))
''',
        # Treats the integer labels as one-hot rows.
        "assumes_one_hot_labels": '''
def softmax_cross_entropy(logits, y):
    """Mean softmax cross-entropy."""
    c = np.max(logits, axis=1, keepdims=True)
    log_p = logits - c - np.log(np.sum(np.exp(logits - c), axis=1, keepdims=True))
    return float(-np.mean(np.sum(y * log_p, axis=1)))
''',
        # logits[:, y] is (m, m): every example with every label.
        "indexes_columns_only": '''
def softmax_cross_entropy(logits, y):
    """Mean softmax cross-entropy."""
    c = np.max(logits, axis=1, keepdims=True)
    log_p = logits - c - np.log(np.sum(np.exp(logits - c), axis=1, keepdims=True))
    return float(-np.mean(log_p[:, y]))
''',
    },
    "xavier": {
        "he_formula_fan_in_only": '''
def xavier(fan_in, fan_out, rng=None):
    """Xavier normal initialisation."""
    rng = np.random.default_rng() if rng is None else rng
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
''',
        "one_over_fan_sum": '''
def xavier(fan_in, fan_out, rng=None):
    """Xavier normal initialisation."""
    rng = np.random.default_rng() if rng is None else rng
    return rng.normal(0.0, np.sqrt(1.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
''',
        "variance_used_as_std": '''
def xavier(fan_in, fan_out, rng=None):
    """Xavier normal initialisation."""
    rng = np.random.default_rng() if rng is None else rng
    return rng.normal(0.0, 2.0 / (fan_in + fan_out), size=(fan_in, fan_out))
''',
        # Glorot's uniform variant has the right std but is not the normal the API asks for.
        "uniform_distribution": '''
def xavier(fan_in, fan_out, rng=None):
    """Xavier normal initialisation."""
    rng = np.random.default_rng() if rng is None else rng
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))
''',
        "transposed_shape": '''
def xavier(fan_in, fan_out, rng=None):
    """Xavier normal initialisation."""
    rng = np.random.default_rng() if rng is None else rng
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_out, fan_in))
''',
        "ignores_rng": '''
def xavier(fan_in, fan_out, rng=None):
    """Xavier normal initialisation."""
    return np.random.default_rng().normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
''',
        # Reproducible, but every call gives the same weights whatever generator is passed.
        "seeds_its_own_generator": '''
def xavier(fan_in, fan_out, rng=None):
    """Xavier normal initialisation."""
    rng = np.random.default_rng(0)
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
''',
    },
    "he": {
        "fan_out_instead_of_fan_in": '''
def he(fan_in, fan_out, rng=None):
    """He normal initialisation."""
    rng = np.random.default_rng() if rng is None else rng
    return rng.normal(0.0, np.sqrt(2.0 / fan_out), size=(fan_in, fan_out))
''',
        "variance_used_as_std": '''
def he(fan_in, fan_out, rng=None):
    """He normal initialisation."""
    rng = np.random.default_rng() if rng is None else rng
    return rng.normal(0.0, 2.0 / fan_in, size=(fan_in, fan_out))
''',
        "missing_factor_two": '''
def he(fan_in, fan_out, rng=None):
    """He normal initialisation."""
    rng = np.random.default_rng() if rng is None else rng
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))
''',
        "xavier_formula": '''
def he(fan_in, fan_out, rng=None):
    """He normal initialisation."""
    rng = np.random.default_rng() if rng is None else rng
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
''',
        "global_numpy_random": '''
def he(fan_in, fan_out, rng=None):
    """He normal initialisation."""
    return np.random.randn(fan_in, fan_out) * np.sqrt(2.0 / fan_in)
''',
        "seeds_its_own_generator": '''
def he(fan_in, fan_out, rng=None):
    """He normal initialisation."""
    rng = np.random.default_rng(42)
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
''',
    },
    "standardize": {
        "test_set_with_its_own_statistics": '''
def standardize(X_train, X_test):
    """Standardise with training statistics."""
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std = np.where(std == 0, 1, std)
    test_mean, test_std = X_test.mean(axis=0), X_test.std(axis=0)
    test_std = np.where(test_std == 0, 1, test_std)
    return (X_train - mean) / std, (X_test - test_mean) / test_std
''',
        "sample_std_ddof_1": '''
def standardize(X_train, X_test):
    """Standardise with training statistics."""
    mean, std = X_train.mean(axis=0), X_train.std(axis=0, ddof=1)
    std = np.where(std == 0, 1, std)
    return (X_train - mean) / std, (X_test - mean) / std
''',
        "one_mean_and_std_for_all_features": '''
def standardize(X_train, X_test):
    """Standardise with training statistics."""
    mean, std = X_train.mean(), X_train.std()
    return (X_train - mean) / std, (X_test - mean) / std
''',
        "per_example_instead_of_per_feature": '''
def standardize(X_train, X_test):
    """Standardise with training statistics."""
    mean = X_train.mean(axis=1, keepdims=True)
    std = X_train.std(axis=1, keepdims=True)
    std = np.where(std == 0, 1, std)
    test_mean = X_test.mean(axis=1, keepdims=True)
    test_std = np.where(X_test.std(axis=1, keepdims=True) == 0, 1, X_test.std(axis=1, keepdims=True))
    return (X_train - mean) / std, (X_test - test_mean) / test_std
''',
        "divides_by_zero_for_constant_features": '''
def standardize(X_train, X_test):
    """Standardise with training statistics."""
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return (X_train - mean) / std, (X_test - mean) / std
''',
        "modifies_its_inputs": '''
def standardize(X_train, X_test):
    """Standardise with training statistics."""
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std = np.where(std == 0, 1, std)
    X_train -= mean
    X_train /= std
    X_test -= mean
    X_test /= std
    return X_train, X_test
''',
    },
}
