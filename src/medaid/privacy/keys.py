"""The 64-byte secret (32 bytes HMAC key + 32 bytes AES-256 key) and where it comes from.

Order: ``MEDAID_SECRET_KEY`` (base64, e.g. injected from a vault) wins; otherwise the key file from
settings (``MEDAID_KEY_FILE`` or ``<data_dir>/medaid.key``), created on first run with mode 0600.
Losing the key makes every token and ciphertext useless, so it is never regenerated silently: a
key file that exists but is malformed is an error, not a reason to write a new one.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from medaid.errors import ConfigError
from medaid.settings import get_settings

SECRET_BYTES = 64


@dataclass(frozen=True, slots=True)
class Keys:
    """The two halves of the secret; ``repr`` never shows them."""

    hmac_key: bytes
    aes_key: bytes

    def __repr__(self) -> str:
        return "Keys(<hidden>)"


def _decode(text: str, origin: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"{origin} is not valid base64", f"{origin} 不是有效的 base64") from exc
    if len(raw) != SECRET_BYTES:
        raise ConfigError(
            f"{origin} must decode to {SECRET_BYTES} bytes, got {len(raw)}; generate one with "
            "`python -c \"import base64,secrets;print(base64.b64encode(secrets.token_bytes(64)).decode())\"`",
            f"{origin} 解码后应为 {SECRET_BYTES} 字节，实际 {len(raw)} 字节",
        )
    return raw


def _read_or_create(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        text = base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii") + "\n"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(text)
    return _decode(path.read_text(encoding="ascii"), f"key file {path}")


@lru_cache(maxsize=4)
def _keys_for(secret_key: str | None, key_file: str) -> Keys:
    raw = _decode(secret_key, "MEDAID_SECRET_KEY") if secret_key else _read_or_create(Path(key_file))
    return Keys(hmac_key=raw[:32], aes_key=raw[32:])


def load_keys() -> Keys:
    """The keys for the current settings (cached per secret source)."""
    settings = get_settings()
    return _keys_for(settings.secret_key, str(settings.resolved_key_file().resolve()))
