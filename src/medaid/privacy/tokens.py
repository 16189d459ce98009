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


STEM_KEY_LABEL = b"medaid/id-stem-token/v1"


def stem_key(hmac_key: bytes) -> bytes:
    """The subkey of stem tokens: HMAC(key, label), so a stem token never equals any ``id_token``.

    Derived (not a second secret) so one key file still covers everything; a different key means a
    stem token of 17 digits cannot be compared with, or confused for, the token of a full ID number.
    """
    return hmac.new(hmac_key, STEM_KEY_LABEL, hashlib.sha256).digest()


def stem_tokeniser() -> Callable[[str], str]:
    """``stem_token(first17)`` bound to the current key: keyed hash of the first 17 digits of an ID.

    Lets a row whose check digit is wrong be matched exactly to the valid ID with the same first 17
    digits without storing those digits (decision 0006, issue 3).
    """
    base = hmac.new(stem_key(load_keys().hmac_key), digestmod=hashlib.sha256)

    def stem_token(first17: str) -> str:
        mac = base.copy()
        mac.update(first17.encode("ascii"))
        return mac.hexdigest()[:TOKEN_HEX_CHARS]

    return stem_token


def id_stem_token(id_number: str) -> str | None:
    """The stem token of an ID number whose first 17 characters are digits, else ``None``."""
    value = normalise(id_number)
    first17 = value[:17]
    if len(value) != 18 or not (first17.isascii() and first17.isdigit()):
        return None
    return stem_tokeniser()(first17)
