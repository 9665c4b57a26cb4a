"""Restarting a compiled Keras model for a new training run, without re-tracing.

Chapter 06c introduces this: ``compile`` followed by the first ``fit`` traces the
training step into a TensorFlow graph, a cost paid again after every ``compile``.
When the same architecture is trained many times (several learning rates, seeds or
folds), compiling once and restarting the model before each run gives the same
result as a freshly built and compiled model, without the new trace. Chapter 09a
reuses it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["restart"]


def restart(model: Any, weights: list[Any], learning_rate: float) -> None:
    """Put a compiled ``model`` back to ``weights`` with a fresh optimizer state.

    The optimizer's variables (its step count and, for Adam, the moment estimates) are
    set to zero and its learning rate to ``learning_rate``: what a new ``compile``
    would give, while the traced training step is kept.

    Args:
        model: a compiled ``keras.Model`` whose optimizer has a constant learning rate.
        weights: the starting weights, as returned by ``get_weights()`` of a model of
            the same architecture (for example a freshly built copy).
        learning_rate: the learning rate of the new run, a positive number.

    Raises:
        TypeError: if ``model`` is not a Keras model or ``learning_rate`` not a number.
        ValueError: if ``model`` is not compiled, ``weights`` does not match its
            weights, or ``learning_rate`` is not positive.
    """
    import keras
    import numpy as np

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if getattr(model, "optimizer", None) is None:
        raise ValueError("model must be compiled (call model.compile(...) once first)")
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)):
        raise TypeError(f"learning_rate must be a number, got {type(learning_rate).__name__}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate}")
    current = model.get_weights()
    if not isinstance(weights, (list, tuple)) or len(weights) != len(current):
        raise ValueError(
            f"weights must be a list of {len(current)} arrays, as model.get_weights() "
            f"returns, got {type(weights).__name__} of length "
            f"{len(weights) if isinstance(weights, (list, tuple)) else 'n/a'}"
        )
    for index, (new, old) in enumerate(zip(weights, current, strict=True)):
        if np.shape(new) != np.shape(old):
            raise ValueError(
                f"weights[{index}] has shape {np.shape(new)}, the model's has {np.shape(old)}"
            )
    model.set_weights(weights)
    for variable in model.optimizer.variables:  # step count, moment estimates, ...
        variable.assign(np.zeros(variable.shape, dtype=variable.dtype))
    model.optimizer.learning_rate = learning_rate
