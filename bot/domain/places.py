"""Places (地点): buildings → floors → rooms, and how a free-typed place finds its room.

People type a place the way they say it: 「302」, 「３０２」, 「302室」, 「教学楼302」,
「教学楼三楼302教室」. ``match_place`` reads all of these as the canonical 「教学楼 302教室」
when the place list makes it unambiguous, and returns None otherwise (the typed text is
then kept as typed, for an admin to map later).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.errors import DomainError
from bot.domain.repairs import Category, location_key, normalise_caption

MAX_NAME = 20
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes are read off paper
CODE_LENGTH = 6
CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
# The whole /start message of a sticker's link; an invite code (32 characters) never fits.
START_AT_PLACE = re.compile(rf"^/start(@\w+)? p[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


@dataclass(frozen=True)
class Place:
    id: int
    code: str  # short ASCII for the QR deep link (start=p<code>)
    building: str
    floor: str  # "3楼", or "" when unknown
    room: str

    @property
    def name(self) -> str:
        """The canonical name a repair stores: 「教学楼 302教室」."""
        return f"{self.building} {self.room}"


@dataclass(frozen=True)
class NewPlace:
    building: str
    floor: str
    room: str

    @property
    def name(self) -> str:
        return f"{self.building} {self.room}"


_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_CN_DIGITS.update({"八": 8, "九": 9})


def chinese_number(text: str) -> int | None:
    """「三」 → 3, 「十二」 → 12, 「12」 → 12; None if it is no small number."""
    if text.isdigit():
        return int(text)
    if text in _CN_DIGITS:
        return _CN_DIGITS[text]
    m = re.fullmatch(r"([一二三四五六七八九])?十([一二三四五六七八九])?", text)
    if m:
        tens = _CN_DIGITS[m[1]] if m[1] else 1
        return tens * 10 + (_CN_DIGITS[m[2]] if m[2] else 0)
    return None


_FLOOR = re.compile(r"(\d{1,2}|[一二三四五六七八九十两]{1,3})(?:楼|层|F|f)(?![梯道顶])")
_ROOM_NUMBER = re.compile(r"[A-Za-z]?\d{3,4}[A-Za-z]?|[A-Za-z]\d{1,2}|\d{1,2}-\d{2,4}")
# What follows a room number or name and adds nothing: 302室, 302号, 302房间, 302教室.
_ROOM_SUFFIX = re.compile(r"(?:教室|房间|办公室|室|号房|号|房)$")
_FILLER = re.compile(r"[\s\-—－_·.,，、/／#＃第]+")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", normalise_caption(text)).replace("厕所", "厕")
    return _FILLER.sub("", text).lower()


def floor_of_room(room: str) -> str:
    """A room's floor from its number: 「302教室」 → 「3楼」, 「1205」 → 「12楼」; else ""."""
    m = re.search(r"(?<!\d)(\d{3,4})(?!\d)", normalise_caption(room))
    if not m or int(m[1][:-2]) == 0:
        return ""
    return f"{int(m[1][:-2])}楼"


def floor_number(text: str) -> int | None:
    """「3楼」, 「三楼」, 「3层」, 「3F」 → 3."""
    m = _FLOOR.search(_clean(text))
    return chinese_number(m[1]) if m else None


def _room_core(room: str) -> str:
    """What identifies a room inside its building: 「302教室」 → 「302」, 「男厕」 → 「男厕」."""
    cleaned = _clean(room)
    number = _ROOM_NUMBER.search(cleaned)
    if number:
        return number.group()
    return _ROOM_SUFFIX.sub("", cleaned) or cleaned


def _building_keys(building: str) -> list[str]:
    """How a building may be typed: 「男生宿舍楼」 also as 「男生宿舍」, and the reverse."""
    key = _clean(building)
    other = key[:-1] if key.endswith("楼") and len(key) > 2 else key + "楼"
    return sorted({key, other}, key=len, reverse=True)


@dataclass(frozen=True)
class _Typed:
    building: str | None  # the listed building named in the text, if any
    floor: int | None
    core: str  # the room part: 「302」, 「男厕」
    numbered: bool
    rest: str  # anything else typed (「宿舍」 in 「宿舍2楼男厕」): must fit the building


def _read(typed: str, buildings: Iterable[str]) -> _Typed:
    text = _clean(typed)
    found: str | None = None
    for building in sorted(set(buildings), key=len, reverse=True):
        key = next((k for k in _building_keys(building) if k in text), None)
        if key:
            found = building
            text = text.replace(key, "", 1)
            break
    floor: int | None = None
    m = _FLOOR.search(text)
    number = _ROOM_NUMBER.search(text)
    if m and not (number and number.start() < m.end() and m.start() < number.end()):
        floor = chinese_number(m[1])
        text = text[: m.start()] + text[m.end() :]
        number = _ROOM_NUMBER.search(text)
    if number:
        rest = _ROOM_SUFFIX.sub("", text[number.end() :]).strip("的")
        return _Typed(found, floor, number.group(), True, text[: number.start()] + rest)
    return _Typed(found, floor, _ROOM_SUFFIX.sub("", text) or text, False, "")


def _fits(reading: _Typed, place: Place) -> bool:
    core = _room_core(place.room)
    if reading.building is not None and reading.building != place.building:
        return False
    if reading.numbered:
        return reading.core == core and (
            not reading.rest or any(reading.rest in k for k in _building_keys(place.building))
        )
    if reading.core == core:
        return True
    # 「宿舍男厕」: part of the building's name typed before the room
    if not core or not reading.core.endswith(core) or reading.core == core:
        return False
    before = reading.core[: -len(core)]
    return any(before in k for k in _building_keys(place.building))


def match_place(typed: str, places: Sequence[Place]) -> Place | None:
    """The one place ``typed`` means, or None if it names none or several.

    「302」, 「３０２」, 「302室」, 「教学楼302」, 「教学楼三楼302教室」 → 教学楼 302教室
    (if only one building has a 302); 「宿舍2楼男厕」 → 男生宿舍 男厕 on 2楼.
    """
    if not typed.strip() or not places:
        return None
    key = _clean(typed)
    exact = [p for p in places if _clean(p.name) == key]
    if len(exact) == 1:
        return exact[0]
    # Read with the building taken out first, then as typed: 「物理实验室」 holds 「实验」
    # (实验楼 without 楼) but names a room, not the building.
    for buildings in ([p.building for p in places], []):
        reading = _read(typed, buildings)
        if not reading.core:
            continue
        candidates = [p for p in places if _fits(reading, p)]
        if reading.floor is not None:
            # A floor that contradicts a room's own floor is another place ("5楼302").
            candidates = [
                p for p in candidates if not p.floor or floor_number(p.floor) == reading.floor
            ]
        if len(candidates) == 1:
            return candidates[0]
    return None


def clean_part(text: str, what: str) -> str:
    value = " ".join(normalise_caption(text).split())
    if not value:
        raise DomainError(f"请写上{what}。")
    if len(value) > MAX_NAME:
        raise DomainError(f"{what}太长了，请控制在{MAX_NAME}个字以内。")
    return value


def new_place(building: str, room: str, floor: str = "") -> NewPlace:
    """One place as an admin types it; the floor is read from the room number if not given."""
    building = clean_part(building, "楼栋")
    room = clean_part(room, "房间")
    floor = " ".join(normalise_caption(floor).split())
    if floor:
        number = chinese_number(floor) if floor.isdigit() else floor_number(floor)
        floor = f"{number}楼" if number is not None else floor[:MAX_NAME]
    return NewPlace(building, floor or floor_of_room(room), room)


def parse_add(args: Sequence[str]) -> NewPlace:
    """``/places add 教学楼 302教室`` or ``/places add 教学楼 3楼 302教室``."""
    if len(args) == 2:
        return new_place(args[0], args[1])
    if len(args) == 3:
        return new_place(args[0], args[2], args[1])
    raise DomainError(
        "请这样写：/places add 教学楼 302教室（也可写楼层：/places add 教学楼 3楼 302教室）"
    )


_HEADERS = {
    "building": ("楼栋", "楼宇", "建筑", "楼", "楼名", "building"),
    "floor": ("楼层", "层", "floor"),
    "room": ("房间", "地点", "房间号", "教室", "位置", "名称", "room", "place"),
}


@dataclass(frozen=True)
class ImportPreview:
    places: tuple[NewPlace, ...]
    skipped: tuple[int, ...]  # 1-based row numbers that could not be read


def _header_columns(row: Sequence[str]) -> dict[str, int] | None:
    cells = [_clean(c) for c in row]
    found: dict[str, int] = {}
    for field, names in _HEADERS.items():
        for index, cell in enumerate(cells):
            if cell in names and index not in found.values():
                found[field] = index
                break
    return found if "building" in found and "room" in found else None


def read_rows(rows: Sequence[Sequence[str]]) -> ImportPreview:
    """Rows of a sheet (楼栋 | 楼层 | 房间, or 楼栋 | 房间, with or without a header row).
    A blank building repeats the one above (merged cells in Excel read that way)."""
    body = [[(c or "").strip() for c in row] for row in rows]
    columns = _header_columns(body[0]) if body else None
    start = 1 if columns else 0
    if columns is None:
        width = max((len([c for c in r if c]) for r in body), default=0)
        columns = (
            {"building": 0, "floor": 1, "room": 2} if width >= 3 else {"building": 0, "room": 1}
        )
    places: list[NewPlace] = []
    skipped: list[int] = []
    seen: set[str] = set()
    building = ""

    def cell(row: list[str], field: str) -> str:
        index = columns.get(field)
        return row[index] if index is not None and index < len(row) else ""

    for number, row in enumerate(body[start:], start=start + 1):
        if not any(row):
            continue
        building = cell(row, "building") or building
        try:
            place = new_place(building, cell(row, "room"), cell(row, "floor"))
        except DomainError:
            skipped.append(number)
            continue
        if location_key(place.name) not in seen:
            seen.add(location_key(place.name))
            places.append(place)
    return ImportPreview(tuple(places), tuple(skipped))


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start=p{code}"


def parse_start_payload(payload: str) -> str | None:
    """The place code in ``/start p<code>``, or None if the payload is something else."""
    if payload.startswith("p") and CODE_RE.match(payload[1:]):
        return payload[1:]
    return None


# ---- a place's history ----------------------------------------------------------------
REPLACE_WINDOW = timedelta(days=90)
REPLACE_THRESHOLD = 3


def replacement_advice(
    faults: Iterable[tuple[Category, datetime]], now: datetime
) -> list[tuple[Category, int]]:
    """Kinds of fault reported ``REPLACE_THRESHOLD`` or more times at one place in the last
    90 days, most first: repairing the same thing a third time suggests replacing it.
    「其他」 is no kind: three different odd faults say nothing about one thing."""
    counts: dict[Category, int] = {}
    for category, when in faults:
        if category is not Category.OTHER and now - when <= REPLACE_WINDOW:
            counts[category] = counts.get(category, 0) + 1
    advice = [(c, n) for c, n in counts.items() if n >= REPLACE_THRESHOLD]
    return sorted(advice, key=lambda item: -item[1])
