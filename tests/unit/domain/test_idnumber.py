import datetime as dt

import pytest

from medaid.domain.idnumber import IdProblem, check_char, find_problem, make, mask, parse

TODAY = dt.date(2026, 11, 24)


def test_known_valid_number() -> None:
    # The GB 11643 standard's own example.
    assert check_char("11010519491231002") == "X"
    parsed = parse("11010519491231002x", today=TODAY)
    assert parsed.value.endswith("X")
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "F"
    assert parsed.region_code == "110105"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", IdProblem.EMPTY),
        ("1101051949123100", IdProblem.LENGTH),
        ("11010519491231002Y", IdProblem.CHARACTERS),
        ("99010519491231002X", IdProblem.REGION),
        ("110105194913310021", IdProblem.BIRTH_DATE),
        ("110105203012310021", IdProblem.BIRTH_DATE),
        ("110105194912310021", IdProblem.CHECK_DIGIT),
    ],
)
def test_problems_are_named(raw: str, problem: IdProblem) -> None:
    assert find_problem(raw, today=TODAY) == problem


def test_make_builds_valid_numbers_with_sex_parity() -> None:
    value = make("370830", dt.date(1980, 2, 29), 17, "M")
    assert find_problem(value, today=TODAY) is None
    assert parse(value, today=TODAY).sex == "M"
    assert parse(make("370830", dt.date(1980, 2, 29), 17, "F"), today=TODAY).sex == "F"


def test_mask_hides_the_middle() -> None:
    assert mask("370830198002290351") == "370830********0351"
    assert mask("12345") == "12*45"
    assert "9" not in mask("123999999456")[2:-2]
