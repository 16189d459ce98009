"""Keys, tokens and the vault's cipher, without a database."""

from __future__ import annotations

import base64
import datetime as dt
import stat
from pathlib import Path

import pytest

from medaid.domain.idnumber import make
from medaid.errors import ConfigError
from medaid.privacy import keys
from medaid.privacy.tokens import id_token
from medaid.privacy.vault import decrypt, encryptor
from medaid.settings import get_settings

ID = make("370830", dt.date(1980, 2, 29), 17, "M")


def _reset(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    keys._keys_for.cache_clear()


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _reset(monkeypatch, MEDAID_KEY_FILE=str(tmp_path / "k" / "medaid.key"))
    first = id_token(ID)
    path = tmp_path / "k" / "medaid.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(base64.b64decode(path.read_text())) == 64
    keys._keys_for.cache_clear()
    assert id_token(ID) == first  # read back, not regenerated


def test_secret_key_from_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = base64.b64encode(bytes(range(64))).decode()
    _reset(monkeypatch, MEDAID_SECRET_KEY=secret, MEDAID_KEY_FILE=str(tmp_path / "unused.key"))
    token = id_token(ID)
    assert not (tmp_path / "unused.key").exists()
    _reset(monkeypatch, MEDAID_SECRET_KEY=base64.b64encode(bytes(range(1, 65))).decode())
    assert id_token(ID) != token  # keyed: another key, another token


@pytest.mark.parametrize("bad", ["not base64!!", base64.b64encode(b"short").decode()])
def test_malformed_secret_is_a_config_error(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    _reset(monkeypatch, MEDAID_SECRET_KEY=bad)
    with pytest.raises(ConfigError, match="MEDAID_SECRET_KEY"):
        id_token(ID)


def test_token_is_128_bit_hex_of_the_normalised_number() -> None:
    token = id_token(ID)
    assert len(token) == 32 and int(token, 16) >= 0
    wide = ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert id_token(f" {wide} ") == token
    assert "repr" not in repr(keys.load_keys()) and "hidden" in repr(keys.load_keys())


def test_cipher_round_trips_and_is_bound_to_its_token() -> None:
    token = id_token(ID)
    cipher = encryptor()(ID, token)
    assert ID not in cipher
    assert decrypt(cipher, token) == ID
    assert encryptor()(ID, token) != cipher  # random nonce
    with pytest.raises(ConfigError):
        decrypt(cipher, "0" * 32)
