"""One loader per data set of the course, each going through Keras's own cache.

Each loader downloads its files once, the way any Keras user would (through
``keras.datasets.*.load_data()`` or ``keras.utils.get_file`` with the real public
URL and a SHA-256 hash), into ``$KERAS_HOME/datasets`` (default
``~/.keras/datasets``). Later calls read the cached copy, offline.

When a file is missing and cannot be downloaded, or a cached file is corrupt,
the loader raises :class:`DatasetUnavailableError` naming the data set, the file
it looked for, and how to fix it.

Introduced in chapter 00.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from course_utils.cache import keras_cache_dir

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DATASETS",
    "FASHION_MNIST_CLASSES",
    "DatasetFile",
    "DatasetUnavailableError",
    "dataset_files",
    "load_daily_min_temperatures",
    "load_fashion_mnist",
    "load_mnist",
    "load_monthly_sunspots",
    "load_sentence_polarity",
    "load_shakespeare",
]

ArrayPair = tuple[np.ndarray, np.ndarray]

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip


class DatasetUnavailableError(RuntimeError):
    """A data set's file is neither in the Keras cache nor downloadable (or is corrupt)."""


@dataclass(frozen=True)
class DatasetFile:
    """One file of a data set: where Keras caches it and where it comes from."""

    name: str  # file name inside the cache subfolder
    subdir: str  # cache subfolder below KERAS_HOME, e.g. "datasets/fashion-mnist"
    origin: str  # the public URL a learner online downloads it from
    sha256: str


_KERAS_BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_BROWNLEE = "https://raw.githubusercontent.com/jbrownlee/Datasets/master/"
_KIM = "https://raw.githubusercontent.com/yoonkim/CNN_sentence/master/"

DATASETS: dict[str, tuple[DatasetFile, ...]] = {
    "mnist": (
        DatasetFile("mnist.npz", "datasets", _KERAS_BASE + "mnist.npz",
                    "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),
    ),
    "fashion_mnist": tuple(
        DatasetFile(name, "datasets/fashion-mnist", _KERAS_BASE + name, digest)
        for name, digest in (
            ("train-labels-idx1-ubyte.gz",
             "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
            ("train-images-idx3-ubyte.gz",
             "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
            ("t10k-labels-idx1-ubyte.gz",
             "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
            ("t10k-images-idx3-ubyte.gz",
             "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
        )
    ),
    "sentence_polarity": (
        DatasetFile("rt-polarity.pos", "datasets", _KIM + "rt-polarity.pos",
                    "2da124ec187a9d5a29c9f04e91c540e02baed5af8868f550a26bd6fd4dbf8bf0"),
        DatasetFile("rt-polarity.neg", "datasets", _KIM + "rt-polarity.neg",
                    "4ace77d558c3714723843f1d65b60c01e3417b208180f0728808d76ad0eeeaca"),
    ),
    "shakespeare": (
        DatasetFile("shakespeare.txt", "datasets",
                    "https://storage.googleapis.com/download.tensorflow.org/data/shakespeare.txt",
                    "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"),
    ),
    "daily_min_temperatures": (
        DatasetFile("daily-min-temperatures.csv", "datasets",
                    _BROWNLEE + "daily-min-temperatures.csv",
                    "8b9de63ed6789492bf497625e7f9beb96a63d367b4b0a21754006f749fa5e5da"),
    ),
    "monthly_sunspots": (
        DatasetFile("monthly-sunspots.csv", "datasets", _BROWNLEE + "monthly-sunspots.csv",
                    "c4ec8cc57d9f6fb6ecdb3e1f37f25b6f4badd5124c55931052b0cd2fc3bc71f3"),
    ),
}  # fmt: skip


def dataset_files(dataset: str) -> tuple[DatasetFile, ...]:
    """Return the files of ``dataset`` (a key of :data:`DATASETS`)."""
    if not isinstance(dataset, str):
        raise TypeError(f"dataset must be a str, got {type(dataset).__name__}")
    if dataset not in DATASETS:
        raise ValueError(f"unknown data set {dataset!r}; expected one of {sorted(DATASETS)}")
    return DATASETS[dataset]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fix_hint(dataset: str) -> str:
    return (
        f"To fix it, either connect to the internet once and run the loader again "
        f"(Keras downloads the file and caches it), or set the environment variable "
        f"KERAS_HOME to a writable folder holding a copy of the cache (with the file "
        f"at <KERAS_HOME>/{dataset_files(dataset)[0].subdir}/) before importing Keras."
    )


def _check_cached_files(dataset: str) -> None:
    """Raise if a cached file of ``dataset`` exists but has the wrong hash."""
    home = keras_cache_dir()
    for item in dataset_files(dataset):
        path = home / item.subdir / item.name
        if path.is_file() and _sha256(path) != item.sha256:
            raise DatasetUnavailableError(
                f"The cached file for data set {dataset!r} is corrupt or outdated: "
                f"{path} has SHA-256 {_sha256(path)}, expected {item.sha256}. "
                f"Delete it and run the loader again while online to download a fresh "
                f"copy from {item.origin}. {_fix_hint(dataset)}"
            )


def _unavailable(dataset: str, error: Exception) -> DatasetUnavailableError:
    home = keras_cache_dir()
    missing = [
        str(home / f.subdir / f.name)
        for f in dataset_files(dataset)
        if not (home / f.subdir / f.name).is_file()
    ]
    where = ", ".join(missing) if missing else str(home / dataset_files(dataset)[0].subdir)
    return DatasetUnavailableError(
        f"Data set {dataset!r} is not available: Keras looked for {where} in its cache "
        f"(KERAS_HOME={home}) and could not download it ({type(error).__name__}: {error}). "
        + _fix_hint(dataset)
    )


def _fetch(dataset: str) -> list[Path]:
    """Return local paths of all files of ``dataset``, downloading missing ones."""
    import keras

    _check_cached_files(dataset)
    paths = []
    for item in dataset_files(dataset):
        try:
            path = keras.utils.get_file(
                fname=item.name,
                origin=item.origin,
                file_hash=item.sha256,
                cache_subdir=item.subdir,
            )
        except Exception as error:  # network errors, bad downloads
            raise _unavailable(dataset, error) from error
        paths.append(Path(path))
    return paths


def _load_with_keras(dataset: str, loader) -> tuple[ArrayPair, ArrayPair]:
    _check_cached_files(dataset)
    try:
        return loader()
    except Exception as error:
        raise _unavailable(dataset, error) from error


def load_mnist() -> tuple[ArrayPair, ArrayPair]:
    """MNIST handwritten digits through ``keras.datasets.mnist.load_data()``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        ``(60000, 28, 28)`` and ``(10000, 28, 28)`` with values 0..255, and uint8
        labels 0..9.
    """
    import keras

    return _load_with_keras("mnist", keras.datasets.mnist.load_data)


def load_fashion_mnist() -> tuple[ArrayPair, ArrayPair]:
    """Fashion-MNIST through ``keras.datasets.fashion_mnist.load_data()``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)`` as for :func:`load_mnist`; class
        names are in :data:`FASHION_MNIST_CLASSES`.
    """
    import keras

    return _load_with_keras("fashion_mnist", keras.datasets.fashion_mnist.load_data)


def load_sentence_polarity() -> tuple[np.ndarray, np.ndarray]:
    """Movie-review sentence polarity data v1.0 (Pang and Lee, 2005).

    10,662 review snippets from Rotten Tomatoes, half positive and half negative,
    as used by Kim (2014). The files are Latin-1 encoded, one snippet per line,
    already lower-cased and tokenized (punctuation split off by spaces).

    Returns:
        ``texts`` (array of str, positives first) and ``labels`` (int32, 1 =
        positive, 0 = negative). Shuffle before splitting.
    """
    pos_path, neg_path = _fetch("sentence_polarity")
    # split on "\n" only: str.splitlines() would also split at the Latin-1 byte 0x85
    pos = pos_path.read_text(encoding="latin-1").rstrip("\n").split("\n")
    neg = neg_path.read_text(encoding="latin-1").rstrip("\n").split("\n")
    texts = np.array([line.strip() for line in pos + neg], dtype=object)
    labels = np.array([1] * len(pos) + [0] * len(neg), dtype=np.int32)
    return texts, labels


def load_shakespeare() -> str:
    """The 'tiny Shakespeare' text (Karpathy's char-rnn corpus), 1,115,394 characters."""
    (path,) = _fetch("shakespeare")
    return path.read_text(encoding="utf-8")


def _load_series_csv(dataset: str, value_name: str) -> pd.DataFrame:
    import pandas as pd

    (path,) = _fetch(dataset)
    frame = pd.read_csv(path)
    date_column, value_column = frame.columns
    frame[date_column] = pd.to_datetime(frame[date_column])
    frame = frame.rename(columns={date_column: "date", value_column: value_name})
    frame[value_name] = frame[value_name].astype("float32")
    return frame.set_index("date")


def load_daily_min_temperatures() -> pd.DataFrame:
    """Daily minimum temperatures in Melbourne, 1981-1990 (Australian Bureau of Meteorology).

    Returns:
        A DataFrame with a daily ``DatetimeIndex`` named ``date`` and one float32
        column ``temp`` (degrees Celsius), 3,650 rows.
    """
    return _load_series_csv("daily_min_temperatures", "temp")


def load_monthly_sunspots() -> pd.DataFrame:
    """Monthly mean sunspot numbers, 1749-1983 (Andrews and Herzberg, 1985).

    Returns:
        A DataFrame with a monthly ``DatetimeIndex`` named ``date`` and one float32
        column ``sunspots``, 2,820 rows.
    """
    return _load_series_csv("monthly_sunspots", "sunspots")
