"""Name normalisation invariants: idempotent, width- and space-insensitive."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from medaid.domain.names import normalise_name

hanzi = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
ascii_letters = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
names = st.text(st.one_of(hanzi, ascii_letters, st.sampled_from(" ·•・．\u3000")), min_size=1, max_size=12)


def to_fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text)


@given(st.text(max_size=20))
def test_idempotent_on_any_text(name: str) -> None:
    once = normalise_name(name)
    assert normalise_name(once) == once


@given(names)
def test_full_and_half_width_are_equal(name: str) -> None:
    assert normalise_name(to_fullwidth(name)) == normalise_name(name)


@given(names, st.lists(st.integers(0, 12), max_size=4))
def test_spaces_are_ignored(name: str, cuts: list[int]) -> None:
    spaced = name
    for cut in sorted(cuts, reverse=True):
        spaced = spaced[:cut] + " \u3000 " + spaced[cut:]
    assert normalise_name(spaced) == normalise_name(name)


def test_middle_dots_unify() -> None:
    assert normalise_name("买买提•艾力") == normalise_name("买买提・艾力") == "买买提·艾力"
