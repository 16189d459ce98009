"""The identity vault (身份信息加密存储): ID numbers AES-256-GCM encrypted in table ``identity``.

Ciphertext = base64(12-byte random nonce ‖ ciphertext+tag); the ``id_token`` is the associated
data, so a ciphertext copied onto another person's row fails to decrypt instead of revealing the
wrong number. ``reveal`` is the only way back to the raw number and callers must audit-log it.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, select

from medaid.domain.idnumber import mask, parse
from medaid.errors import ConfigError, NotFound
from medaid.privacy.keys import load_keys
from medaid.privacy.tokens import stem_tokeniser, tokeniser
from medaid.store.tables import identity

_NONCE = 12


def encryptor() -> Callable[[str, str], str]:
    """``encrypt(id_number, id_token) -> cipher text``, bound to the current key (for bulk use)."""
    aead = AESGCM(load_keys().aes_key)

    def encrypt(id_number: str, token: str) -> str:
        nonce = os.urandom(_NONCE)
        return base64.b64encode(nonce + aead.encrypt(nonce, id_number.encode("ascii"), token.encode("ascii"))).decode(
            "ascii"
        )

    return encrypt


def decrypt(cipher: str, token: str) -> str:
    """The ID number inside ``cipher``; a wrong key or a moved ciphertext is a ConfigError."""
    blob = base64.b64decode(cipher)
    try:
        plain = AESGCM(load_keys().aes_key).decrypt(blob[:_NONCE], blob[_NONCE:], token.encode("ascii"))
    except InvalidTag as exc:
        raise ConfigError(
            "identity ciphertext does not decrypt: wrong MEDAID_SECRET_KEY/key file, or the row was altered",
            "身份密文无法解密：密钥不对，或数据被改动",
        ) from exc
    return plain.decode("ascii")


def identity_rows(id_numbers: Iterable[str]) -> list[dict[str, Any]]:
    """Rows for ``identity`` from valid ID numbers (already checked by ``find_problem``)."""
    token, encrypt, stem = tokeniser(), encryptor(), stem_tokeniser()
    rows = []
    for raw in id_numbers:
        parsed = parse(raw)
        tok = token(parsed.value)
        rows.append({"id_token": tok, "id_cipher": encrypt(parsed.value, tok), "id_masked": mask(parsed.value),
                     "region_code": parsed.region_code, "birth_date": parsed.birth_date, "sex": parsed.sex,
                     "id_stem_token": stem(parsed.value[:17])})
    return rows


def store(conn: Connection, id_numbers: Iterable[str]) -> int:
    """Upsert identities (existing tokens are kept as they are); returns how many were offered.

    Bulk loads do the same through ``medaid.ingest.write``; this is for online use and tests.
    """
    rows = identity_rows(id_numbers)
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(identity).on_conflict_do_nothing(index_elements=["id_token"]), rows)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(sqlite_insert(identity).on_conflict_do_nothing(index_elements=["id_token"]), rows)
    return len(rows)


def reveal(conn: Connection, id_token: str) -> str:
    """The raw ID number of ``id_token``. Callers must audit-log the read (``sensitive_read``)."""
    cipher = conn.execute(select(identity.c.id_cipher).where(identity.c.id_token == id_token)).scalar_one_or_none()
    if cipher is None:
        raise NotFound(f"no identity for token {id_token}", f"没有令牌 {id_token} 对应的身份信息")
    return decrypt(cipher, id_token)
