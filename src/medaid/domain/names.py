"""Name normalisation for matching (姓名规范化): the form stored beside the name as written.

Full-width → half-width (NFKC), all spaces removed, the many middle dots of minority names
(·•‧・．) unified to '·', Latin letters upper-cased, traditional → simplified characters.
The written name is always kept too: normalisation is for joins, never for display.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_DOTS = re.compile(r"[·•‧・．.\u00b7\u2022\u2027\u30fb\uff0e\u2219]")
_SPACES = re.compile(r"\s+")

_to_simplified: Callable[[str], str] | None = None


def _simplify(text: str) -> str:
    global _to_simplified
    if _to_simplified is None:
        try:
            import opencc  # pure conversion table, no I/O beyond its packaged data

            _to_simplified = opencc.OpenCC("t2s").convert
        except Exception:  # pragma: no cover - opencc is a declared dependency
            _to_simplified = lambda s: s  # noqa: E731
    return _to_simplified(text)


def normalise_name(name: str) -> str:
    """The matching form of a name; idempotent (normalise(normalise(x)) == normalise(x))."""
    text = unicodedata.normalize("NFKC", name)
    text = _SPACES.sub("", text)
    text = _DOTS.sub("·", text)
    text = re.sub("·+", "·", text).strip("·")
    text = _simplify(text).upper()
    # NFKC again: the t2s table may emit compatibility forms; idempotence needs a fixed point.
    return unicodedata.normalize("NFKC", text)
