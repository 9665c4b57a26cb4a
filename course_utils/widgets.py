"""Interactive explorers: controls that redraw a figure, for JupyterLab and Colab.

An *explorer* is a drawing function ``draw(**values) -> Figure`` plus one control per
argument. Moving a control calls ``draw`` again with the new values and shows the new
figure in place. The computation behind each chapter's explorer is a pure function in
``course_utils.explorers.chNN`` (unit-tested, fast); this module is only the thin layer
that turns it into widgets, and it is the same for every chapter.

Committed notebooks stay readable: an explorer's output carries, beside the live
widget, a PNG of its default state, so GitHub, the HTML book and nbval see a real
figure. No threads are started and nothing keeps running after a redraw.

Introduced in chapter 01 (the neuron explorer).

    from course_utils.widgets import explorer, slider, choice

    explorer(draw_neuron, w1=slider(-3, 3, 1.0), w2=slider(-3, 3, -1.0),
             activation=choice(["sigmoid", "tanh", "relu"]))
"""

from __future__ import annotations

import base64
import html
import io
import time
from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import Any

from matplotlib.figure import Figure

__all__ = ["Explorer", "choice", "explorer", "figure_png", "slider"]


def figure_png(fig: Figure, *, dpi: int = 80) -> bytes:
    """Render ``fig`` to PNG bytes (and release it: the figure is not shown elsewhere)."""
    if not isinstance(fig, Figure):
        raise TypeError(
            f"a drawing function must return a matplotlib Figure, got {type(fig).__name__}"
        )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def slider(
    low: float, high: float, value: float | None = None, *, step: float | None = None,
    description: str | None = None,
) -> Any:
    """A slider from ``low`` to ``high`` starting at ``value`` (default: the middle).

    Integers everywhere give an ``IntSlider``; otherwise a ``FloatSlider`` with 100
    steps unless ``step`` is given. The figure redraws when the handle is released
    (or moved with the arrow keys), not at every pixel of a drag.
    """
    import ipywidgets as widgets

    for name, number in (("low", low), ("high", high), ("value", value), ("step", step)):
        if number is not None and (isinstance(number, bool) or not isinstance(number, Real)):
            raise TypeError(f"slider {name} must be a number, got {type(number).__name__}")
    if not low < high:
        raise ValueError(f"slider needs low < high, got low={low}, high={high}")
    if value is None:
        both_int = isinstance(low, Integral) and isinstance(high, Integral)
        value = (low + high) // 2 if both_int else (low + high) / 2
    if not low <= value <= high:
        raise ValueError(f"slider value {value} is outside [{low}, {high}]")
    common = {"continuous_update": False, "style": {"description_width": "initial"},
              "layout": widgets.Layout(width="320px")}  # fmt: skip
    if description is not None:
        common["description"] = description
    integral = all(isinstance(n, Integral) for n in (low, high, value)) and (
        step is None or isinstance(step, Integral)
    )
    if integral:
        return widgets.IntSlider(value=value, min=low, max=high, step=step or 1, **common)
    step = step if step is not None else (high - low) / 100
    return widgets.FloatSlider(value=value, min=low, max=high, step=step,
                               readout_format=".3g", **common)  # fmt: skip


def choice(options: Sequence[Any], value: Any = None, *, description: str | None = None) -> Any:
    """A drop-down of ``options`` (strings or numbers), starting at ``value`` (default:
    the first option)."""
    import ipywidgets as widgets

    if isinstance(options, (str, bytes)) or not isinstance(options, Sequence) or not options:
        raise TypeError("choice needs a non-empty list of options")
    options = list(options)
    if value is None:
        value = options[0]
    if value not in options:
        raise ValueError(f"choice value {value!r} is not one of {options}")
    kwargs = {"description": description} if description is not None else {}
    return widgets.Dropdown(options=options, value=value,
                            style={"description_width": "initial"}, **kwargs)  # fmt: skip


class Explorer:
    """Controls that redraw ``draw(**values)``; create it with :func:`explorer`.

    Attributes:
        controls: the widgets, by the name of the argument each one sets.
        image: the ``ipywidgets.Image`` that shows the current figure.
        widget: the whole box (controls above, figure below).
        last_seconds: how long the last redraw took (drawing and PNG encoding).
    """

    def __init__(self, draw: Callable[..., Figure], controls: dict[str, Any],
                 title: str | None, dpi: int) -> None:  # fmt: skip
        import ipywidgets as widgets

        self.draw, self.controls, self.dpi = draw, controls, dpi
        self.last_seconds = 0.0
        self.image = widgets.Image(format="png")
        self.message = widgets.HTML()  # a redraw's error, shown where the learner looks
        for name, control in controls.items():
            if not getattr(control, "description", ""):
                control.description = name.replace("_", " ")
            control.observe(self._on_change, names="value")
        rows = [widgets.HTML(f"<b>{title}</b>")] if title else []
        rows.append(widgets.HBox(list(controls.values()),
                                 layout=widgets.Layout(flex_flow="row wrap")))  # fmt: skip
        rows += [self.message, self.image]
        # flex-start: the figure keeps its own size instead of being stretched to the box
        self.widget = widgets.VBox(rows, layout=widgets.Layout(align_items="flex-start"))
        self.widget.add_class("course-explorer")
        self.update()

    def values(self) -> dict[str, Any]:
        """The current value of every control, by argument name."""
        return {name: control.value for name, control in self.controls.items()}

    def render(self, **overrides: Any) -> bytes:
        """PNG bytes of ``draw`` at the current values, with ``overrides`` applied."""
        return figure_png(self.draw(**{**self.values(), **overrides}), dpi=self.dpi)

    def update(self) -> None:
        """Redraw the figure from the controls' current values."""
        start = time.perf_counter()
        self.image.value = self.render()
        self.last_seconds = time.perf_counter() - start

    def best_redraw_seconds(self, repeats: int = 3) -> float:
        """The fastest of ``repeats`` redraws at the current values, in seconds: what a
        redraw costs, without the noise of a busy machine (for tests)."""
        times = []
        for _ in range(repeats):
            self.update()
            times.append(self.last_seconds)
        return min(times)

    def _on_change(self, _change: dict) -> None:
        """Redraw after a control moved; an error is shown above the figure (a widget
        callback's traceback would otherwise only reach JupyterLab's log console)."""
        try:
            self.update()
        except Exception as error:  # noqa: BLE001 - any error of the drawing function
            text = html.escape(f"{type(error).__name__}: {error}")
            self.message.value = f"<pre style='color:#b00020'>redraw failed: {text}</pre>"
        else:
            self.message.value = ""

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data = dict(data)
        # The static fallback: frontends without widgets (GitHub, nbconvert, the book)
        # show the default state's figure.
        data["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        data["text/plain"] = "Explorer: " + ", ".join(
            f"{k}={v!r}" for k, v in self.values().items()
        )
        return data


def explorer(draw: Callable[..., Figure], *, title: str | None = None, dpi: int = 80,
             **controls: Any) -> Explorer:  # fmt: skip
    """An interactive figure: ``draw(**values)`` redrawn whenever a control moves.

    Args:
        draw: a function of keyword arguments that returns a matplotlib ``Figure``
            (made with ``Figure()`` or ``plt.subplots``; it is closed after rendering).
        title: a line shown above the controls.
        dpi: resolution of the rendered figure.
        **controls: one widget per argument of ``draw`` (:func:`slider`, :func:`choice`
            or any ipywidgets value widget).

    Returns:
        An :class:`Explorer`; leave it last in a cell to show it.
    """
    import ipywidgets as widgets

    if not callable(draw):
        raise TypeError(f"draw must be a function returning a Figure, got {type(draw).__name__}")
    if not controls:
        raise ValueError("an explorer needs at least one control, e.g. w=slider(-3, 3)")
    for name, control in controls.items():
        if not isinstance(control, widgets.ValueWidget):
            raise TypeError(
                f"control {name!r} must be a widget such as slider(...) or choice(...), "
                f"got {type(control).__name__}"
            )
    return Explorer(draw, dict(controls), title, dpi)
