"""course_utils.widgets: explorers redraw on a control change, carry a static PNG, and say
what was wrong with bad arguments or a failing drawing function."""

import base64

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils.widgets import Explorer, choice, explorer, figure_png, slider


def draw_wave(frequency=1.0, shape="sin"):
    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    x = np.linspace(0, 6, 50)
    ax.plot(x, getattr(np, shape)(frequency * x))
    return fig


def test_slider_picks_int_or_float_and_the_middle():
    assert isinstance(slider(0, 10), widgets.IntSlider) and slider(0, 10).value == 5
    s = slider(-1.0, 1.0, 0.25)
    assert isinstance(s, widgets.FloatSlider) and s.value == 0.25
    assert s.step == pytest.approx(0.02) and s.continuous_update is False
    assert slider(0, 1, step=0.5).step == 0.5


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: slider(1, 0), ValueError, "low < high"),
        (lambda: slider(0, 1, 2), ValueError, "outside"),
        (lambda: slider("0", 1), TypeError, "low must be a number"),
        (lambda: slider(0, True), TypeError, "high must be a number"),
        (lambda: choice([]), TypeError, "non-empty list"),
        (lambda: choice("abc"), TypeError, "non-empty list"),
        (lambda: choice(["a", "b"], "c"), ValueError, "not one of"),
        (lambda: explorer(42, f=slider(0, 1)), TypeError, "draw must be a function"),
        (lambda: explorer(draw_wave), ValueError, "at least one control"),
        (lambda: explorer(draw_wave, frequency=3.0), TypeError, "must be a widget"),
        (lambda: figure_png("not a figure"), TypeError, "must return a matplotlib Figure"),
    ],
)
def test_bad_arguments_say_what_was_expected(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_moving_a_control_redraws_and_the_output_carries_a_static_png():
    e = explorer(draw_wave, title="A wave", frequency=slider(0.5, 3.0, 1.0),
                 shape=choice(["sin", "cos"]))  # fmt: skip
    assert isinstance(e, Explorer) and e.values() == {"frequency": 1.0, "shape": "sin"}
    first = bytes(e.image.value)
    assert first.startswith(b"\x89PNG")
    e.controls["frequency"].value = 2.0
    second = bytes(e.image.value)
    e.controls["shape"].value = "cos"
    assert len({first, second, bytes(e.image.value)}) == 3  # each change drew a new figure
    assert 0 < e.last_seconds < 1.0
    bundle = e._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == bytes(e.image.value)
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == "Explorer: frequency=2.0, shape='cos'"
    assert e.controls["frequency"].description == "frequency"  # named after the argument


def test_render_with_overrides_leaves_the_controls_alone():
    e = explorer(draw_wave, frequency=slider(0.5, 3.0, 1.0))
    assert e.render(frequency=3.0) != e.image.value and e.values()["frequency"] == 1.0


def test_a_failing_redraw_is_shown_in_the_widget_and_cleared_by_the_next_one():
    def draw(x=0):
        if x == 3:
            raise ValueError("x must not be 3")
        return draw_wave(1.0 + x)

    e = explorer(draw, x=slider(0, 5, 0))
    before = e.image.value
    e.controls["x"].value = 3
    assert "redraw failed: ValueError: x must not be 3" in e.message.value
    assert e.image.value == before  # the last good figure stays
    e.controls["x"].value = 4
    assert e.message.value == "" and e.image.value != before


def test_best_redraw_seconds_is_the_fastest_of_several_redraws():
    e = explorer(draw_wave, frequency=slider(0.5, 3.0, 1.0))
    best = e.best_redraw_seconds(repeats=3)
    assert 0 < best <= e.last_seconds  # the last of the three redraws is no faster
    assert best < 1.0
