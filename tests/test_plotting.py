import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from course_utils.plotting import (
    history_frame,
    plot_decision_boundary,
    plot_history,
    show_images,
)

HISTORY = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6],
           "accuracy": [0.5, 0.8, 0.9], "val_accuracy": [0.4, 0.7, 0.8]}  # fmt: skip


class FakeHistory:  # what keras' fit returns: an object with a .history dict
    history = HISTORY


@pytest.fixture(autouse=True)
def untouched_global_state():
    """No plotting function may change rcParams or leave pyplot figures open."""
    before = dict(matplotlib.rcParams)
    import matplotlib.pyplot as plt

    open_before = plt.get_fignums()
    yield
    assert dict(matplotlib.rcParams) == before
    assert plt.get_fignums() == open_before


def test_history_frame_from_history_dict_and_frame():
    frame = history_frame(FakeHistory())
    assert list(frame.index) == [1, 2, 3] and frame.index.name == "epoch"
    assert history_frame(HISTORY).equals(frame)
    assert history_frame(pd.DataFrame(HISTORY)).shape == (3, 4)


def test_history_frame_rejects_bad_input():
    with pytest.raises(TypeError, match="keras History"):
        history_frame([1, 2, 3])
    with pytest.raises(ValueError, match="one value per epoch"):
        history_frame({"loss": [1, 2], "val_loss": [1]})
    with pytest.raises(ValueError, match="no epochs"):
        history_frame({"loss": []})


def test_plot_history_one_panel_per_metric_with_train_and_validation():
    fig = plot_history(FakeHistory(), title="curves")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    loss_ax = fig.axes[0]
    train, val = loss_ax.get_lines()
    assert train.get_ydata().tolist() == HISTORY["loss"]
    assert val.get_ydata().tolist() == HISTORY["val_loss"] and val.get_linestyle() == "--"
    assert fig._suptitle.get_text() == "curves"


def test_plot_history_on_given_axes_and_metric_subset():
    fig = Figure()
    ax = fig.subplots()
    assert plot_history(HISTORY, ["accuracy"], ax=ax) is fig
    assert len(ax.get_lines()) == 2 and len(fig.axes) == 1


def test_plot_history_rejects_unknown_metric():
    with pytest.raises(ValueError, match=r"metrics \['auc'\] not in history"):
        plot_history(HISTORY, ["auc"])


def test_show_images_tiles_all_images_with_captions():
    images = np.arange(5 * 4 * 3, dtype=float).reshape(5, 4, 3)
    fig = show_images(images, labels=[0, 1, 2, 3, 4], predictions=[0, 1, 2, 3, 0],
                      class_names="abcde", ncols=3)  # fmt: skip
    ax = fig.axes[0]
    mosaic = ax.get_images()[0].get_array()
    assert mosaic.shape == (2 * 4 + 2, 3 * 3 + 2 * 2)  # 2 rows, 3 columns, 2-pixel gaps
    assert np.array_equal(mosaic[:4, 5:8], images[1])  # second tile, top row
    captions = [t.get_text() for t in ax.texts]
    assert captions == ["a → a", "b → b", "c → c", "d → d", "e → a"]
    assert ax.texts[4].get_color() == "crimson" and ax.texts[0].get_color() == "black"


def test_show_images_accepts_channels_last():
    fig = show_images(np.random.default_rng(0).random((4, 5, 5, 3)))
    assert fig.axes[0].get_images()[0].get_array().shape[-1] == 3
    assert show_images(np.zeros((2, 5, 5, 1))).axes[0].get_images()[0].get_array().ndim == 2


@pytest.mark.parametrize(
    ("images", "kwargs", "error", "match"),
    [
        (np.zeros((4, 4)), {}, ValueError, "images must be 3-D or 4-D"),
        (np.zeros((2, 4, 4, 2)), {}, ValueError, "c in 1, 3 or 4"),
        (np.zeros((0, 4, 4)), {}, ValueError, "at least one image"),
        (np.zeros((3, 4, 4)), {"labels": [1, 2]}, ValueError, "images has 3, labels has 2"),
        (np.zeros((3, 4, 4)), {"ncols": 0}, ValueError, "ncols must be a positive int"),
        ("pictures", {}, TypeError, "images must be an array-like"),
    ],
)
def test_show_images_rejects_bad_input(images, kwargs, error, match):
    with pytest.raises(error, match=match):
        show_images(images, **kwargs)


def test_plot_decision_boundary_shades_the_predicted_regions():
    x = np.array([[-1.0, 0.0], [1.0, 0.0]])
    fig = plot_decision_boundary(lambda g: (g[:, 0] > 0).astype(float), x, [0, 1], title="t")
    ax = fig.axes[0]
    assert ax.get_title() == "t" and len(ax.collections) >= 2
    # probabilities of shape (m, k) are argmax-ed
    fig = plot_decision_boundary(lambda g: np.c_[g[:, 0] < 0, g[:, 0] >= 0], x, [0, 1])
    assert isinstance(fig, Figure)


def test_plot_decision_boundary_rejects_bad_input():
    with pytest.raises(ValueError, match=r"x must have shape \(n, 2\)"):
        plot_decision_boundary(lambda g: g, np.zeros((3, 3)), [0, 1, 0])
    with pytest.raises(ValueError, match="x has 3, y has 2"):
        plot_decision_boundary(lambda g: g, np.zeros((3, 2)), [0, 1])
    with pytest.raises(TypeError, match="predict must be a function"):
        plot_decision_boundary("model", np.zeros((2, 2)), [0, 1])


# plot_confusion_matrix (chapter 06a)
from course_utils.plotting import plot_confusion_matrix  # noqa: E402


def test_plot_confusion_matrix_counts_true_rows_and_predicted_columns():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    fig = plot_confusion_matrix(y_true, y_pred, class_names=["a", "b", "c"], title="cm")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    matrix = np.asarray(ax.get_images()[0].get_array())
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert ax.get_xlabel() == "predicted class" and ax.get_title() == "cm"
    assert "2" in [t.get_text() for t in ax.texts]


def test_plot_confusion_matrix_normalized_on_given_axes():
    fig = Figure()
    ax = fig.subplots()
    assert plot_confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1], ax=ax, normalize=True) is fig
    matrix = np.asarray(ax.get_images()[0].get_array())
    assert np.allclose(matrix, [[0.5, 0.5], [0.0, 1.0]])
    assert np.allclose(matrix.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    ("y_true", "y_pred", "kwargs", "error", "match"),
    [
        ([0, 1], [0], {}, ValueError, "y_true has 2, y_pred has 1"),
        ([], [], {}, ValueError, "empty"),
        ([0, 1.5], [0, 1], {}, ValueError, "integer class labels"),
        ([0, -1], [0, 1], {}, ValueError, "integer class labels"),
        ([0, 3], [0, 1], {"class_names": ["a", "b"]}, ValueError, "only 2 names"),
        ("ab", [0, 1], {}, TypeError, "y_true must be an array-like"),
    ],
)
def test_plot_confusion_matrix_rejects_bad_input(y_true, y_pred, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_confusion_matrix(y_true, y_pred, **kwargs)
