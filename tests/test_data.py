"""Loaders read the offline cache that conftest.py prepared (a writable copy).

The tests that make a file unavailable block the download themselves (``no_download``),
so they pass the same with and without a network connection.
"""

import shutil
from urllib.error import URLError

import numpy as np
import pytest

from course_utils import data
from course_utils.cache import keras_cache_dir
from course_utils.data import DatasetUnavailableError


@pytest.fixture
def no_download(monkeypatch):
    """Make every download Keras tries fail as it would offline; return the URLs it tried."""
    from keras.src.utils import file_utils

    tried = []

    def blocked(url, *args, **kwargs):
        tried.append(url)
        raise URLError("downloads are blocked in this test")

    monkeypatch.setattr(file_utils, "urlretrieve", blocked)
    return tried


@pytest.fixture
def cached_file(no_download):
    """Temporarily move a cached file away (or replace it); restore it afterwards."""
    moved = []

    def take(subdir: str, name: str, replacement: bytes | None = None):
        path = keras_cache_dir() / subdir / name
        backup = path.with_name(path.name + ".bak")
        shutil.move(path, backup)
        moved.append((backup, path))
        if replacement is not None:
            path.write_bytes(replacement)
        return path

    yield take
    for backup, path in moved:
        path.unlink(missing_ok=True)
        shutil.move(backup, path)


def test_load_mnist():
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8 and set(np.unique(y_test)) == set(range(10))


def test_load_fashion_mnist():
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
    assert x_train.shape == (60000, 28, 28) and y_test.shape == (10000,)
    assert len(data.FASHION_MNIST_CLASSES) == 10 and y_train.max() == 9


def test_load_sentence_polarity_has_exactly_the_published_counts():
    texts, labels = data.load_sentence_polarity()
    assert len(texts) == 10662  # 5,331 + 5,331 (Pang and Lee, 2005)
    assert labels.sum() == 5331 and labels.dtype == np.int32
    assert all(isinstance(t, str) and t for t in texts)


def test_load_shakespeare():
    text = data.load_shakespeare()
    assert len(text) == 1115394 and len(set(text)) == 65
    assert text.startswith("First Citizen:")


def test_load_daily_min_temperatures():
    frame = data.load_daily_min_temperatures()
    assert frame.shape == (3650, 1) and list(frame.columns) == ["temp"]
    assert str(frame.index[0].date()) == "1981-01-01" and frame.index.name == "date"
    assert frame["temp"].dtype == np.float32


def test_load_monthly_sunspots():
    frame = data.load_monthly_sunspots()
    assert frame.shape == (2820, 1) and list(frame.columns) == ["sunspots"]
    assert str(frame.index[0].date()) == "1749-01-01"


def test_dataset_files_validates_its_argument():
    assert len(data.dataset_files("fashion_mnist")) == 4
    with pytest.raises(ValueError, match="unknown data set 'cifar'"):
        data.dataset_files("cifar")
    with pytest.raises(TypeError, match="dataset must be a str"):
        data.dataset_files(3)


def test_missing_file_that_cannot_be_downloaded_gives_a_clear_error(cached_file, no_download):
    path = cached_file("datasets", "shakespeare.txt")
    with pytest.raises(DatasetUnavailableError) as error:
        data.load_shakespeare()
    assert no_download == [data.DATASETS["shakespeare"][0].origin]  # it tried the real URL
    message = str(error.value)
    assert "'shakespeare'" in message  # which data set
    assert str(path) in message  # where it looked
    assert "KERAS_HOME" in message and "connect to the internet once" in message  # how to fix


def test_missing_keras_dataset_file_gives_a_clear_error(cached_file, no_download):
    path = cached_file("datasets", "mnist.npz")
    with pytest.raises(DatasetUnavailableError, match="'mnist' is not available") as error:
        data.load_mnist()
    assert str(path) in str(error.value)
    assert len(no_download) == 1 and no_download[0].endswith("mnist.npz")


def test_corrupt_cached_file_is_reported_with_both_hashes(cached_file):
    path = cached_file("datasets/fashion-mnist", "t10k-labels-idx1-ubyte.gz", b"not gzip")
    with pytest.raises(DatasetUnavailableError, match="corrupt or outdated") as error:
        data.load_fashion_mnist()
    assert str(path) in str(error.value)
    assert data.DATASETS["fashion_mnist"][2].sha256 in str(error.value)
