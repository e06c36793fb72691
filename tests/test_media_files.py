"""Stored files: atomic writes under data_dir/folder/YYYY/MM, no escaping the data dir."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storage.files import UnsafePathError, delete_file, read_bytes, resolve, save_bytes

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


async def test_saved_photo_is_read_back_from_a_dated_folder(tmp_path: Path) -> None:
    when = datetime(2026, 11, 22, 9, 30, tzinfo=SHANGHAI)
    rel = await save_bytes(tmp_path, "photos", b"\xff\xd8jpeg", ".jpg", now=when)
    parts = rel.split("/")
    assert parts[:3] == ["photos", "2026", "11"]
    assert parts[3].endswith(".jpg") and len(parts[3]) == 32 + 4
    assert (tmp_path / rel).read_bytes() == b"\xff\xd8jpeg"
    assert await read_bytes(tmp_path, rel) == b"\xff\xd8jpeg"


async def test_each_save_gets_its_own_name_and_no_temp_files_remain(tmp_path: Path) -> None:
    rels = await asyncio.gather(*(save_bytes(tmp_path, "photos", b"x", "jpg") for _ in range(20)))
    assert len(set(rels)) == 20
    assert len(_files(tmp_path)) == 20
    assert [p for p in _files(tmp_path) if p.name.startswith(".tmp-")] == []


async def test_month_folder_follows_the_given_local_time(tmp_path: Path) -> None:
    # 23:30 UTC on 31 Oct is already 1 Nov in Shanghai.
    when = datetime(2026, 10, 31, 23, 30, tzinfo=ZoneInfo("UTC")).astimezone(SHANGHAI)
    rel = await save_bytes(tmp_path, "exports", b"x", ".xlsx", now=when)
    assert rel.startswith("exports/2026/11/") and rel.endswith(".xlsx")


async def test_failed_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        await save_bytes(tmp_path, "photos", b"data", ".jpg")
    assert _files(tmp_path) == []


@pytest.mark.parametrize(
    "rel",
    [
        "../secret.txt",
        "photos/../../secret.txt",
        "/etc/passwd",
        "",
        ".",
        "photos\\..\\..\\x",
        "photos/\x00.jpg",
    ],
)
async def test_paths_escaping_the_data_dir_are_refused(tmp_path: Path, rel: str) -> None:
    (tmp_path.parent / "secret.txt").write_text("no")
    with pytest.raises(UnsafePathError):
        await read_bytes(tmp_path, rel)


async def test_symlink_out_of_the_data_dir_is_refused(tmp_path: Path) -> None:
    outside = tmp_path.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "x.jpg").write_bytes(b"x")
    (tmp_path / "photos").symlink_to(outside)
    with pytest.raises(UnsafePathError):
        resolve(tmp_path, "photos/x.jpg")


@pytest.mark.parametrize(
    ("folder", "suffix"), [("../x", ".jpg"), ("Photos", ".jpg"), ("p", ".j/g")]
)
async def test_bad_folder_or_suffix_is_refused(tmp_path: Path, folder: str, suffix: str) -> None:
    with pytest.raises(UnsafePathError):
        await save_bytes(tmp_path, folder, b"x", suffix)


async def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await read_bytes(tmp_path, "photos/2026/11/none.jpg")


async def test_delete_file(tmp_path: Path) -> None:
    rel = await save_bytes(tmp_path, "photos", b"x", ".jpg")
    assert await delete_file(tmp_path, rel) is True
    assert await delete_file(tmp_path, rel) is False
