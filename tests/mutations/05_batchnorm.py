"""Realistic wrong answers for chapter 5 (batch normalization): solution cells.

``MUTATIONS[exercise][mistake]`` is the source of a wrong solution cell. Each must fail its own
exercise's test cell and leave the other test cell passing (tests/test_notebooks.py). The
wrong forward passes keep the notebook solution's cache format ``(x_hat, inv_std, gamma)``,
because the test of batchnorm_backward builds its cache with the student's forward (on a copy of
x); that test runs in training mode on large batches, so none of these forward mistakes leaks
into it. (Statistics over the wrong axis would: that mistake is caught by the forward's worked
example, and is not listed here because it necessarily fails the backward test too.)
"""

_FORWARD_SIGNATURE = (
    "def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.9, eps=1e-5):\n"
    '    """Batch normalization forward pass."""\n'
)


def _forward(body: str) -> str:
    return "import numpy as np\n\n\n" + _FORWARD_SIGNATURE + body


def _backward(body: str) -> str:
    return (
        "import numpy as np\n\n\n"
        "def batchnorm_backward(dout, cache):\n"
        '    """Batch normalization backward pass."""\n'
        "    x_hat, inv_std, gamma = cache\n"
        "    m = dout.shape[0]\n" + body
    )


_UPDATE_IN_PLACE = """\
        running_mean *= momentum
        running_mean += (1 - momentum) * mean
        running_var *= momentum
        running_var += (1 - momentum) * var
"""

_NORMALISE = """\
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)
"""

FORWARD_MUTATIONS = {
    # The classic: the training path is used at test time too (batch statistics).
    "batch_statistics_at_test_time": _forward(
        """\
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    if training:
""" + _UPDATE_IN_PLACE + _NORMALISE
    ),
    # np.var(..., ddof=1): the unbiased (sample) variance.
    "unbiased_variance": _forward(
        """\
    if training:
        mean = x.mean(axis=0)
        var = x.var(axis=0, ddof=1)
""" + _UPDATE_IN_PLACE + """\
    else:
        mean, var = running_mean, running_var
""" + _NORMALISE
    ),
    # PyTorch's convention read into ours: momentum weighs the NEW value.
    "momentum_convention_swapped": _forward(
        """\
    if training:
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        running_mean *= 1 - momentum
        running_mean += momentum * mean
        running_var *= 1 - momentum
        running_var += momentum * var
    else:
        mean, var = running_mean, running_var
""" + _NORMALISE
    ),
    # Rebinding the local names: the caller's arrays never change.
    "running_stats_not_in_place": _forward(
        """\
    if training:
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        mean, var = running_mean, running_var
""" + _NORMALISE
    ),
    # (x - mean) / (std + eps) instead of (x - mean) / sqrt(var + eps).
    "eps_outside_the_square_root": _forward(
        """\
    if training:
        mean = x.mean(axis=0)
        var = x.var(axis=0)
""" + _UPDATE_IN_PLACE + """\
    else:
        mean, var = running_mean, running_var
    inv_std = 1.0 / (np.sqrt(var) + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)
"""
    ),
    # No eps at all: a constant feature (or a batch of one) divides 0 by 0.
    "no_eps": _forward(
        """\
    if training:
        mean = x.mean(axis=0)
        var = x.var(axis=0)
""" + _UPDATE_IN_PLACE + """\
    else:
        mean, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)
"""
    ),
    # Normalises but forgets the learned scale and shift.
    "forgets_gamma_and_beta": _forward(
        """\
    if training:
        mean = x.mean(axis=0)
        var = x.var(axis=0)
""" + _UPDATE_IN_PLACE + """\
    else:
        mean, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return x_hat, (x_hat, inv_std, gamma)
"""
    ),
    # Test mode uses the running statistics but also keeps updating them.
    "updates_running_stats_at_test_time": _forward(
        """\
    batch_mean, batch_var = x.mean(axis=0), x.var(axis=0)
    running_mean *= momentum
    running_mean += (1 - momentum) * batch_mean
    running_var *= momentum
    running_var += (1 - momentum) * batch_var
    if training:
        mean, var = batch_mean, batch_var
    else:
        mean, var = running_mean, running_var
""" + _NORMALISE
    ),
    # Keeps a running standard deviation in running_var.
    "running_std_instead_of_variance": _forward(
        """\
    if training:
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        running_mean *= momentum
        running_mean += (1 - momentum) * mean
        running_var *= momentum
        running_var += (1 - momentum) * np.sqrt(var)
    else:
        mean, var = running_mean, running_var
""" + _NORMALISE
    ),
    # "For precision": a float32 layer comes out float64.
    "converts_to_float64": _forward(
        """\
    x = x.astype(np.float64)
    if training:
        mean = x.mean(axis=0)
        var = x.var(axis=0)
""" + _UPDATE_IN_PLACE + """\
    else:
        mean, var = running_mean, running_var
""" + _NORMALISE
    ),
    # Centres the caller's batch in place.
    "modifies_x_in_place": _forward(
        """\
    if training:
        mean = x.mean(axis=0)
        var = x.var(axis=0)
""" + _UPDATE_IN_PLACE + """\
    else:
        mean, var = running_mean, running_var
    x -= mean
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = x * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)
"""
    ),
}

BACKWARD_MUTATIONS = {
    # The mean and the variance treated as constants: the test-time gradient.
    "mean_and_variance_treated_as_constants": _backward(
        """\
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = dout * gamma * inv_std
    return dx, dgamma, dbeta
"""
    ),
    # dgamma and dbeta swapped.
    "dgamma_and_dbeta_swapped": _backward(
        """\
    dgamma = dout.sum(axis=0)
    dbeta = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = inv_std / m * (m * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
"""
    ),
    # Means over the batch instead of sums for the parameters.
    "means_instead_of_sums": _backward(
        """\
    dbeta = dout.mean(axis=0)
    dgamma = (dout * x_hat).mean(axis=0)
    dx_hat = dout * gamma
    dx = inv_std / m * (m * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
"""
    ),
    # Only the path through the mean: the variance treated as a constant.
    "variance_treated_as_constant": _backward(
        """\
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = inv_std * (dx_hat - dx_hat.mean(axis=0))
    return dx, dgamma, dbeta
"""
    ),
    # Forgets that out = gamma * x_hat + beta: dx_hat taken as dout.
    "forgets_gamma_in_dx": _backward(
        """\
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout
    dx = inv_std / m * (m * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
"""
    ),
    # Drops the 1/m of the mean and of the variance.
    "missing_one_over_m": _backward(
        """\
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = inv_std * (m * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
"""
    ),
    # Sums over the features instead of the batch: dbeta and dgamma of shape (m,).
    "sums_over_axis_1": _backward(
        """\
    dbeta = dout.sum(axis=1)
    dgamma = (dout * x_hat).sum(axis=1)
    dx_hat = dout * gamma
    dx = inv_std / m * (m * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
"""
    ),
    # Right values, but multiplies the caller's upstream gradient by gamma in place.
    "modifies_dout_in_place": _backward(
        """\
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dout *= gamma
    dx = inv_std / m * (m * dout - dout.sum(axis=0) - x_hat * (dout * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
"""
    ),
}

MUTATIONS = {
    "batchnorm_forward": FORWARD_MUTATIONS,
    "batchnorm_backward": BACKWARD_MUTATIONS,
    "layernorm_forward": {
        "batch_axis": """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    \"\"\"Copies batch norm: statistics over the batch (axis 0).\"\"\"
    mean = x.mean(axis=0, keepdims=True)
    var = x.var(axis=0, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)
""",
        "unbiased_variance": """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    \"\"\"Divides the variance by d - 1.\"\"\"
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, ddof=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)
""",
        "eps_outside_the_root": """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    \"\"\"Adds eps to the standard deviation instead of the variance.\"\"\"
    mean = x.mean(axis=1, keepdims=True)
    inv_std = 1.0 / (x.std(axis=1, keepdims=True) + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)
""",
        "no_keepdims": """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    \"\"\"Row statistics of shape (m,): numpy lines them up with the columns.\"\"\"
    mean = x.mean(axis=1)
    var = x.var(axis=1)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)
""",
        "forgets_gamma_and_beta": """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    \"\"\"Returns x_hat without the learned scale and shift.\"\"\"
    mean = x.mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + eps)
    x_hat = (x - mean) * inv_std
    return x_hat, (x_hat, inv_std, gamma)
""",
        "cache_holds_the_std": """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    \"\"\"Right output, but caches sqrt(var + eps) instead of its inverse.\"\"\"
    mean = x.mean(axis=1, keepdims=True)
    std = np.sqrt(x.var(axis=1, keepdims=True) + eps)
    x_hat = (x - mean) / std
    return gamma * x_hat + beta, (x_hat, std, gamma)
""",
        "subtracts_in_place": """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    \"\"\"Right output, but centres the caller's x in place.\"\"\"
    x -= x.mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + eps)
    x_hat = x * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)
""",
        "float64_eps": """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    \"\"\"Right values, but a numpy float64 eps turns float32 into float64.\"\"\"
    mean = x.mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + np.float64(eps))
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)
""",
    },
    "layernorm_backward": {
        "sums_over_the_batch": """
def layernorm_backward(dout, cache):
    \"\"\"Copies batch norm's dx: sums over axis 0 and divides by m.\"\"\"
    x_hat, inv_std, gamma = cache
    m = dout.shape[0]
    dx_hat = dout * gamma
    dx = inv_std / m * (m * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
""",
        "divides_by_m": """
def layernorm_backward(dout, cache):
    \"\"\"Sums along the rows, but keeps batch norm's m.\"\"\"
    x_hat, inv_std, gamma = cache
    m = dout.shape[0]
    dx_hat = dout * gamma
    dx = inv_std / m * (m * dx_hat - dx_hat.sum(axis=1, keepdims=True)
                        - x_hat * (dx_hat * x_hat).sum(axis=1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
""",
        "no_variance_term": """
def layernorm_backward(dout, cache):
    \"\"\"Goes through the mean only, forgetting that the variance depends on x too.\"\"\"
    x_hat, inv_std, gamma = cache
    d = dout.shape[1]
    dx_hat = dout * gamma
    dx = inv_std / d * (d * dx_hat - dx_hat.sum(axis=1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
""",
        "statistics_as_constants": """
def layernorm_backward(dout, cache):
    \"\"\"Treats the mean and variance as constants: dx = dx_hat * inv_std.\"\"\"
    x_hat, inv_std, gamma = cache
    return dout * gamma * inv_std, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
""",
        "forgets_gamma": """
def layernorm_backward(dout, cache):
    \"\"\"Uses dout for dx_hat, forgetting that out = gamma * x_hat + beta.\"\"\"
    x_hat, inv_std, gamma = cache
    d = dout.shape[1]
    dx = inv_std / d * (d * dout - dout.sum(axis=1, keepdims=True)
                        - x_hat * (dout * x_hat).sum(axis=1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
""",
        "parameter_gradients_averaged": """
def layernorm_backward(dout, cache):
    \"\"\"Takes the mean over the batch for dgamma and dbeta instead of the sum.\"\"\"
    x_hat, inv_std, gamma = cache
    d = dout.shape[1]
    dx_hat = dout * gamma
    dx = inv_std / d * (d * dx_hat - dx_hat.sum(axis=1, keepdims=True)
                        - x_hat * (dx_hat * x_hat).sum(axis=1, keepdims=True))
    return dx, (dout * x_hat).mean(axis=0), dout.mean(axis=0)
""",
        "parameter_gradients_along_rows": """
def layernorm_backward(dout, cache):
    \"\"\"Sums dgamma and dbeta along the rows (axis 1), as for the statistics.\"\"\"
    x_hat, inv_std, gamma = cache
    d = dout.shape[1]
    dx_hat = dout * gamma
    dx = inv_std / d * (d * dx_hat - dx_hat.sum(axis=1, keepdims=True)
                        - x_hat * (dx_hat * x_hat).sum(axis=1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=1), dout.sum(axis=1)
""",
        "scales_dout_in_place": """
def layernorm_backward(dout, cache):
    \"\"\"Right values, but multiplies the upstream gradient by gamma in place.\"\"\"
    x_hat, inv_std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    d = dout.shape[1]
    dout *= gamma
    dx = inv_std / d * (d * dout - dout.sum(axis=1, keepdims=True)
                        - x_hat * (dout * x_hat).sum(axis=1, keepdims=True))
    return dx, dgamma, dbeta
""",
    },
}
