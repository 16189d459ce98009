"""Uploaded contract files: check the name says which kind it is, stream it to the data dir."""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from pathlib import Path

from fastapi import UploadFile

from medaid.errors import ContractError
from medaid.store.tables import CONTRACT_TABLES

MAX_UPLOAD = 512 * 1024 * 1024
_KINDS = sorted(CONTRACT_TABLES, key=len, reverse=True)


def contract_kind(file_name: str) -> tuple[str, str]:
    """(kind, extension) from an uploaded name like ``persons.csv`` or ``claims_2026-03.xlsx``."""
    name = Path(file_name).name.lower()
    stem, _, ext = name.rpartition(".")
    if ext not in ("csv", "xlsx"):
        raise ContractError(f"{file_name}: only .csv or .xlsx files can be loaded",
                            f"{file_name}：只能导入 .csv 或 .xlsx 文件", file=file_name)
    for kind in _KINDS:
        if stem == kind or re.match(rf"^{kind}[-_. ]", stem):
            return kind, ext
    raise ContractError(f"{file_name}: the name must start with a contract kind ({', '.join(CONTRACT_TABLES)})",
                        f"{file_name}：文件名须以数据类型开头（如 persons.csv）", file=file_name)


def save_upload(upload: UploadFile, data_dir: Path) -> Path:
    """Stream the upload to ``data_dir/uploads/<stamp>/<kind>.<ext>`` so the loader sees a contract name."""
    kind, ext = contract_kind(upload.filename or "")
    folder = data_dir / "uploads" / f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}"
    folder.mkdir(parents=True)
    target, size = folder / f"{kind}.{ext}", 0
    with target.open("wb") as out:
        while chunk := upload.file.read(1 << 20):
            size += len(chunk)
            if size > MAX_UPLOAD:
                raise ContractError(f"{upload.filename}: larger than {MAX_UPLOAD >> 20} MB; load it with the CLI",
                                    f"{upload.filename}：文件超过 {MAX_UPLOAD >> 20} MB，请用命令行导入")
            out.write(chunk)
    return target


def discard_upload(path: Path) -> None:
    """Remove an upload that will not be loaded (a replayed or conflicting request)."""
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()
