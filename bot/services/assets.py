"""The asset register (资产台账) and stocktakes (盘点). One function per user action."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import groupby

from bot.domain.assets import Asset, Check, NewAsset, clean_tag, parse_add, read_asset_rows
from bot.domain.errors import DomainError
from bot.domain.messages import Photo
from bot.domain.people import Person
from bot.domain.repairs import RepairTicket
from bot.domain.roles import Role
from bot.exports.xlsx import Sheet, write_xlsx
from bot.render import offload
from bot.services import places as places_service
from bot.services import repairs as repairs_service
from bot.services.container import Services
from bot.services.people import Actor
from bot.texts import assets as t
from bot.texts import common as tc
from storage import assets as repo
from storage import audit
from storage import repairs as repairs_repo
from storage import stock as stock_repo
from storage.db import Tx


def _require(person: Person, *roles: Role) -> None:
    if not person.has(*roles):
        raise DomainError(tc.role_required(list(roles)))


async def _audit(tx: Tx, svc: Services, by: Person, action: str, detail: str) -> None:
    await audit.record(
        tx, now=svc.now(), actor_id=by.user_id, actor_name=by.name, action=action,
        subject="assets", detail=detail,
    )  # fmt: skip


async def add(svc: Services, words: list[str], *, by: Person) -> Asset:
    """``/assets add 空调 教学楼302 编号 KT-017 2019-09 3200元``: the place is stored by its
    listed name when it names one."""
    _require(by, Role.ADMIN)
    new = parse_add(words)
    async with svc.db.transaction() as tx:
        place = await places_service.canonical_location(tx, svc, new.place)
        asset_id = await repo.insert(tx, replace(new, place=place), svc.now())
        if asset_id is None:
            raise DomainError(t.tag_taken(new.tag))
        await _audit(tx, svc, by, "asset.add", f"{new.tag} {new.name} @ {place}")
        asset = await repo.by_id(tx, asset_id)
    assert asset is not None
    return asset


async def register_list(svc: Services, *, by: Person) -> list[Asset]:
    _require(by, Role.ADMIN, Role.SUPERVISOR, Role.STOREKEEPER)
    return await repo.all_assets(svc.db)


async def _asset(svc: Services, tag: str) -> Asset:
    asset = await repo.by_tag(svc.db, clean_tag(tag))
    if asset is None:
        raise DomainError(t.no_such_asset(tag))
    return asset


@dataclass(frozen=True)
class AssetRecord:
    asset: Asset
    repairs: list[RepairTicket]
    repair_cost: Decimal  # parts used at its repairs


async def record(svc: Services, tag: str) -> AssetRecord:
    """``/asset KT-017``: the asset, every repair linked to it and what its parts cost."""
    asset = await _asset(svc, tag)
    tickets = await repo.repairs_of(svc.db, asset.id)
    cost = Decimal(0)
    for ticket in tickets:
        cost += sum(
            (m.cost for m in await stock_repo.moves(svc.db, repair_id=ticket.id)), Decimal(0)
        )
    return AssetRecord(asset, tickets, cost)


async def link(
    svc: Services, tag: str, repair_id: int, *, by: Person, asset_id: int | None = None
) -> Asset:
    """``/asset KT-017 link 12`` or a tap under the parts question: repair #12 was on this
    asset. A repairer links only their own jobs."""
    _require(by, Role.ADMIN, Role.SUPERVISOR, Role.REPAIRER)
    found = await repo.by_id(svc.db, asset_id) if asset_id is not None else None
    asset = found or await _asset(svc, tag)
    async with svc.db.transaction() as tx:
        ticket = await repairs_repo.get(tx, repair_id)
        if ticket is None:
            raise DomainError(t.NO_SUCH_REPAIR)
        if not by.has(Role.SUPERVISOR) and ticket.assignee_id != by.user_id:
            raise DomainError(t.NOT_YOUR_REPAIR)
        await repo.link_repair(tx, asset.id, repair_id)
        await _audit(tx, svc, by, "asset.link", f"{asset.tag} ← #{repair_id}")
    return asset


# ---- stocktake (盘点) -------------------------------------------------------------------
@dataclass(frozen=True)
class PlaceChecklist:
    stocktake_id: int
    place: str
    assets: list[tuple[Asset, Check | None, int | None]]  # result, repair made of it


async def _checklists(
    svc: Services, stocktake_id: int, only_place: str | None = None
) -> list[PlaceChecklist]:
    building = await repo.stocktake_building(svc.db, stocktake_id)
    if building is None:
        raise DomainError(t.NO_STOCKTAKE)
    done = await repo.checks(svc.db, stocktake_id)
    assets = await repo.in_building(svc.db, building)
    lists = []
    for place, group in groupby(assets, key=lambda a: a.place):
        if only_place is not None and place != only_place:
            continue
        rows = [
            (
                a,
                done[a.id].result if a.id in done else None,
                done[a.id].repair_id if a.id in done else None,
            )
            for a in group
        ]
        lists.append(PlaceChecklist(stocktake_id, place, rows))
    return lists


async def start_stocktake(svc: Services, building: str, *, by: Person) -> list[PlaceChecklist]:
    """``/stocktake 教学楼``: one checklist per place of the building's assets."""
    _require(by, Role.ADMIN)
    building = building.strip()
    if not building:
        raise DomainError(t.STOCKTAKE_USAGE)
    if not await repo.in_building(svc.db, building):
        raise DomainError(t.no_assets_in(building))
    async with svc.db.transaction() as tx:
        stocktake_id = await repo.start_stocktake(tx, building, by.user_id, by.name, svc.now())
        await _audit(tx, svc, by, "asset.stocktake", building)
    return await _checklists(svc, stocktake_id)


async def check(
    svc: Services, stocktake_id: int, asset_id: int, result: Check, *, by: Person
) -> tuple[PlaceChecklist, int | None]:
    """One tick. 损坏 becomes a repair report at the asset's place, linked to the asset
    (once: ticking 损坏 again does not file a second report)."""
    _require(by, Role.ADMIN, Role.SUPERVISOR, Role.STOREKEEPER)
    asset = await repo.by_id(svc.db, asset_id)
    if asset is None or await repo.stocktake_building(svc.db, stocktake_id) is None:
        raise DomainError(t.NO_STOCKTAKE)
    earlier = (await repo.checks(svc.db, stocktake_id)).get(asset_id)
    repair_id: int | None = None
    if result is Check.DAMAGED and (earlier is None or earlier.repair_id is None):
        reported = await repairs_service.report(
            svc,
            reporter=Actor.of(by),
            location=asset.place,
            description=t.damaged_description(asset),
            category=asset.category,
            ack=None,  # the checker's answer and the checklist say 已报修 #N
        )
        repair_id = reported.ticket.id
    async with svc.db.transaction() as tx:
        await repo.record_check(tx, stocktake_id, asset_id, result, by.name, svc.now(), repair_id)
        if repair_id is not None:
            await repo.link_repair(tx, asset_id, repair_id)
    lists = await _checklists(svc, stocktake_id, asset.place)
    return lists[0], repair_id


async def add_note(
    svc: Services, stocktake_id: int, asset_id: int, *, by: Person, note: str = "",
    photo: Photo | None = None,
) -> Asset:  # fmt: skip
    """A note or photo for a ticked asset (缺失/损坏); a photo of a damaged one also goes
    to its repair report, so the repairer sees it."""
    _require(by, Role.ADMIN, Role.SUPERVISOR, Role.STOREKEEPER)
    asset = await repo.by_id(svc.db, asset_id)
    if asset is None:
        raise DomainError(t.NO_STOCKTAKE)
    checked = (await repo.checks(svc.db, stocktake_id)).get(asset_id)
    async with svc.db.transaction() as tx:
        path = photo.path if photo else None
        if not await repo.add_note(tx, stocktake_id, asset_id, note.strip()[:200] or None, path):
            raise DomainError(t.NO_STOCKTAKE)
        if photo is not None and checked is not None and checked.repair_id is not None:
            await repairs_repo.add_photos(
                tx, checked.repair_id, (photo,), kind="before", by=by.user_id, now=svc.now()
            )
    return asset


# ---- exports ---------------------------------------------------------------------------
_STOCKTAKE_HEADER = ["编号", "名称", "地点", "结果", "报修单", "说明", "照片", "盘点人", "时间"]


def _register_sheet(assets: Sequence[Asset]) -> Sheet:
    rows = [[a.tag, a.name, a.category.label, a.place, a.bought or "", a.value] for a in assets]
    total = sum((a.value or Decimal(0) for a in assets), Decimal(0))
    return Sheet(
        title="资产台账",
        header=["编号", "名称", "类别", "地点", "购置", "原值（元）"],
        rows=rows,
        totals=["合计", f"{len(assets)} 件", "", "", "", total],
    )


async def export_register(svc: Services, *, by: Person) -> bytes:
    assets = await register_list(svc, by=by)
    return await offload.build(write_xlsx, [_register_sheet(assets)], tz=svc.settings.timezone)


async def export_stocktake(svc: Services, *, by: Person) -> tuple[str, bytes]:
    """The latest stocktake: every asset of the building with its result (未盘 if none)."""
    _require(by, Role.ADMIN, Role.SUPERVISOR, Role.STOREKEEPER)
    stocktake_id = await repo.latest_stocktake(svc.db)
    if stocktake_id is None:
        raise DomainError(t.NO_STOCKTAKE)
    building = await repo.stocktake_building(svc.db, stocktake_id) or ""
    done = await repo.checks(svc.db, stocktake_id)
    rows = []
    for a in await repo.in_building(svc.db, building):
        c = done.get(a.id)
        rows.append([
            a.tag, a.name, a.place, c.result.label if c else "未盘",
            f"#{c.repair_id}" if c and c.repair_id else "", (c.note or "") if c else "",
            "有" if c and c.photo else "", c.by_name if c else "", c.at if c else None,
        ])  # fmt: skip
    missing = [r for r in rows if r[3] in ("缺失", "损坏")]
    sheets = [
        Sheet(
            title=f"盘点 {building}",
            header=_STOCKTAKE_HEADER,
            rows=rows,
        ),
        Sheet(
            title="缺失和损坏",
            header=_STOCKTAKE_HEADER,
            rows=missing,
        ),
    ]
    data = await offload.build(write_xlsx, sheets, tz=svc.settings.timezone)
    return building, data


# ---- import from the register kept in Excel ---------------------------------------------
@dataclass(frozen=True)
class AssetImport:
    import_id: int
    new: list[NewAsset]  # tags not registered yet
    total: int
    skipped: tuple[int, ...]


async def preview_import(svc: Services, file_name: str, data: bytes, *, by: Person) -> AssetImport:
    _require(by, Role.ADMIN)
    if len(data) > places_service.MAX_IMPORT_BYTES:
        raise DomainError(t.IMPORT_TOO_LARGE)
    rows = await asyncio.to_thread(places_service.read_table, file_name, data)
    sheet = read_asset_rows(rows)
    if not sheet.assets:
        raise DomainError(t.IMPORT_EMPTY)
    async with svc.db.transaction() as tx:
        known = {a.tag for a in await repo.all_assets(tx)}
        new = [a for a in sheet.assets if a.tag not in known]
        import_id = await repo.save_import(tx, by.user_id, new, svc.now())
    return AssetImport(import_id, new, len(sheet.assets), sheet.skipped)


async def confirm_import(svc: Services, import_id: int, *, by: Person) -> int:
    _require(by, Role.ADMIN)
    async with svc.db.transaction() as tx:
        rows = await repo.take_import(tx, import_id, svc.now())
        if rows is None:
            raise DomainError(t.IMPORT_DONE_ALREADY)
        added = 0
        for new in rows:
            place = await places_service.canonical_location(tx, svc, new.place)
            if await repo.insert(tx, replace(new, place=place), svc.now()) is not None:
                added += 1
        await _audit(tx, svc, by, "asset.import", f"{added} 件")
    return added
