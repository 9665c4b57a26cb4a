"""Each chapter-12 check accepts a correct answer and rejects plausible wrong ones."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch12 import (
    check_csv_pipeline,
    check_fixed_server,
    check_plateau_stop,
    check_prediction_12_4,
    check_replica_loss,
)


def not_started(*args, **kwargs):
    raise NotImplementedError()


# --------------------------------------------------------------------------- 12.1
def parse(line, label_dtype=tf.int32):
    fields = tf.strings.split(line, ",")
    return (tf.strings.to_number(fields[:3], out_type=tf.float32),
            tf.strings.to_number(fields[3], out_type=label_dtype))  # fmt: skip


def csv_ok(lines, batch_size):
    ds = tf.data.Dataset.from_tensor_slices(lines).map(parse, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def csv_decode(lines, batch_size):  # the other idiomatic answer: tf.io.decode_csv
    def parse_row(line):
        *features, label = tf.io.decode_csv(line, record_defaults=[0.0, 0.0, 0.0, 0])
        return tf.stack(features), label

    return tf.data.Dataset.from_tensor_slices(lines).map(parse_row).batch(batch_size).prefetch(2)


def test_csv_pipeline_accepts_correct_answers():
    assert "passed" in check_csv_pipeline(csv_ok)
    assert "passed" in check_csv_pipeline(csv_decode, seed=1)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda lines, b: tf.data.Dataset.from_tensor_slices(lines).map(
            lambda s: parse(s, tf.float32)).batch(b).prefetch(1), "parse them as tf.int32"),
        (lambda lines, b: tf.data.Dataset.from_tensor_slices(lines).map(parse).batch(
            b, drop_remainder=True).prefetch(1), "drop_remainder"),
        (lambda lines, b: tf.data.Dataset.from_tensor_slices(lines).map(parse).prefetch(1),
         "element_spec"),  # not batched
        (lambda lines, b: tf.data.Dataset.from_tensor_slices(lines).map(parse).batch(b),
         "prefetch"),
        (lambda lines, b: tf.data.Dataset.from_tensor_slices(lines).map(parse).shuffle(
            100, seed=1).batch(b).prefetch(1), "different order"),
        (lambda lines, b: list(csv_ok(lines, b)), "should return a tf.data.Dataset"),
        (not_started, "not solved yet"),
    ],
)
def test_csv_pipeline_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_csv_pipeline(wrong, seed=0)


# --------------------------------------------------------------------------- 12.2
class PlateauStop(keras.callbacks.Callback):
    def __init__(self, patience=2, min_delta=0.0, *, strict=True, reset=True, late=0,
                 use_delta=True):  # fmt: skip
        super().__init__()
        self.patience, self.min_delta = patience, min_delta
        self.strict, self.reset, self.late, self.use_delta = strict, reset, late, use_delta

    def on_train_begin(self, logs=None):
        self.best, self.wait = np.inf, 0

    def on_epoch_end(self, epoch, logs=None):
        loss = logs["loss"]
        delta = self.min_delta if self.use_delta else 0.0
        improved = loss < self.best - delta if self.strict else loss <= self.best - delta
        if improved:
            self.best = loss
            if self.reset:
                self.wait = 0
        else:
            self.wait += 1
            if self.wait >= self.patience + self.late:
                self.model.stop_training = True


class NeverStops(PlateauStop):
    def on_epoch_end(self, epoch, logs=None):
        pass


class NotStarted(PlateauStop):
    def on_epoch_end(self, epoch, logs=None):
        raise NotImplementedError()


def test_plateau_stop_accepts_a_correct_callback():
    assert "passed" in check_plateau_stop(PlateauStop)
    assert "passed" in check_plateau_stop(PlateauStop, seed=4)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (NeverStops, "never stopped"),
        (lambda patience, min_delta: PlateauStop(patience, min_delta, late=1), "stops for"),
        (lambda patience, min_delta: PlateauStop(patience, min_delta, reset=False),
         "resets the count"),
        (lambda patience, min_delta: PlateauStop(patience, min_delta, use_delta=False),
         "min_delta"),
        (lambda patience, min_delta: PlateauStop(patience, min_delta, strict=False),
         "plateau"),  # a flat loss counted as an improvement
        (lambda patience, min_delta: object(), "should make a keras.callbacks.Callback"),
        (NotStarted, "not solved yet"),
        (not_started, "not solved yet"),
    ],
)
def test_plateau_stop_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_plateau_stop(wrong, seed=0)


# --------------------------------------------------------------------------- 12.3
def test_replica_loss_accepts_a_correct_answer():
    assert "passed" in check_replica_loss(lambda per_example, gb: np.sum(per_example) / gb)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda p, gb: np.mean(p), "GLOBAL batch"),  # local mean
        (lambda p, gb: np.sum(p), "not right"),
        (lambda p, gb: np.sum(p) / gb ** 2, "not right"),
        (lambda p, gb: p / gb, "one number"),
    ],
)
def test_replica_loss_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_replica_loss(wrong)


# --------------------------------------------------------------------------- 12.4
def test_prediction_12_4_accepts_b(capsys):
    for seed in range(3):
        assert check_prediction_12_4(lambda: "b", seed=seed).startswith("Exercise 12.4 passed")
    assert "first elements" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda: "a", r"you predicted \(a\)"),
        (lambda: "c", r"the run shows \(b\)"),
        (lambda: None, "should return one of"),
        (not_started, "not solved yet"),
    ],
)
def test_prediction_12_4_rejects(wrong, match, capsys):
    with pytest.raises(ExerciseFailure, match=match):
        check_prediction_12_4(wrong)
    if wrong is not_started:
        assert capsys.readouterr().out == ""


# --------------------------------------------------------------------------- 12.5
def server(model, scale=255.0, signature=True, dict_out=True, cast_ids=True):
    def serve(images):
        probs = model(tf.cast(images, tf.float32) / scale, training=False)
        class_id = tf.argmax(probs, axis=1, output_type=tf.int32 if cast_ids else tf.int64)
        return {"probabilities": probs, "class_id": class_id} if dict_out else probs

    if signature:
        return tf.function(serve, input_signature=[
            tf.TensorSpec([None, 8, 8], tf.uint8, name="images")])  # fmt: skip
    return tf.function(serve)


def test_fixed_server_accepts_a_correct_server():
    assert "passed" in check_fixed_server(server)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda m: server(m, scale=1.0), "raw pixels"),  # the bug of the notebook
        (lambda m: server(m, scale=256.0), "probabilities .* is not right"),
        (lambda m: server(m, signature=False), "fixed input signature"),
        (lambda m: tf.function(lambda images: server(m)(images), input_signature=[
            tf.TensorSpec([None, 8, 8], tf.float32)]), "should be uint8"),  # fmt: skip
        (lambda m: server(m, dict_out=False), "should return a dict"),
        (lambda m: server(m, cast_ids=False), "should be int32"),
        (not_started, "not solved yet"),
    ],
)
def test_fixed_server_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_fixed_server(wrong, seed=0)
