"""The storeroom (仓库): stock in, requisitions (物品领用) and parts used at repairs. Every
movement is a row (who, when, why) written in the same transaction as the quantity, and
the low-stock alert goes out once through the outbox."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from bot.domain.errors import DomainError
from bot.domain.messages import OutMessage
from bot.domain.people import Person
from bot.domain.purchases import Purchase
from bot.domain.repairs import RepairState, RepairTicket
from bot.domain.roles import Role
from bot.domain.stock import (
    StockItem,
    StockMove,
    check_unit,
    new_unit_cost,
    parse_amount,
    parse_parts,
    parse_request,
    parse_stock_in,
)
from bot.protocol import Ref, RefKind
from bot.services.container import Services
from bot.services.people import notify_person, notify_role
from bot.texts import assets as asset_texts
from bot.texts import common as tc
from bot.texts import stock as t
from storage import assets as assets_repo
from storage import audit
from storage import repairs as repairs_repo
from storage import stock as repo
from storage.db import Tx

KEEPERS = (Role.STOREKEEPER, Role.ADMIN)


def _require_keeper(person: Person) -> None:
    if not person.has(Role.STOREKEEPER):  # admins pass every check
        raise DomainError(tc.role_required([Role.STOREKEEPER]))


async def _audit(tx: Tx, svc: Services, by: Person, action: str, detail: str) -> None:
    await audit.record(
        tx, now=svc.now(), actor_id=by.user_id, actor_name=by.name, action=action,
        subject="stock", detail=detail,
    )  # fmt: skip


async def items(svc: Services) -> list[StockItem]:
    return await repo.all_items(svc.db)


async def item(svc: Services, item_id: int) -> StockItem:
    found = await repo.by_id(svc.db, item_id)
    if found is None:
        raise DomainError(t.NOT_FOUND)
    return found


async def _item(tx: Tx, name: str) -> StockItem:
    item = await repo.by_name(tx, name)
    if item is None:
        raise DomainError(t.no_such_item(name))
    return item


async def _take(
    tx: Tx,
    svc: Services,
    item: StockItem,
    quantity: Decimal,
    reason: str,
    by: Person,
    *,
    repair_id: int | None = None,
    requisition_id: int | None = None,
) -> StockItem:
    """Stock goes out: refused when short; below the minimum, one alert with a suggestion."""
    if quantity > item.quantity:
        raise DomainError(t.short(item, quantity))
    after = replace(item, quantity=item.quantity - quantity)
    if after.is_low and not item.alerted:
        after = replace(after, alerted=True)
        msg = OutMessage(t.low_stock(after))
        sent = 0
        for role in (Role.STOREKEEPER, Role.PURCHASER):
            sent += await notify_role(tx, svc, role, msg, ref=None)
        if sent == 0:
            await notify_role(tx, svc, Role.ADMIN, msg, ref=None)
    await repo.save_item(tx, after)
    await repo.add_move(
        tx, after, -quantity, reason, by_id=by.user_id, by_name=by.name, now=svc.now(),
        repair_id=repair_id, requisition_id=requisition_id,
    )  # fmt: skip
    return after


# ---- stock in -------------------------------------------------------------------------
async def _put(
    tx: Tx, svc: Services, item: StockItem, quantity: Decimal, price: Decimal | None,
    reason: str, by: Person,
) -> StockItem:  # fmt: skip
    """Stock comes in: the average cost follows the price; back at the minimum, the next
    shortage is news again."""
    cost = new_unit_cost(item, quantity, price)
    after = replace(item, quantity=item.quantity + quantity, unit_cost=cost)
    if not after.is_low:
        after = replace(after, alerted=False)
    await repo.save_item(tx, after)
    await repo.add_move(
        tx, after, quantity, reason, by_id=by.user_id, by_name=by.name, now=svc.now()
    )
    return after


async def receive_purchase(tx: Tx, svc: Services, purchase: Purchase, *, by: Person) -> int:
    """Called by the purchase service when a purchase is confirmed (same transaction): the
    lines that name a stocked item in its unit (灯管 50根) go into the storeroom. Food is
    never stocked here, so a canteen purchase changes nothing."""
    received = 0
    for line in purchase.lines:
        item = await repo.by_name(tx, line.item)
        if item is None or (line.unit and line.unit != item.unit):
            continue
        await _put(
            tx, svc, item, line.quantity, line.unit_price, t.reason_purchase(purchase.id), by
        )
        received += 1
    return received


async def stock_in(svc: Services, words: list[str], *, by: Person) -> StockItem:
    """``/stock in 灯管 50根 6.5``: a new item is created with the unit written here."""
    _require_keeper(by)
    new = parse_stock_in(words)
    async with svc.db.transaction() as tx:
        item = await repo.by_name(tx, new.name)
        if item is None:
            if not new.unit:
                raise DomainError(t.UNIT_NEEDED)
            await repo.insert_item(tx, new.name, new.unit, svc.now())
            item = await _item(tx, new.name)
        check_unit(item, new.unit)
        after = await _put(tx, svc, item, new.quantity, new.price, t.REASON_IN, by)
        await _audit(tx, svc, by, "stock.in", f"{new.name} +{new.quantity}")
    return after


async def set_minimum(svc: Services, words: list[str], *, by: Person) -> StockItem:
    """``/stock min 灯管 20``."""
    _require_keeper(by)
    if len(words) != 2:
        raise DomainError(t.MIN_USAGE)
    quantity, unit = parse_amount(words[1])
    async with svc.db.transaction() as tx:
        item = await _item(tx, words[0])
        check_unit(item, unit)
        after = replace(item, minimum=quantity)
        await repo.save_item(tx, after)
        await _audit(tx, svc, by, "stock.min", f"{item.name} {quantity}")
    return after


# ---- requisitions (物品领用) -------------------------------------------------------------
async def request(svc: Services, words: list[str], *, by: Person) -> int:
    """``/领用 作业本 40本 三年级二班``: refused at once when the storeroom has not enough."""
    req = parse_request(words)
    async with svc.db.transaction() as tx:
        item = await _item(tx, req.name)
        check_unit(item, req.unit)
        if req.quantity > item.quantity:
            raise DomainError(t.short(item, req.quantity))
        req_id = await repo.insert_requisition(
            tx, item, req.quantity, req.purpose, by.user_id, by.name, svc.now()
        )
        msg = OutMessage(
            t.request_to_keeper(req_id, by.name, item, req.quantity, req.purpose),
            t.keeper_buttons(req_id),
        )
        sent = await notify_role(tx, svc, Role.STOREKEEPER, msg, ref=t.ref(req_id))
        if sent == 0:
            await notify_role(tx, svc, Role.ADMIN, msg, ref=t.ref(req_id))
        await _audit(tx, svc, by, "stock.request", f"#{req_id} {item.name} {req.quantity}")
    svc.kick_outbox()
    return req_id


@dataclass(frozen=True)
class Decided:
    req_id: int
    item: StockItem
    quantity: Decimal
    requester: str


async def decide(svc: Services, req_id: int, *, approve: bool, by: Person) -> Decided:
    _require_keeper(by)
    async with svc.db.transaction() as tx:
        req = await repo.requisition(tx, req_id)
        item = await repo.by_id(tx, req.item_id) if req else None
        if req is None or item is None:
            raise DomainError(t.NOT_FOUND)
        if req.state != "pending":
            raise DomainError(t.decided_already(req.state))
        new_state = "approved" if approve else "refused"
        if approve:
            item = await _take(
                tx, svc, item, req.quantity, t.reason_requisition(req.id, req.purpose), by,
                requisition_id=req.id,
            )  # fmt: skip
        await repo.set_requisition_state(
            tx, req_id, old="pending", new=new_state, by_id=by.user_id, by_name=by.name,
            now=svc.now(),
        )  # fmt: skip
        text = t.approved_to_requester if approve else t.refused_to_requester
        buttons = t.receipt_buttons(req_id) if approve else []
        await notify_person(
            tx, svc, req.requester_id, OutMessage(text(req_id, item, req.quantity), buttons),
            ref=t.ref(req_id),
        )  # fmt: skip
        await _audit(tx, svc, by, f"stock.{new_state}", f"#{req_id}")
    svc.kick_outbox()
    return Decided(req_id, item, req.quantity, req.requester_name)


async def confirm_receipt(svc: Services, req_id: int, *, by: Person) -> Decided:
    """The requester's tap on 确认领到: the signature on the 领用 record."""
    async with svc.db.transaction() as tx:
        req = await repo.requisition(tx, req_id)
        item = await repo.by_id(tx, req.item_id) if req else None
        if req is None or item is None or req.requester_id != by.user_id:
            raise DomainError(t.NOT_YOURS)
        if req.state == "received":
            raise DomainError(t.RECEIVED_ALREADY)
        if req.state != "approved":
            raise DomainError(t.decided_already(req.state))
        await repo.set_requisition_state(
            tx, req_id, old="approved", new="received", by_id=by.user_id, by_name=by.name,
            now=svc.now(),
        )  # fmt: skip
        await _audit(tx, svc, by, "stock.received", f"#{req_id}")
    return Decided(req_id, item, req.quantity, req.requester_name)


# ---- parts used at a repair -----------------------------------------------------------
async def offer_parts(tx: Tx, svc: Services, ticket: RepairTicket) -> None:
    """Called by the repair service when a repairer marks a repair done (same transaction):
    ask which parts went in, with buttons for those used most at this kind of repair, and
    which of the place's assets it was (one tap links the repair to it)."""
    at_place = await assets_repo.at_place(tx, ticket.location) if ticket.location else []
    if ticket.assignee_id is None or not (await repo.all_items(tx) or at_place):
        return
    common = await repo.most_used(tx, ticket.category.value)
    if not common:
        common = (await repo.all_items(tx))[:4]
    buttons = t.parts_buttons(ticket.id, common) + asset_texts.link_buttons(ticket.id, at_place)
    msg = OutMessage(t.ask_parts(ticket.id, bool(common), bool(at_place)), buttons)
    await notify_person(
        tx, svc, ticket.assignee_id, msg, ref=str(Ref(RefKind.REPAIR_PARTS, ticket.id))
    )


@dataclass(frozen=True)
class PartsUsed:
    repair_id: int
    used: list[tuple[StockItem, Decimal]]  # the item after the move, the quantity used


async def use_parts(
    svc: Services, repair_id: int, *, by: Person, text: str = "", item_id: int | None = None
) -> PartsUsed:
    """Parts written as 「换灯管2根 启辉器1个」 or one tap on a part's button (one unit)."""
    async with svc.db.transaction() as tx:
        ticket = await repairs_repo.get(tx, repair_id)
        if ticket is None:
            raise DomainError(t.NOT_FOUND)
        if by.user_id != ticket.assignee_id and not by.has(Role.SUPERVISOR):
            raise DomainError(t.NOT_YOUR_REPAIR)
        if ticket.state not in (RepairState.DONE, RepairState.VERIFIED, RepairState.IN_PROGRESS):
            raise DomainError(t.REPAIR_NOT_DONE)
        if item_id is not None:
            item = await repo.by_id(tx, item_id)
            if item is None:
                raise DomainError(t.NOT_FOUND)
            wanted = [(item, Decimal(1))]
        else:
            wanted = parse_parts(text, await repo.all_items(tx))
        used = []
        for item, quantity in wanted:
            current = await repo.by_id(tx, item.id)
            assert current is not None
            after = await _take(
                tx, svc, current, quantity, t.reason_repair(repair_id), by, repair_id=repair_id
            )
            used.append((after, quantity))
    svc.kick_outbox()
    return PartsUsed(repair_id, used)


async def repair_parts(svc: Services, repair_id: int) -> list[StockMove]:
    return await repo.moves(svc.db, repair_id=repair_id)
