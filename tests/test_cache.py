import os
import stat

import pytest

from course_utils.cache import keras_cache_dir, prepare_offline_cache


def test_keras_cache_dir_uses_keras_home(tmp_path):
    assert keras_cache_dir({"KERAS_HOME": str(tmp_path)}) == tmp_path


def test_keras_cache_dir_defaults_to_home_dot_keras():
    assert keras_cache_dir({}) == keras_cache_dir({"HOME": "ignored"})
    assert keras_cache_dir({}).name == ".keras"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
def test_keras_cache_dir_falls_back_like_keras_when_not_writable(tmp_path):
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert keras_cache_dir({"KERAS_HOME": str(tmp_path)}).name == ".keras"
    finally:
        tmp_path.chmod(stat.S_IRWXU)


def test_keras_cache_dir_matches_keras_after_import():
    from keras.src.backend import config

    assert str(keras_cache_dir()) == config.keras_home()


def test_prepare_offline_cache_copies_writable_files(tmp_path):
    source = tmp_path / "ro"
    (source / "datasets" / "sub").mkdir(parents=True)
    (source / "datasets" / "sub" / "a.txt").write_text("data")
    (source / "datasets" / "sub" / "a.txt").chmod(stat.S_IRUSR)
    copy = prepare_offline_cache(source, tmp_path / "rw")
    target = copy / "datasets" / "sub" / "a.txt"
    assert target.read_text() == "data"
    assert os.stat(target).st_mode & stat.S_IWUSR
    # existing files are kept, not overwritten
    target.write_text("changed")
    prepare_offline_cache(source, tmp_path / "rw")
    assert target.read_text() == "changed"


def test_prepare_offline_cache_rejects_a_folder_without_datasets(tmp_path):
    with pytest.raises(FileNotFoundError, match="expected a 'datasets' folder"):
        prepare_offline_cache(tmp_path, tmp_path / "out")
