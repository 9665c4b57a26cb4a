"""Where Keras caches downloaded data sets, and how to make an offline cache.

Keras stores every file it downloads under ``$KERAS_HOME/datasets`` (by default
``~/.keras/datasets``) and never downloads it again. Two facts matter:

* ``KERAS_HOME`` is read when ``keras`` is *imported*, so set it before that.
* Keras silently falls back to ``/tmp/.keras`` when ``KERAS_HOME`` is not
  writable, and then tries to download. An offline cache must therefore be a
  *writable copy*, which :func:`prepare_offline_cache` makes.

Introduced in chapter 00.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

__all__ = ["keras_cache_dir", "prepare_offline_cache"]


def keras_cache_dir(environ: dict[str, str] | None = None) -> Path:
    """Return the folder Keras will use as its home, exactly as Keras decides it.

    Args:
        environ: environment to read ``KERAS_HOME`` from. By default: the value
            Keras read when it was imported, or ``os.environ`` if Keras is not
            imported yet (Keras reads ``KERAS_HOME`` only once, at import).

    Returns:
        ``$KERAS_HOME`` if set and writable, else ``~/.keras`` if writable (or not
        yet created), else ``/tmp/.keras``. Data sets live in its ``datasets``
        subfolder.
    """
    if environ is None and "keras" in sys.modules:
        from keras.src.backend import config  # Keras has no public accessor for it

        environ = {"KERAS_HOME": config.keras_home()}
    env = os.environ if environ is None else environ
    home = env.get("KERAS_HOME")
    base = Path(home).expanduser() if home else Path("~/.keras").expanduser()
    if base.exists() and not os.access(base, os.W_OK):
        return Path(tempfile.gettempdir()) / ".keras"
    if not base.exists() and home:
        # Keras creates a missing KERAS_HOME when it can.
        parent = base.parent
        if not os.access(parent, os.W_OK):
            return Path(tempfile.gettempdir()) / ".keras"
    return base


def prepare_offline_cache(
    source: str | os.PathLike[str], destination: str | os.PathLike[str]
) -> Path:
    """Copy a read-only data-set cache to a writable folder usable as ``KERAS_HOME``.

    Args:
        source: a folder laid out like ``KERAS_HOME`` (with a ``datasets`` subfolder).
        destination: where to put the writable copy; created if missing. Files
            already there are kept (copying is skipped for them).

    Returns:
        The destination path; set ``KERAS_HOME`` to it before importing Keras.

    Raises:
        FileNotFoundError: if ``source`` has no ``datasets`` folder.
    """
    src = Path(source)
    if not (src / "datasets").is_dir():
        raise FileNotFoundError(
            f"{src} is not a Keras cache: expected a 'datasets' folder inside it"
        )
    dst = Path(destination)
    for path in sorted(src.rglob("*")):
        target = dst / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)  # copyfile: the copy is writable
    return dst
