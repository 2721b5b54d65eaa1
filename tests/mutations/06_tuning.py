"""Realistic wrong answers to the exercises of chapter 6 (tuning).

``MUTATIONS[exercise][mistake]`` is the source of a wrong solution cell, written the way a
student might get it wrong. tests/test_notebooks.py injects each one into the notebook and
checks that it fails its own exercise's test cell and no other.
"""

MUTATIONS = {
    "grid_search": {
        "zip_instead_of_product": '''
def grid_search(grid, objective):
    """Pairs the lists element by element instead of taking every combination."""
    names = list(grid)
    results = []
    for values in zip(*(grid[name] for name in names)):
        params = dict(zip(names, values))
        results.append((params, objective(params)))
    results.sort(key=lambda result: result[1])
    return results
''',
        "not_sorted": '''
import itertools


def grid_search(grid, objective):
    """Tries every combination but returns them in the order they were tried."""
    names = list(grid)
    results = []
    for values in itertools.product(*(grid[name] for name in names)):
        params = dict(zip(names, values))
        results.append((params, objective(params)))
    return results
''',
        "sorted_worst_first": '''
import itertools


def grid_search(grid, objective):
    """Sorts the results with the highest score first."""
    names = list(grid)
    results = []
    for values in itertools.product(*(grid[name] for name in names)):
        params = dict(zip(names, values))
        results.append((params, objective(params)))
    return sorted(results, key=lambda result: result[1], reverse=True)
''',
        "only_two_hyperparameters": '''
def grid_search(grid, objective):
    """Two nested loops: only works for grids with exactly two names."""
    first, second = list(grid)[:2]
    results = []
    for a in grid[first]:
        for b in grid[second]:
            params = {first: a, second: b}
            results.append((params, objective(params)))
    results.sort(key=lambda result: result[1])
    return results
''',
        "one_shared_params_dict": '''
import itertools


def grid_search(grid, objective):
    """Updates one params dict in place, so every result ends up holding the last combination."""
    names = list(grid)
    params = {}
    results = []
    for values in itertools.product(*(grid[name] for name in names)):
        params.update(zip(names, values))
        results.append((params, objective(params)))
    results.sort(key=lambda result: result[1])
    return results
''',
        "returns_only_the_best": '''
import itertools


def grid_search(grid, objective):
    """Keeps only the best combination instead of the whole sorted list."""
    names = list(grid)
    best = None
    for values in itertools.product(*(grid[name] for name in names)):
        params = dict(zip(names, values))
        score = objective(params)
        if best is None or score < best[1]:
            best = (params, score)
    return [best]
''',
    },
    "random_search": {
        "unseeded_ignores_rng": '''
def random_search(space, objective, n_trials, rng=None):
    """Always makes a new, unseeded generator, so the caller's seed has no effect."""
    rng = np.random.default_rng()
    results = []
    for _ in range(n_trials):
        params = {name: sampler(rng) for name, sampler in space.items()}
        results.append((params, objective(params)))
    results.sort(key=lambda result: result[1])
    return results
''',
        "fixed_seed_ignores_rng": '''
def random_search(space, objective, n_trials, rng=None):
    """Seeds its own generator with 0, so every call tries the same settings."""
    rng = np.random.default_rng(0)
    results = []
    for _ in range(n_trials):
        params = {name: sampler(rng) for name, sampler in space.items()}
        results.append((params, objective(params)))
    results.sort(key=lambda result: result[1])
    return results
''',
        "samplers_called_once": '''
def random_search(space, objective, n_trials, rng=None):
    """Samples one setting before the loop and scores it n_trials times."""
    rng = np.random.default_rng() if rng is None else rng
    params = {name: sampler(rng) for name, sampler in space.items()}
    results = []
    for _ in range(n_trials):
        results.append((dict(params), objective(params)))
    results.sort(key=lambda result: result[1])
    return results
''',
        "not_sorted": '''
def random_search(space, objective, n_trials, rng=None):
    """Returns the trials in the order they were run."""
    rng = np.random.default_rng() if rng is None else rng
    results = []
    for _ in range(n_trials):
        params = {name: sampler(rng) for name, sampler in space.items()}
        results.append((params, objective(params)))
    return results
''',
        "sorted_worst_first": '''
def random_search(space, objective, n_trials, rng=None):
    """Sorts the results with the highest score first."""
    rng = np.random.default_rng() if rng is None else rng
    results = []
    for _ in range(n_trials):
        params = {name: sampler(rng) for name, sampler in space.items()}
        results.append((params, objective(params)))
    results.sort(key=lambda result: result[1], reverse=True)
    return results
''',
        "one_trial_too_few": '''
def random_search(space, objective, n_trials, rng=None):
    """Off by one: runs n_trials - 1 trials."""
    rng = np.random.default_rng() if rng is None else rng
    results = []
    for _ in range(1, n_trials):
        params = {name: sampler(rng) for name, sampler in space.items()}
        results.append((params, objective(params)))
    results.sort(key=lambda result: result[1])
    return results
''',
        "samples_name_by_name": '''
def random_search(space, objective, n_trials, rng=None):
    """Draws all trials' values of one name, then the next name: not the documented order."""
    rng = np.random.default_rng() if rng is None else rng
    columns = {name: [sampler(rng) for _ in range(n_trials)] for name, sampler in space.items()}
    results = []
    for i in range(n_trials):
        params = {name: columns[name][i] for name in space}
        results.append((params, objective(params)))
    results.sort(key=lambda result: result[1])
    return results
''',
    },
    "log_uniform": {
        "linear_scale": '''
def log_uniform(low, high, size=None, rng=None):
    """Samples uniformly between low and high: a linear scale."""
    rng = np.random.default_rng() if rng is None else rng
    return rng.uniform(low, high, size=size)
''',
        "returns_the_exponents": '''
def log_uniform(low, high, size=None, rng=None):
    """Forgets to raise 10 to the sampled exponent."""
    rng = np.random.default_rng() if rng is None else rng
    return rng.uniform(np.log10(low), np.log10(high), size=size)
''',
        "exp_of_log10_exponent": '''
def log_uniform(low, high, size=None, rng=None):
    """Samples the exponent in base 10 but raises e to it."""
    rng = np.random.default_rng() if rng is None else rng
    return np.exp(rng.uniform(np.log10(low), np.log10(high), size=size))
''',
        "bounds_used_as_exponents": '''
def log_uniform(low, high, size=None, rng=None):
    """Uses low and high themselves as the exponent's range."""
    rng = np.random.default_rng() if rng is None else rng
    return 10.0 ** rng.uniform(low, high, size=size)
''',
        "ignores_rng": '''
def log_uniform(low, high, size=None, rng=None):
    """Always draws from a new unseeded generator."""
    exponents = np.random.default_rng().uniform(np.log10(low), np.log10(high), size=size)
    return 10.0 ** exponents
''',
        "whole_decades_only": '''
def log_uniform(low, high, size=None, rng=None):
    """Draws integer exponents: only powers of ten come out."""
    rng = np.random.default_rng() if rng is None else rng
    exponents = rng.integers(int(np.log10(low)), int(np.log10(high)) + 1, size=size)
    return 10.0 ** exponents
''',
        "ignores_size": '''
def log_uniform(low, high, size=None, rng=None):
    """Always returns one sample, whatever size asks for."""
    rng = np.random.default_rng() if rng is None else rng
    return 10.0 ** rng.uniform(np.log10(low), np.log10(high))
''',
        "natural_log_bounds": '''
def log_uniform(low, high, size=None, rng=None):
    """Takes the exponent's range with np.log (base e) but raises 10 to it."""
    rng = np.random.default_rng() if rng is None else rng
    return 10.0 ** rng.uniform(np.log(low), np.log(high), size=size)
''',
    },
    "diagnose": {
        "bias_and_variance_swapped": '''
def diagnose(train_error, dev_error, base_error=0.0):
    """Names a large train - base gap variance and a large dev - train gap bias."""
    bias = round(train_error - base_error, 12)
    variance = round(dev_error - train_error, 12)
    if bias > DIAGNOSIS_THRESHOLD and variance > DIAGNOSIS_THRESHOLD:
        return "high bias and high variance"
    if bias > DIAGNOSIS_THRESHOLD:
        return "high variance"
    if variance > DIAGNOSIS_THRESHOLD:
        return "high bias"
    return "good fit"
''',
        "variance_from_base_error": '''
def diagnose(train_error, dev_error, base_error=0.0):
    """Measures the variance from the base error instead of the training error."""
    bias = round(train_error - base_error, 12)
    variance = round(dev_error - base_error, 12)
    if bias > DIAGNOSIS_THRESHOLD and variance > DIAGNOSIS_THRESHOLD:
        return "high bias and high variance"
    if bias > DIAGNOSIS_THRESHOLD:
        return "high bias"
    if variance > DIAGNOSIS_THRESHOLD:
        return "high variance"
    return "good fit"
''',
        "bias_from_dev_error": '''
def diagnose(train_error, dev_error, base_error=0.0):
    """Measures the bias on the dev set instead of the training set."""
    bias = round(dev_error - base_error, 12)
    variance = round(dev_error - train_error, 12)
    if bias > DIAGNOSIS_THRESHOLD and variance > DIAGNOSIS_THRESHOLD:
        return "high bias and high variance"
    if bias > DIAGNOSIS_THRESHOLD:
        return "high bias"
    if variance > DIAGNOSIS_THRESHOLD:
        return "high variance"
    return "good fit"
''',
        "greater_or_equal_at_threshold": '''
def diagnose(train_error, dev_error, base_error=0.0):
    """Calls a gap of exactly 0.05 high (>= instead of >)."""
    bias = train_error - base_error
    variance = dev_error - train_error
    if bias >= DIAGNOSIS_THRESHOLD and variance >= DIAGNOSIS_THRESHOLD:
        return "high bias and high variance"
    if bias >= DIAGNOSIS_THRESHOLD:
        return "high bias"
    if variance >= DIAGNOSIS_THRESHOLD:
        return "high variance"
    return "good fit"
''',
        "ignores_base_error": '''
def diagnose(train_error, dev_error, base_error=0.0):
    """Takes the training error itself as the bias, forgetting the base error."""
    bias = train_error
    variance = dev_error - train_error
    if bias > DIAGNOSIS_THRESHOLD and variance > DIAGNOSIS_THRESHOLD:
        return "high bias and high variance"
    if bias > DIAGNOSIS_THRESHOLD:
        return "high bias"
    if variance > DIAGNOSIS_THRESHOLD:
        return "high variance"
    return "good fit"
''',
        "never_both": '''
def diagnose(train_error, dev_error, base_error=0.0):
    """An if/elif chain that stops at the first problem, so never reports both."""
    if train_error - base_error > DIAGNOSIS_THRESHOLD:
        return "high bias"
    elif dev_error - train_error > DIAGNOSIS_THRESHOLD:
        return "high variance"
    return "good fit"
''',
        "threshold_in_percent": '''
def diagnose(train_error, dev_error, base_error=0.0):
    """Compares fractions with 5 (percent) instead of 0.05."""
    bias = train_error - base_error
    variance = dev_error - train_error
    if bias > 5 and variance > 5:
        return "high bias and high variance"
    if bias > 5:
        return "high bias"
    if variance > 5:
        return "high variance"
    return "good fit"
''',
        "no_rounding_at_threshold": '''
def diagnose(train_error, dev_error, base_error=0.0):
    """Compares the raw differences with the threshold: 0.20 - 0.15 = 0.05000000000000002 counts as high."""
    bias = train_error - base_error
    variance = dev_error - train_error
    if bias > DIAGNOSIS_THRESHOLD and variance > DIAGNOSIS_THRESHOLD:
        return "high bias and high variance"
    if bias > DIAGNOSIS_THRESHOLD:
        return "high bias"
    if variance > DIAGNOSIS_THRESHOLD:
        return "high variance"
    return "good fit"
''',
    },
    "successive_halving": {
        "keeps_the_worst": '''
def successive_halving(candidates, objective, min_budget=1, eta=3):
    """Sorts highest score first, so the worst settings survive."""
    survivors, budget, rounds = list(candidates), min_budget, []
    while True:
        results = [(params, float(objective(dict(params), budget))) for params in survivors]
        results.sort(key=lambda result: (math.isnan(result[1]), result[1]), reverse=True)
        rounds.append((budget, results))
        if len(results) == 1:
            return rounds
        survivors = [params for params, _ in results[:max(1, len(results) // eta)]]
        budget *= eta
''',
        "budget_does_not_grow": '''
def successive_halving(candidates, objective, min_budget=1, eta=3):
    """Forgets to give the survivors a larger budget."""
    survivors, budget, rounds = list(candidates), min_budget, []
    while True:
        results = [(params, float(objective(dict(params), budget))) for params in survivors]
        results.sort(key=lambda result: (math.isnan(result[1]), result[1]))
        rounds.append((budget, results))
        if len(results) == 1:
            return rounds
        survivors = [params for params, _ in results[:max(1, len(results) // eta)]]
''',
        "budget_grows_by_adding": '''
def successive_halving(candidates, objective, min_budget=1, eta=3):
    """Adds min_budget each round instead of multiplying by eta."""
    survivors, budget, rounds = list(candidates), min_budget, []
    while True:
        results = [(params, float(objective(dict(params), budget))) for params in survivors]
        results.sort(key=lambda result: (math.isnan(result[1]), result[1]))
        rounds.append((budget, results))
        if len(results) == 1:
            return rounds
        survivors = [params for params, _ in results[:max(1, len(results) // eta)]]
        budget += min_budget
''',
        "rounds_up": '''
def successive_halving(candidates, objective, min_budget=1, eta=3):
    """Keeps ceil(len / eta) survivors instead of len // eta."""
    survivors, budget, rounds = list(candidates), min_budget, []
    while True:
        results = [(params, float(objective(dict(params), budget))) for params in survivors]
        results.sort(key=lambda result: (math.isnan(result[1]), result[1]))
        rounds.append((budget, results))
        if len(results) == 1:
            return rounds
        survivors = [params for params, _ in results[:math.ceil(len(results) / eta)]]
        budget *= eta
''',
        "halves_whatever_eta": '''
def successive_halving(candidates, objective, min_budget=1, eta=3):
    """Takes the name literally: keeps the best half in every round, whatever eta is."""
    survivors, budget, rounds = list(candidates), min_budget, []
    while True:
        results = [(params, float(objective(dict(params), budget))) for params in survivors]
        results.sort(key=lambda result: (math.isnan(result[1]), result[1]))
        rounds.append((budget, results))
        if len(results) == 1:
            return rounds
        survivors = [params for params, _ in results[:max(1, len(results) // 2)]]
        budget *= eta
''',
        "stops_before_the_last_round": '''
def successive_halving(candidates, objective, min_budget=1, eta=3):
    """Stops as soon as one survivor is left, without measuring it at the full budget."""
    survivors, budget, rounds = list(candidates), min_budget, []
    while len(survivors) > 1:
        results = [(params, float(objective(dict(params), budget))) for params in survivors]
        results.sort(key=lambda result: (math.isnan(result[1]), result[1]))
        rounds.append((budget, results))
        survivors = [params for params, _ in results[:max(1, len(results) // eta)]]
        budget *= eta
    return rounds
''',
        "nan_sorted_as_a_number": '''
def successive_halving(candidates, objective, min_budget=1, eta=3):
    """Sorts by the score alone: a NaN compares as neither smaller nor larger and stays where it was."""
    survivors, budget, rounds = list(candidates), min_budget, []
    while True:
        results = [(params, float(objective(dict(params), budget))) for params in survivors]
        results.sort(key=lambda result: result[1])
        rounds.append((budget, results))
        if len(results) == 1:
            return rounds
        survivors = [params for params, _ in results[:max(1, len(results) // eta)]]
        budget *= eta
''',
        "objective_gets_the_original": '''
def successive_halving(candidates, objective, min_budget=1, eta=3):
    """Passes the candidate itself, which the objective may change."""
    survivors, budget, rounds = list(candidates), min_budget, []
    while True:
        results = [(params, float(objective(params, budget))) for params in survivors]
        results.sort(key=lambda result: (math.isnan(result[1]), result[1]))
        rounds.append((budget, results))
        if len(results) == 1:
            return rounds
        survivors = [params for params, _ in results[:max(1, len(results) // eta)]]
        budget *= eta
''',
    },
    "train_digit_classifier": {
        "returns_logits": '''
def train_digit_classifier(X_train, y_train, X_dev, y_dev, rng=None):
    """A reasonable network, but predict returns the logits instead of labels."""
    rng = np.random.default_rng() if rng is None else rng
    seed = int(rng.integers(2**31))
    weights = np.random.default_rng(seed)
    model = Sequential(Dense(64, 256, rng=weights, dtype=np.float32), ReLU(), Dense(256, 10, rng=weights, dtype=np.float32))
    X_fit, _ = standardize(X_train, X_dev)
    fit(model, X_fit, y_train, optimizer=Adam(0.003), epochs=15, batch_size=32, rng=rng, progress=False)

    def predict(X):
        return model.predict(standardize(X_train, X)[1])

    return predict
''',
        "new_images_not_standardised": '''
def train_digit_classifier(X_train, y_train, X_dev, y_dev, rng=None):
    """Trains on standardised pixels but feeds predict the raw ones."""
    rng = np.random.default_rng() if rng is None else rng
    seed = int(rng.integers(2**31))
    weights = np.random.default_rng(seed)
    model = Sequential(Dense(64, 256, rng=weights, dtype=np.float32), ReLU(), Dense(256, 10, rng=weights, dtype=np.float32))
    X_fit, _ = standardize(X_train, X_dev)
    fit(model, X_fit, y_train, optimizer=Adam(0.003), epochs=15, batch_size=32, rng=rng, progress=False)

    def predict(X):
        return model.predict(X).argmax(axis=1)

    return predict
''',
        "standardises_each_batch_on_its_own": '''
def train_digit_classifier(X_train, y_train, X_dev, y_dev, rng=None):
    """Standardises the images given to predict with their own statistics."""
    rng = np.random.default_rng() if rng is None else rng
    seed = int(rng.integers(2**31))
    weights = np.random.default_rng(seed)
    model = Sequential(Dense(64, 256, rng=weights, dtype=np.float32), ReLU(), Dense(256, 10, rng=weights, dtype=np.float32))
    X_fit, _ = standardize(X_train, X_dev)
    fit(model, X_fit, y_train, optimizer=Adam(0.003), epochs=15, batch_size=32, rng=rng, progress=False)

    def predict(X):
        return model.predict(standardize(X, X)[1]).argmax(axis=1)

    return predict
''',
        "predicts_in_training_mode": '''
def train_digit_classifier(X_train, y_train, X_dev, y_dev, rng=None):
    """Adds dropout, and predicts with forward(training=True), so dropout still draws masks."""
    from nnlib.layers import Dropout

    rng = np.random.default_rng() if rng is None else rng
    model = Sequential(Dense(64, 256, rng=rng, dtype=np.float32), ReLU(), Dropout(0.3, rng=rng),
                       Dense(256, 10, rng=rng, dtype=np.float32))
    X_fit, _ = standardize(X_train, X_dev)
    fit(model, X_fit, y_train, optimizer=Adam(0.003), epochs=15, batch_size=32, rng=rng, progress=False)

    def predict(X):
        return model.forward(standardize(X_train, X)[1], training=True).argmax(axis=1)

    return predict
''',
        "under_trained_without_tuning": '''
def train_digit_classifier(X_train, y_train, X_dev, y_dev, rng=None):
    """No search, no augmentation, a timid learning rate and two epochs."""
    rng = np.random.default_rng() if rng is None else rng
    seed = int(rng.integers(2**31))
    weights = np.random.default_rng(seed)
    model = Sequential(Dense(64, 256, rng=weights, dtype=np.float32), ReLU(), Dense(256, 10, rng=weights, dtype=np.float32))
    X_fit, _ = standardize(X_train, X_dev)
    fit(model, X_fit, y_train, optimizer=Adam(0.0003), epochs=2, batch_size=32, rng=rng, progress=False)

    def predict(X):
        return model.predict(standardize(X_train, X)[1]).argmax(axis=1)

    return predict
''',
    },
}
