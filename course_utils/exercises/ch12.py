"""Exercise checks for chapter 12, Deep learning in practice."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    answer_array,
    call_answer,
    expect,
    expect_close,
    expect_equal,
    grade_prediction,
    passed,
)

__all__ = [
    "check_csv_pipeline",
    "check_plateau_stop",
    "check_replica_loss",
    "check_prediction_12_4",
    "check_fixed_server",
]


def _csv_lines(rng: np.random.Generator, n: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    features = rng.uniform(-10, 10, size=(n, 3)).round(3).astype(np.float32)
    labels = rng.integers(0, 10, size=n).astype(np.int32)
    lines = [",".join(f"{v:.3f}" for v in row) + f",{label}"
             for row, label in zip(features, labels, strict=True)]  # fmt: skip
    return lines, features, labels


def check_csv_pipeline(make_csv_dataset: Callable[..., Any], seed: int | None = None) -> str:
    """Exercise 12.1 (transfer): ``make_csv_dataset(lines, batch_size)`` turns CSV text lines
    ``"x1,x2,x3,label"`` into a ``tf.data`` pipeline of ``(features, labels)`` batches.

    Checks the ``element_spec`` (float32 features of shape ``(None, 3)``, int32 labels of
    shape ``(None,)``), that the pipeline ends with ``prefetch``, and every value and the
    order of the batches (the last, smaller batch included) on fresh random lines.
    """
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    want_spec = (tf.TensorSpec((None, 3), tf.float32), tf.TensorSpec((None,), tf.int32))
    for n, batch_size in [(10, 4), (7, 7), (9, 2)]:
        lines, features, labels = _csv_lines(rng, n)
        ds = call_answer("12.1", make_csv_dataset, list(lines), batch_size)
        expect("12.1", isinstance(ds, tf.data.Dataset),
               f"make_csv_dataset should return a tf.data.Dataset, got {type(ds).__name__}")
        spec = ds.element_spec
        expect("12.1", isinstance(spec, tuple) and len(spec) == 2,
               f"each element should be a pair (features, labels), got the spec {spec}")
        if spec[1].dtype != tf.int32:
            raise ExerciseFailure("12.1", f"the labels have dtype {spec[1].dtype.name}; class "
                                          "ids are integers: parse them as tf.int32")
        if spec[0].shape.rank == 2 and spec[0].shape[0] is not None:
            raise ExerciseFailure("12.1", f"the batch size is fixed in the spec {spec[0]}: "
                                          "drop_remainder=True drops the last, smaller batch "
                                          "and the examples in it")  # fmt: skip
        features_ok = (spec[0].dtype == tf.float32 and spec[0].shape.rank == 2
                       and spec[0].shape.is_compatible_with((None, 3)))  # (None, None) is fine
        expect("12.1", features_ok and spec[1].shape.as_list() == [None],
               f"the element_spec should be {want_spec} (batches of float32 features and "
               f"int32 labels), got {spec}")  # fmt: skip
        expect("12.1", "Prefetch" in type(ds).__name__,
               "the pipeline should end with .prefetch(tf.data.AUTOTUNE), so that the next "
               "batch is prepared while the model works on this one")  # fmt: skip
        batches = list(ds)
        expect_equal("12.1", f"the number of batches for {n} lines of batch {batch_size}",
                     len(batches), math.ceil(n / batch_size))  # fmt: skip
        got_x = np.concatenate([b[0].numpy() for b in batches])
        got_y = np.concatenate([b[1].numpy() for b in batches])
        if sorted(got_y.tolist()) == sorted(labels.tolist()) and not np.array_equal(got_y,
                                                                                   labels):
            raise ExerciseFailure("12.1", "the examples come out in a different order: this "
                                          "pipeline should not shuffle (shuffling belongs to "
                                          "training, after this function)")  # fmt: skip
        expect_close("12.1", f"the features of {n} lines", got_x, features, rtol=1e-6)
        expect_close("12.1", f"the labels of {n} lines", got_y, labels)
    return passed("12.1", "Batches of float32 features and int32 labels, every value in order, "
                          "the last smaller batch kept.")


def _scripted_stop(losses: list[float], patience: int, min_delta: float) -> int | None:
    best, wait = math.inf, 0
    for epoch, loss in enumerate(losses):
        if loss < best - min_delta:
            best, wait = loss, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch
    return None


def check_plateau_stop(plateau_stop: type, seed: int | None = None) -> str:
    """Exercise 12.2 (transfer): a Keras callback ``PlateauStop(patience, min_delta)`` that
    stops training once the loss has not improved by more than ``min_delta`` for
    ``patience`` epochs in a row.

    Fed scripted losses epoch by epoch (plateaus, improvements that reset the count, tiny
    improvements below ``min_delta``), then used in a real ``fit`` of a tiny model whose
    loss cannot improve.
    """
    import keras

    rng = np.random.default_rng(seed)
    keras.utils.set_random_seed(int(rng.integers(1 << 30)))
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    first = call_answer("12.2", plateau_stop, patience=2, min_delta=0.0)
    expect("12.2", isinstance(first, keras.callbacks.Callback),
           f"PlateauStop(...) should make a keras.callbacks.Callback, got "
           f"{type(first).__name__}")  # fmt: skip
    first.set_model(model)
    first.on_train_begin()
    call_answer("12.2", first.on_epoch_end, 0, {"loss": 1.0})  # says "not solved yet" first
    start = float(rng.uniform(1, 3))
    scripts = [
        ("a loss that keeps falling", [start * 0.8**k for k in range(8)], 2, 0.0),
        ("a plateau from epoch 3 on", [start, start * 0.9, start * 0.8] + [start * 0.8] * 5,
         2, 0.0),
        ("an improvement that resets the count", [start, start, start * 0.5, start * 0.5,
                                                  start * 0.5, start * 0.5], 3, 0.0),
        ("improvements smaller than min_delta = 0.05", [start, start - 0.2, start - 0.21,
                                                        start - 0.22, start - 0.23], 2, 0.05),
        ("a loss that goes up", [start, start + 0.1, start + 0.2, start + 0.3], 1, 0.0),
    ]  # fmt: skip
    for what, losses, patience, min_delta in scripts:
        callback = call_answer("12.2", plateau_stop, patience=patience, min_delta=min_delta)
        model.stop_training = False
        callback.set_model(model)
        callback.on_train_begin()
        stopped = None
        for epoch, loss in enumerate(losses):
            call_answer("12.2", callback.on_epoch_end, epoch, {"loss": loss})
            if model.stop_training:
                stopped = epoch
                break
        want = _scripted_stop(losses, patience, min_delta)
        rounded = [round(v, 3) for v in losses]
        if want is None:
            expect("12.2", stopped is None,
                   f"for {what} {rounded} (patience {patience}) training stopped after epoch "
                   f"{stopped}, but the loss improved every epoch")  # fmt: skip
        else:
            expect("12.2", stopped is not None,
                   f"for {what} {rounded} (patience {patience}, min_delta {min_delta}) "
                   f"training should stop after epoch {want} (0-based) but never stopped: set "
                   "self.model.stop_training = True")  # fmt: skip
            expect_equal("12.2", f"the epoch (0-based) after which training stops for {what} "
                         f"{rounded} (patience {patience}, min_delta {min_delta})", stopped,
                         want)  # fmt: skip
    # a real run: a learning rate of 0 leaves the loss exactly where it is
    model.compile(keras.optimizers.SGD(0.0), "mse")
    x = rng.normal(size=(32, 2)).astype(np.float32)
    history = model.fit(x, x[:, :1], epochs=20, batch_size=32, verbose=0,
                        callbacks=[plateau_stop(patience=3, min_delta=0.0)])  # fmt: skip
    expect_equal("12.2", "the number of epochs fit ran with a flat loss and patience 3",
                 len(history.history["loss"]), 4)  # fmt: skip
    return passed("12.2", "Your callback stops exactly when the loss stalls, in fit too.")


_SHUFFLE_OPTIONS = {
    "a": "any of 0, 1, ..., 999, each about equally often",
    "b": "always one of 0, 1, ..., 9",
    "c": "always 0: a buffer that small does not shuffle",
}


def check_prediction_12_4(predict: Callable[[], Any], seed: int | None = None) -> str:
    """Exercise 12.4 (predict): where the first element of
    ``tf.data.Dataset.range(1000).shuffle(10)`` comes from."""
    import tensorflow as tf

    call_answer("12.4", predict)  # an unsolved answer says so before anything is revealed
    rng = np.random.default_rng(seed)
    firsts, seconds = [], []
    for run_seed in rng.integers(0, 1 << 30, size=60):
        it = iter(tf.data.Dataset.range(1000).shuffle(10, seed=int(run_seed)))
        firsts.append(int(next(it)))
        seconds.append(int(next(it)))
    print("60 runs of range(1000).shuffle(10) with different seeds:")
    print(f"  first elements: {sorted(set(firsts))}  (largest {max(firsts)})")
    print(f"  second elements: largest {max(seconds)}")
    return grade_prediction(
        "12.4", predict, options=_SHUFFLE_OPTIONS, correct="b",
        observed=f"In 60 runs the first element was always between 0 and 9 "
                 f"({len(set(firsts))} different values, largest {max(firsts)}).",
        why="shuffle(10) fills a buffer with the next 10 elements and draws each output at "
            "random from that buffer, refilling it from the input. The first draw can only "
            "be one of the first 10 elements, the k-th one of the first 9 + k. A full "
            "shuffle needs a buffer as large as the data set, as make_pipeline uses.",
    )  # fmt: skip


def _pixel_model(seed: int) -> Any:
    import keras

    keras.utils.set_random_seed(seed)
    bias = keras.initializers.RandomNormal(stddev=1.0)
    return keras.Sequential([
        keras.Input((8, 8)), keras.layers.Flatten(),
        keras.layers.Dense(16, activation="relu", bias_initializer=bias),
        keras.layers.Dense(3, activation="softmax", bias_initializer=bias),
    ])  # fmt: skip


def check_fixed_server(make_fixed_server: Callable[[Any], Any], seed: int | None = None) -> str:
    """Exercise 12.5 (debug): ``make_fixed_server(model)`` returns a ``tf.function`` with
    the input signature ``uint8 [None, 8, 8]`` named ``images`` that scales the pixels to
    ``[0, 1]`` (the model was trained on ``images / 255``) and returns
    ``{"probabilities": ..., "class_id": ...}`` (int32 class ids).

    Compared with ``model(images / 255)`` on fresh random images and models; a float
    request must be refused.
    """
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    for _ in range(2):
        model = _pixel_model(int(rng.integers(1 << 30)))
        serve = call_answer("12.5", make_fixed_server, model)
        signature = getattr(serve, "input_signature", None)
        expect("12.5", signature is not None and len(signature) == 1,
               "the server needs a fixed input signature: decorate it with "
               "@tf.function(input_signature=[tf.TensorSpec([None, 8, 8], tf.uint8, "
               "name=\"images\")])")  # fmt: skip
        spec = signature[0]
        expect("12.5", spec.dtype == tf.uint8 and spec.shape.as_list() == [None, 8, 8],
               f"the input signature should be uint8 of shape [None, 8, 8], got {spec}")
        images = rng.integers(0, 256, size=(int(rng.integers(3, 9)), 8, 8), dtype=np.uint8)
        answer = serve(tf.constant(images))
        expect("12.5", isinstance(answer, dict) and {"probabilities", "class_id"} <= set(answer),
               "the server should return a dict with the keys 'probabilities' and 'class_id', "
               f"got {type(answer).__name__}"
               + (f" with keys {sorted(answer)}" if isinstance(answer, dict) else ""))
        probs = answer["probabilities"].numpy()
        want = model(images.astype(np.float32) / 255.0).numpy()
        unscaled = model(images.astype(np.float32)).numpy()
        if np.allclose(probs, unscaled, rtol=1e-5, atol=1e-6):
            raise ExerciseFailure("12.5", "the probabilities are the model's output for raw "
                                          "pixels 0..255, the bug of the cell above: the model "
                                          "was trained on images / 255")  # fmt: skip
        expect_close("12.5", "the probabilities (compared with model(images / 255))", probs,
                     want, rtol=1e-5, atol=1e-6)  # fmt: skip
        class_id = answer["class_id"]
        expect("12.5", class_id.dtype == tf.int32,
               f"class_id should be int32, got {class_id.dtype.name}")
        expect_close("12.5", "class_id", class_id.numpy(), want.argmax(axis=1))
        try:
            serve(tf.constant(images.astype(np.float32)))
        except (TypeError, ValueError):
            pass
        else:
            raise ExerciseFailure("12.5", "a float32 request was accepted: a serving function "
                                          "with a fixed uint8 signature refuses it")
    return passed("12.5", "Scaled like the training data, behind a fixed uint8 interface: no "
                          "training/serving skew.")


def check_replica_loss(replica_loss: Callable, seed: int = 0) -> str:
    """Exercise 12.3 (practice): ``replica_loss(per_example, global_batch_size)``.

    The loss one replica returns in a synchronous data-parallel step: the sum of its
    per-example losses divided by the *global* batch size (what
    ``tf.nn.compute_average_loss`` does), so that summing the replicas' gradients gives
    the gradient of the mean loss over the whole global batch.
    """
    rng = np.random.default_rng(seed)
    for replicas, per_replica in ((2, 64), (4, 32), (8, 16)):
        global_batch = replicas * per_replica
        shards = [rng.exponential(size=per_replica).astype(np.float32) for _ in range(replicas)]
        values = []
        for shard in shards:
            got = answer_array("12.3", "replica_loss(...)",
                               call_answer("12.3", replica_loss, shard.copy(), global_batch),
                               expected="one number")  # fmt: skip
            expect("12.3", got.size == 1, f"the loss should be one number, got {got.shape}")
            values.append(float(got.ravel()[0]))
        total = float(np.sum(values))
        mean_all = float(np.mean(np.concatenate(shards)))
        if np.isclose(total, replicas * mean_all, rtol=1e-5) and replicas > 1:
            raise ExerciseFailure("12.3", "each replica averaged over its own batch: summed over "
                                          f"{replicas} replicas that counts the loss {replicas} "
                                          "times; divide by the GLOBAL batch size")
        expect_close("12.3", f"the sum over {replicas} replicas (it must equal the mean loss of "
                     "the global batch)", total, mean_all, rtol=1e-5)  # fmt: skip
        expect_close("12.3", "each replica's loss", values,
                     [float(s.sum()) / global_batch for s in shards], rtol=1e-5)
    return passed("12.3", "Summed over the replicas, your losses give the global-batch mean.")
