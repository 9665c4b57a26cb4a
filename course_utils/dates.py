"""Dates written the way people write them, paired with the ISO date (chapter 08).

A small translation task that a sequence-to-sequence model learns on a CPU in a
minute: read ``"Tuesday, March 5, 2019"`` or ``"05.03.19"`` character by
character and write ``"2019-03-05"``. Chapter 08 trains an encoder-decoder on
it; chapter 09 adds attention to the same model.

The data are generated, never downloaded, and the same ``seed`` always gives
the same pairs::

    >>> from course_utils.dates import make_date_pairs
    >>> sources, targets = make_date_pairs(3, seed=0)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

__all__ = [
    "FORMATS",
    "FIRST_DATE",
    "LAST_DATE",
    "format_date",
    "random_dates",
    "make_date_pairs",
    "source_alphabet",
    "TARGET_ALPHABET",
]

FIRST_DATE = dt.date(1950, 1, 1)
LAST_DATE = dt.date(2049, 12, 31)

_MONTHS = [
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
]  # fmt: skip
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _ordinal(day: int) -> str:
    if 10 <= day % 100 <= 20:
        return f"{day}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


#: Human formats, by name. Each maps a ``datetime.date`` to a string.
FORMATS: dict[str, Callable[[dt.date], str]] = {
    "long": lambda d: f"{_MONTHS[d.month - 1]} {d.day}, {d.year}",
    "long_weekday": lambda d: f"{_DAYS[d.weekday()]}, {_MONTHS[d.month - 1]} {d.day}, {d.year}",
    "short_month": lambda d: f"{d.day} {_MONTHS[d.month - 1][:3]} {d.year}",
    "ordinal": lambda d: f"the {_ordinal(d.day)} of {_MONTHS[d.month - 1]} {d.year}",
    "us_slashes": lambda d: f"{d.month}/{d.day}/{d.year}",
    "eu_dots": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "eu_short_year": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year % 100:02d}",
    "lower_short": lambda d: f"{_MONTHS[d.month - 1][:3].lower()} {d.day:02d} {d.year}",
    "iso": lambda d: d.isoformat(),
}

#: Every character an ISO target can contain.
TARGET_ALPHABET = "0123456789-"


def format_date(date: dt.date, style: str) -> str:
    """Write ``date`` in one of the :data:`FORMATS` (``"long"``, ``"us_slashes"``, ...).

    ``eu_short_year`` keeps only two digits of the year, so it is ambiguous unless
    the year range is known (here 1950-2049: ``"49"`` means 2049, ``"50"`` 1950).
    """
    if not isinstance(date, dt.date):
        raise TypeError(f"date must be a datetime.date, got {type(date).__name__}")
    if style not in FORMATS:
        raise ValueError(f"style must be one of {sorted(FORMATS)}, got {style!r}")
    return FORMATS[style](date)


def random_dates(n: int, seed: int = 0) -> list[dt.date]:
    """``n`` dates drawn uniformly between :data:`FIRST_DATE` and :data:`LAST_DATE`."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    rng = np.random.default_rng(seed)
    span = (LAST_DATE - FIRST_DATE).days
    offsets = rng.integers(0, span + 1, size=int(n))
    return [FIRST_DATE + dt.timedelta(days=int(k)) for k in offsets]


def make_date_pairs(
    n: int, seed: int = 0, styles: list[str] | None = None
) -> tuple[list[str], list[str]]:
    """``n`` pairs (human-written date, ISO date), each in a randomly chosen style.

    Args:
        n: number of pairs.
        seed: the same seed gives the same pairs.
        styles: the formats to draw from (default: every format but ``"iso"``).

    Returns:
        ``(sources, targets)``, two lists of ``n`` strings; each target is
        ``"YYYY-MM-DD"`` (10 characters).
    """
    styles = [s for s in FORMATS if s != "iso"] if styles is None else list(styles)
    unknown = [s for s in styles if s not in FORMATS]
    if not styles or unknown:
        raise ValueError(f"styles must be a non-empty list from {sorted(FORMATS)}, got {styles}")
    dates = random_dates(n, seed)
    rng = np.random.default_rng([seed, 1])
    chosen = rng.integers(0, len(styles), size=len(dates))
    sources = [format_date(d, styles[k]) for d, k in zip(dates, chosen, strict=True)]
    return sources, [d.isoformat() for d in dates]


def source_alphabet() -> str:
    """Every character a human-written date can contain, sorted."""
    chars: set[str] = set()
    for month in range(1, 13):
        for day in (1, 2, 3, 11, 12, 21, 22, 23, 28):
            for year in (1950, 1999, 2049):
                d = dt.date(year, month, day)
                for style in FORMATS:
                    chars.update(FORMATS[style](d))
    chars.update(str(k) for k in range(10))
    return "".join(sorted(chars))
