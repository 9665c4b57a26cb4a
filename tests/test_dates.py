"""course_utils.dates: the generated date-translation data of chapters 08 and 09."""

import datetime as dt

import pytest

from course_utils.dates import (
    FIRST_DATE,
    FORMATS,
    LAST_DATE,
    TARGET_ALPHABET,
    format_date,
    make_date_pairs,
    random_dates,
    source_alphabet,
)

DAY = dt.date(2019, 3, 5)  # a Tuesday


@pytest.mark.parametrize(
    "style, expected",
    [
        ("long", "March 5, 2019"),
        ("long_weekday", "Tuesday, March 5, 2019"),
        ("short_month", "5 Mar 2019"),
        ("ordinal", "the 5th of March 2019"),
        ("us_slashes", "3/5/2019"),
        ("eu_dots", "05.03.2019"),
        ("eu_short_year", "05.03.19"),
        ("lower_short", "mar 05 2019"),
        ("iso", "2019-03-05"),
    ],
)
def test_each_format_writes_the_date_as_people_do(style, expected):
    assert format_date(DAY, style) == expected


@pytest.mark.parametrize("day, word", [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"),
                                       (11, "11th"), (12, "12th"), (13, "13th"), (21, "21st"),
                                       (22, "22nd"), (23, "23rd"), (31, "31st")])  # fmt: skip
def test_ordinals_follow_english_rules(day, word):
    assert format_date(dt.date(2020, 1, day), "ordinal") == f"the {word} of January 2020"


def test_pairs_are_reproducible_and_correct():
    sources, targets = make_date_pairs(500, seed=3)
    assert (sources, targets) == make_date_pairs(500, seed=3)
    assert make_date_pairs(500, seed=4) != (sources, targets)
    assert len(sources) == len(targets) == 500
    for source, target in zip(sources, targets, strict=True):
        date = dt.date.fromisoformat(target)
        assert FIRST_DATE <= date <= LAST_DATE
        assert source in {format_date(date, s) for s in FORMATS if s != "iso"}
        assert set(target) <= set(TARGET_ALPHABET)
        assert set(source) <= set(source_alphabet())
    assert len({s for s in sources if "/" in s}) > 20  # several styles are used


def test_random_dates_cover_the_range():
    dates = random_dates(5000, seed=0)
    years = {d.year for d in dates}
    assert min(years) == 1950 and max(years) == 2049 and len(years) == 100


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(ValueError, match="style must be one of"):
        format_date(DAY, "klingon")
    with pytest.raises(TypeError, match="datetime.date"):
        format_date("2019-03-05", "long")
    with pytest.raises(ValueError, match="non-negative integer"):
        random_dates(-1)
    with pytest.raises(ValueError, match="styles must be"):
        make_date_pairs(3, styles=["nope"])
