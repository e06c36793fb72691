"""Places (地点): the list, matching what people type, imports, QR stickers, history.
One function per user action; each owns its transaction."""

from __future__ import annotations

import asyncio
import csv
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from bot.domain.errors import DomainError
from bot.domain.messages import Photo
from bot.domain.people import Person
from bot.domain.places import (
    CODE_ALPHABET,
    CODE_LENGTH,
    ImportPreview,
    NewPlace,
    Place,
    match_place,
    parse_add,
    read_rows,
    replacement_advice,
)
from bot.domain.repairs import Category, RepairState, RepairTicket, has_words, read_caption
from bot.domain.stock import StockMove
from bot.render import offload
from bot.services.container import Services
from bot.services.people import Actor
from bot.texts import places as t
from bot.texts import repairs as repair_texts
from storage import audit
from storage import places as repo
from storage import repairs as repairs_repo
from storage import stock as stock_repo
from storage.db import Tx

if TYPE_CHECKING:
    from bot.services.repairs import Reported

MAX_ALBUM_PHOTOS = 10  # as many as a report takes
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 2000


async def _audit(tx: Tx, svc: Services, by: Person, action: str, detail: str) -> None:
    await audit.record(
        tx,
        now=svc.now(),
        actor_id=by.user_id,
        actor_name=by.name,
        action=action,
        subject="places",
        detail=detail,
    )


async def _new_code(tx: Tx) -> str:
    while True:  # 31^6 codes: a clash is rare, and checked
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not await repo.code_taken(tx, code):
            return code


async def _insert(tx: Tx, svc: Services, place: NewPlace) -> int | None:
    return await repo.insert(tx, place, await _new_code(tx), svc.now())


@dataclass(frozen=True)
class PlaceList:
    places: list[Place]
    unmatched: list[tuple[str, int]]  # typed, times seen


async def overview(svc: Services) -> PlaceList:
    return PlaceList(await repo.all_places(svc.db), await repo.unmatched(svc.db))


async def add(svc: Services, args: list[str], *, by: Person) -> Place:
    new = parse_add(args)
    async with svc.db.transaction() as tx:
        place_id = await _insert(tx, svc, new)
        if place_id is None:
            raise DomainError(t.already_listed(new.name))
        await _audit(tx, svc, by, "place.add", new.name)
        place = await repo.by_id(tx, place_id)
    assert place is not None
    return place


async def find(svc: Services, typed: str) -> Place:
    """The place ``typed`` names (as a person would type it), else a DomainError."""
    places = await repo.all_places(svc.db)
    mapped = await repo.alias_place(svc.db, typed)
    place = next((p for p in places if p.id == mapped), None) or match_place(typed, places)
    if place is None:
        raise DomainError(t.no_such_place(typed))
    return place


async def by_code(svc: Services, code: str) -> Place | None:
    return await repo.by_code(svc.db, code)


async def canonical_location(tx: Tx, svc: Services, typed: str) -> str:
    """What a repair stores as its location: a listed place's canonical name when ``typed``
    names one (or was mapped to one), else the text as typed, noted for an admin to map.
    An empty place list changes nothing (a school that has not set places up)."""
    if not typed:
        return typed
    places = await repo.all_places(tx)
    if not places:
        return typed
    mapped = await repo.alias_place(tx, typed)
    place = next((p for p in places if p.id == mapped), None) or match_place(typed, places)
    if place is not None:
        return place.name
    await repo.note_unmatched(tx, typed, svc.now())
    return typed


async def map_typed(svc: Services, args: list[str], *, by: Person) -> tuple[str, Place]:
    """``/places map <typed> <place>``: the typed text is one word, the place the rest."""
    if len(args) < 2:
        raise DomainError(t.MAP_USAGE)
    typed, target = args[0], " ".join(args[1:])
    place = await find(svc, target)
    async with svc.db.transaction() as tx:
        await repo.map_alias(tx, typed, place.id, by.user_id, svc.now())
        await _audit(tx, svc, by, "place.map", f"{typed} → {place.name}")
    return typed, place


# ---- import ---------------------------------------------------------------------------
def read_table(file_name: str, data: bytes) -> list[list[str]]:
    """The first sheet of an .xlsx, or a .csv (UTF-8 or GBK), as rows of text."""
    suffix = PurePosixPath(file_name.lower()).suffix
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise DomainError(t.IMPORT_UNREADABLE)
        return [row for row in csv.reader(io.StringIO(text))][:MAX_IMPORT_ROWS]
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise DomainError(t.IMPORT_UNREADABLE) from exc
        sheet = book.worksheets[0]
        rows = [
            ["" if v is None else str(v) for v in row]
            for row in sheet.iter_rows(max_row=MAX_IMPORT_ROWS, values_only=True)
        ]
        book.close()
        return rows
    raise DomainError(t.IMPORT_WRONG_TYPE)


@dataclass(frozen=True)
class ImportDraft:
    import_id: int
    preview: ImportPreview
    new: list[NewPlace]  # not listed yet


async def preview_import(svc: Services, file_name: str, data: bytes, *, by: Person) -> ImportDraft:
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError(t.IMPORT_TOO_LARGE)
    rows = await asyncio.to_thread(read_table, file_name, data)
    preview = read_rows(rows)
    if not preview.places:
        raise DomainError(t.IMPORT_EMPTY)
    async with svc.db.transaction() as tx:
        listed = {p.name for p in await repo.all_places(tx)}
        new = [p for p in preview.places if p.name not in listed]
        import_id = await repo.save_import(tx, by.user_id, new, svc.now())
    return ImportDraft(import_id, preview, new)


async def confirm_import(svc: Services, import_id: int, *, by: Person) -> int:
    """Adds the previewed places; how many were added (a second tap adds nothing)."""
    async with svc.db.transaction() as tx:
        rows = await repo.take_import(tx, import_id, svc.now())
        if rows is None:
            raise DomainError(t.IMPORT_DONE_ALREADY)
        added = 0
        for place in rows:
            if await _insert(tx, svc, place) is not None:
                added += 1
        await _audit(tx, svc, by, "place.import", f"{added} 个地点")
    return added


async def in_building(svc: Services, building: str | None) -> list[Place]:
    places = await repo.all_places(svc.db, building or None)
    if not places:
        raise DomainError(t.no_places_in(building) if building else t.NO_PLACES)
    return places


# ---- QR stickers ----------------------------------------------------------------------
@dataclass(frozen=True)
class StickerSheet:
    pdf: bytes
    preview_png: bytes
    count: int
    file_name: str


async def stickers(svc: Services, building: str | None) -> StickerSheet:
    """The printable stickers of one building (or every place), rendered off the event loop."""
    from bot.domain.places import deep_link
    from bot.render.stickers import Sticker, preview_png, sticker_pdf

    if not svc.bot_username:
        raise DomainError(t.NO_BOT_USERNAME)
    places = await in_building(svc, building)
    items = [Sticker(p.name, deep_link(svc.bot_username, p.code), t.QR_SCAN) for p in places]
    pdf = await offload.build(sticker_pdf, items)
    png = await asyncio.to_thread(preview_png, items)
    name = f"报修二维码-{building}.pdf" if building else "报修二维码.pdf"
    return StickerSheet(pdf, png, len(items), name)


async def report_at(
    svc: Services, reporter: Person, place_name: str, caption: str, photos: Sequence[Photo]
) -> Reported:
    """A report from a QR sticker: the place is the sticker's; the caption, if any, says
    what is wrong (a place typed in it is ignored: the sticker knows better)."""
    # Imported here: the repair service imports this module for canonical_location().
    from bot.services import repairs

    reading = read_caption(caption) if has_words(caption) else None
    description = (reading.description if reading else "") or repair_texts.SEE_PHOTO
    return await repairs.report(
        svc,
        reporter=Actor.of(reporter),
        location=place_name,
        description=description,
        category=reading.category if reading else None,
        urgency=reading.urgency if reading else None,
        photos=photos,
        ack=repairs.caption_ack,  # 「已提交」 with its buttons, queued with the report
    )


# ---- a place's history ----------------------------------------------------------------
@dataclass(frozen=True)
class PlaceHistory:
    place: Place
    repairs: list[RepairTicket]
    advice: list[tuple[Category, int]]  # kinds of fault seen 3+ times in 90 days
    parts: dict[int, list[StockMove]]  # repair id -> parts used at it


async def history(svc: Services, typed: str) -> PlaceHistory:
    """``/place 302``: every repair at the place, whatever way its location was typed."""
    if not typed.strip():
        raise DomainError(t.PLACE_USAGE)
    place = await find(svc, typed)
    places = await repo.all_places(svc.db)
    locations = [
        location
        for location in await repo.repair_locations(svc.db)
        if location == place.name
        or (await repo.alias_place(svc.db, location)) == place.id
        or match_place(location, places) == place
    ]
    tickets = await repo.repairs_at(svc.db, locations)
    faults = [(r.category, r.created_at) for r in tickets if r.state is not RepairState.REJECTED]
    parts = {r.id: await stock_repo.moves(svc.db, repair_id=r.id) for r in tickets}
    return PlaceHistory(place, tickets, replacement_advice(faults, svc.now()), parts)


async def add_photo(svc: Services, repair_id: int, photo: Photo, *, by: Person) -> None:
    """Another photo of the album that filed a sticker report: it joins that report."""
    async with svc.db.transaction() as tx:
        ticket = await repairs_repo.get(tx, repair_id)
        if ticket is None or ticket.reporter_id != by.user_id:
            raise DomainError(repair_texts.NOT_FOUND)
        if len(await repairs_repo.photos(tx, repair_id, "before")) >= MAX_ALBUM_PHOTOS:
            return
        await repairs_repo.add_photos(
            tx, repair_id, (photo,), kind="before", by=by.user_id, now=svc.now()
        )
