"""``policy_for``: the quote API parses a policy file once per version and notices every change."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from medaid.policy.quote_store import policy_for
from medaid.settings import get_settings

REFERENCE = get_settings().policies_dir / "reference-2026.yaml"


def _copy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    shutil.copy(REFERENCE, path)
    return path


def test_parsed_once_per_version(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    assert policy_for(path) is policy_for(path)


def test_an_edit_in_place_is_picked_up(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    first = policy_for(path)
    stat = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("id: reference-2026", "id: edited-2026x", 1),
                    encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # a coarse clock: same mtime, same inode
    edited = policy_for(path)
    assert first.id == "reference-2026" and edited.id == "edited-2026x"


def test_a_file_replaced_by_rename_is_picked_up(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    assert policy_for(path).id == "reference-2026"
    stat = path.stat()
    new = tmp_path / "policy.yaml.new"  # how editors and deploy tools save: write aside, rename over
    new.write_text(path.read_text(encoding="utf-8").replace("id: reference-2026", "id: renamed-2026", 1),
                   encoding="utf-8")
    os.utime(new, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    new.replace(path)
    assert policy_for(path).id == "renamed-2026"
