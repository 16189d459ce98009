"""``id_token``: the join key for a person (身份令牌), a keyed hash of the normalised ID number.

HMAC-SHA256 with the secret HMAC key, first 128 bits as 32 hex characters. Keyed, so someone who
gets a database copy cannot rebuild tokens by hashing all ~10^10 plausible ID numbers; normalised
first (``medaid.domain.idnumber.normalise``), so a full-width or lower-case 'x' spelling of the same
number joins to the same person.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from medaid.domain.idnumber import normalise
from medaid.privacy.keys import load_keys

TOKEN_HEX_CHARS = 32


def tokeniser() -> Callable[[str], str]:
    """A fast ``id_token`` function bound to the current key, for tokenising many IDs in a loop."""
    base = hmac.new(load_keys().hmac_key, digestmod=hashlib.sha256)

    def token(id_number: str) -> str:
        mac = base.copy()
        mac.update(normalise(id_number).encode("utf-8"))
        return mac.hexdigest()[:TOKEN_HEX_CHARS]

    return token


def id_token(id_number: str) -> str:
    """The token of one ID number (hex of the first 128 bits of HMAC-SHA256 over its normal form)."""
    return tokeniser()(id_number)
