"""nnlib: the course's reference implementation of neural networks in numpy.

One module per concept; every name listed in a module's ``__all__`` is re-exported here,
so ``from nnlib import relu, Dense, Adam, fit`` works as well as
``from nnlib.activations import relu``. Plots live in ``nnlib.viz`` and interactive
controls in ``nnlib.widgets`` (imported on demand: they pull in matplotlib/ipywidgets).

Chapter by chapter (the exercises; their answers sit between solution markers):

- 01_feedforward: activations, dense_forward, initializers, standardize, losses
- 02_backprop: the ``*_backward`` functions, numerical_gradient, relative_error, mlp_forward,
  mlp_backward
- 03_optimizers: minibatches, ewa, the update rules (nesterov_update too), learning-rate
  schedules, train_loop, the sanity checks (initial_loss_check, overfit_small_set,
  gradient_check)
- 04_regularization: L2/L1 penalties and gradients, AdamW, dropout, early stopping
- 05_batchnorm: batchnorm_forward, batchnorm_backward, layernorm_forward, layernorm_backward
- 06_tuning: log_uniform, grid_search, random_search, successive_halving, diagnose, and the
  capstone train_digit_classifier
"""

from nnlib.activations import *  # noqa: F401,F403
from nnlib.batching import *  # noqa: F401,F403
from nnlib.batchnorm import *  # noqa: F401,F403
from nnlib.capstone import *  # noqa: F401,F403
from nnlib.datasets import *  # noqa: F401,F403
from nnlib.dense import *  # noqa: F401,F403
from nnlib.dropout import *  # noqa: F401,F403
from nnlib.early_stopping import *  # noqa: F401,F403
from nnlib.ewa import *  # noqa: F401,F403
from nnlib.gradcheck import *  # noqa: F401,F403
from nnlib.halving import *  # noqa: F401,F403
from nnlib.initializers import *  # noqa: F401,F403
from nnlib.layernorm import *  # noqa: F401,F403
from nnlib.layers import *  # noqa: F401,F403
from nnlib.losses import *  # noqa: F401,F403
from nnlib.mlp import *  # noqa: F401,F403
from nnlib.optimizers import *  # noqa: F401,F403
from nnlib.preprocessing import *  # noqa: F401,F403
from nnlib.regularization import *  # noqa: F401,F403
from nnlib.sanity_checks import *  # noqa: F401,F403
from nnlib.schedules import *  # noqa: F401,F403
from nnlib.sequential import *  # noqa: F401,F403
from nnlib.training import *  # noqa: F401,F403
from nnlib.train_loop import *  # noqa: F401,F403
from nnlib.tuning import *  # noqa: F401,F403
from nnlib.updates import *  # noqa: F401,F403
from nnlib.weight_decay import *  # noqa: F401,F403
