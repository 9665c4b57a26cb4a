import numpy as np
import pytest

from course_utils.checks import (
    ExerciseFailure,
    answer_array,
    call_answer,
    call_answer_safely,
    diagnose_mistake,
    expect,
    expect_close,
    expect_equal,
    expect_shape,
    grade_prediction,
    passed,
)


def test_exercise_failure_is_an_assertion_error_naming_the_exercise():
    error = ExerciseFailure("2.1", "wrong")
    assert isinstance(error, AssertionError)
    assert str(error) == "Exercise 2.1: wrong" and error.exercise == "2.1"


def test_call_answer_returns_the_result():
    assert call_answer("1.1", lambda a, b=0: a + b, 1, b=2) == 3


def test_call_answer_says_when_the_exercise_is_not_started():
    def stub():
        raise NotImplementedError()

    with pytest.raises(ExerciseFailure, match="not solved yet"):
        call_answer("1.1", stub)


def test_call_answer_rejects_a_non_function():
    with pytest.raises(ExerciseFailure, match="expected a function, got int"):
        call_answer("1.1", 5)


def test_call_answer_lets_other_errors_through():
    def broken():
        raise KeyError("oops")

    with pytest.raises(KeyError):
        call_answer("1.1", broken)


def test_expect_and_expect_equal():
    expect("1", True, "never shown")
    with pytest.raises(ExerciseFailure, match="Exercise 1: custom"):
        expect("1", False, "custom")
    with pytest.raises(ExerciseFailure, match="units should be 16, got 8"):
        expect_equal("1", "units", 8, 16)


def test_expect_shape_reports_both_shapes():
    expect_shape("1", "output", np.zeros((2, 3)), (2, 3))
    with pytest.raises(ExerciseFailure, match=r"should have shape \(3, 2\), got \(2, 3\)"):
        expect_shape("1", "output", np.zeros((2, 3)), (3, 2))


def test_expect_close_reports_expected_given_and_difference():
    expect_close("1", "y", [1.0, 2.0], [1.0, 2.0 + 1e-9])
    with pytest.raises(ExerciseFailure) as error:
        expect_close("1", "y", [1.0, 2.5], [1.0, 2.0])
    message = str(error.value)
    assert "expected shape (2,) [1, 2]" in message and "got shape (2,) [1, 2.5]" in message
    assert "largest difference 0.5" in message
    with pytest.raises(ExerciseFailure, match=r"should have shape \(3,\), got \(2,\)"):
        expect_close("1", "y", [1.0, 2.0], [1.0, 2.0, 3.0])


def test_passed_prints_once_and_returns_the_message(capsys):
    message = passed("0.1", "Well done.")
    assert message == "Exercise 0.1 passed. Well done." and isinstance(message, str)
    assert capsys.readouterr().out == "Exercise 0.1 passed. Well done.\n"
    assert message._ipython_display_() is None  # as a cell's value it shows nothing more


def test_answer_array_converts_or_explains():
    assert answer_array("2.1", "grad_w", [[1, 2]]).dtype == np.float64
    forgot = "grad_w should be an array of numbers, got None: did you forget `return`"
    with pytest.raises(ExerciseFailure, match=forgot):
        answer_array("2.1", "grad_w", None)
    with pytest.raises(ExerciseFailure, match="the loss should be a number, got str"):
        answer_array("3.1", "the loss", "0.5", expected="a number")


OPTIONS = {"a": "the loss goes up", "b": "the loss goes down", "c": "nothing changes"}


def test_grade_prediction_accepts_the_right_letter(capsys):
    message = grade_prediction("9.9", lambda: " B ", options=OPTIONS, correct="b",
                               observed="The loss fell.", why="Because.")  # fmt: skip
    assert "Right: (b) the loss goes down" in message
    assert capsys.readouterr().out.count("passed") == 1


@pytest.mark.parametrize("answer", ["a", "c"])
def test_grade_prediction_rejects_a_wrong_letter_and_explains(answer):
    with pytest.raises(ExerciseFailure, match=r"you predicted .*run shows \(b\).*fell.*Because"):
        grade_prediction("9.9", lambda: answer, options=OPTIONS, correct="b",
                         observed="The loss fell.", why="Because.")  # fmt: skip


@pytest.mark.parametrize("answer", ["d", 2, None])
def test_grade_prediction_rejects_an_answer_that_is_no_option(answer):
    with pytest.raises(ExerciseFailure, match="should return one of 'a', 'b', 'c'"):
        grade_prediction("9.9", lambda: answer, options=OPTIONS, correct="b", observed="", why="")


def test_grade_prediction_says_when_not_started():
    def predict():
        raise NotImplementedError()

    with pytest.raises(ExerciseFailure, match="not solved yet"):
        grade_prediction("9.9", predict, options=OPTIONS, correct="b", observed="", why="")


def test_grade_prediction_needs_a_correct_key_among_the_options():
    with pytest.raises(ValueError, match="not one of the options"):
        grade_prediction("9.9", lambda: "a", options=OPTIONS, correct="z", observed="", why="")


def test_call_answer_safely_turns_errors_and_missing_returns_into_feedback():
    assert call_answer_safely("9.9", lambda x: x + 1, 1) == 2
    with pytest.raises(ExerciseFailure, match=r"raised ZeroDivisionError: .* \(mind the zeros\)"):
        call_answer_safely("9.9", lambda x: 1 / x, 0, hint="mind the zeros")
    with pytest.raises(ExerciseFailure, match="did you forget `return`"):
        call_answer_safely("9.9", lambda x: None, 0)
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        call_answer_safely("9.9", _unsolved)


def _unsolved():
    raise NotImplementedError()


def test_diagnose_mistake_names_the_mistake_unless_the_value_is_right():
    mistakes = {"the sign is flipped": -2.0, "off by one": np.array([3.0])}
    with pytest.raises(ExerciseFailure, match="Exercise 9.9: the loss is not right: the sign"):
        diagnose_mistake("9.9", "the loss", -2.0, mistakes)
    diagnose_mistake("9.9", "the loss", -2.0, mistakes, right=-2.0)  # coincides: no verdict
    diagnose_mistake("9.9", "the loss", 3.0, mistakes)  # shape () is not shape (1,)
    diagnose_mistake("9.9", "the loss", 1.5, mistakes)  # no known mistake: nothing said
