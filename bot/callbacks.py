"""The callback_data codec: ASCII ``ns:action:arg[:arg...]``, at most 64 bytes.

Callback data comes from the client and is never trusted: ``decode`` returns None for
anything malformed, and handlers still check the role and the current state of the thing
the button is about (a button may be tapped days later, after a restart).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from bot.domain.ids import parse_id

_PART = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")
MAX_BYTES = 64


class Ns(StrEnum):
    """Callback namespaces: which feature a button belongs to."""

    REPAIR = "rp"
    PURCHASE_DRAFT = "buy"
    PURCHASE_CHECK = "bchk"
    PATROL = "pt"
    MENU = "mn"
    JOIN = "jn"  # join requests through a school link
    LINK = "lk"  # school links
    ROSTER = "rs"  # roster drafts
    FOOD_SAFETY = "fs"  # 晨检, 留样, 消毒, 陪餐 records and the purchase 清点
    STOCK = "st"  # the storeroom: requisitions, parts used at repairs
    PLACE = "pl"  # the place list
    ASSET = "as"  # the asset register and stocktakes


class RepairAction(StrEnum):
    ACCEPT = "acc"  # rp:acc:<repair>           受理 (then pick a repairer if several)
    ASSIGN = "as"  # rp:as:<repair>:<user>      受理 and give it to this repairer
    REASSIGN = "ra"  # rp:ra:<repair>           改派 (offers the repairers)
    REASSIGN_TO = "rat"  # rp:rat:<repair>:<user>
    ASSIGN_CANCEL = "asx"  # rp:asx:<repair>    close the repairer choice
    REJECT = "rej"
    HOLD = "hold"
    RESUME = "res"
    START = "st"
    DONE = "dn"
    VERIFY = "ok"
    REOPEN = "re"
    CATEGORY = "cat"  # rp:cat:<repair>:<category>
    URGENCY = "urg"  # rp:urg:<repair>:<urgency>   改为紧急 / 改为一般 (the reporter, while new)
    RAISE_URGENCY = "up"  # rp:up:<repair>   改为紧急 under a note that sounds urgent
    MAYBE_YES = "my"  # rp:my   "这是报修吗？" 是，报修 (the waiting photo becomes a report)
    MAYBE_NO = "mn"  # rp:mn    不是 (the photo is dropped)
    OFFER_SUBMIT = "os"  # rp:os   a text that reads as a repair: 提交报修
    OFFER_PHOTO = "op"  # rp:op    补充照片 (the next photo carries the text)
    OFFER_CANCEL = "ox"  # rp:ox   取消
    # The guided /repair conversation (only while it is open).
    GUIDED_SKIP_PHOTO = "gskip"
    GUIDED_CATEGORY = "gc"  # rp:gc:<category>
    GUIDED_URGENCY = "gu"  # rp:gu:<urgency>
    GUIDED_SUBMIT = "gok"
    GUIDED_CANCEL = "gno"

    @property
    def guided(self) -> bool:
        return self.value.startswith("g")


class PurchaseDraftAction(StrEnum):
    SUBMIT = "sub"  # buy:sub:<purchase>
    CANCEL = "cxl"  # buy:cxl:<purchase>
    PHOTO_KIND = "ph"  # buy:ph:<rc|ct>:<purchase>:<token>  what the photos just sent are
    CERT_LINE = "cl"  # buy:cl:<purchase>:<token>:<line>  the line a certificate is for
    REOPEN = "re"  # buy:re:<purchase>  修改后重新提交 on a rejection: reopen it as a draft


class PurchaseCheckAction(StrEnum):
    CONFIRM = "ok"  # bchk:ok:<purchase>
    REJECT = "no"  # bchk:no:<purchase>


class PatrolAction(StrEnum):
    TICK = "t"  # pt:t:<round>:<position>
    ALL_OK = "all"  # pt:all:<round>
    SUBMIT = "sub"  # pt:sub:<round>


class MenuAction(StrEnum):
    SAVE = "save"  # mn:save:<draft>
    CANCEL = "cancel"  # mn:cancel:<draft>


class JoinAction(StrEnum):
    APPROVE = "ok"  # jn:ok:<request>           同意 (as the role asked for)
    REFUSE = "no"  # jn:no:<request>
    CHOOSE_ROLE = "rl"  # jn:rl:<request>       改角色 (offers the roles)
    APPROVE_AS = "as"  # jn:as:<request>:<role>


class LinkAction(StrEnum):
    REVOKE = "rv"  # lk:rv:<link>


class RosterAction(StrEnum):
    IMPORT = "imp"  # rs:imp:<draft>
    CANCEL = "cxl"  # rs:cxl:<draft>


class FoodSafetyAction(StrEnum):
    HEALTH = "h"  # fs:h:<record>:<position>:<h|u|l>   晨检: 健康 / 有症状 / 请假 for one worker
    ALL_HEALTHY = "hall"  # fs:hall:<record>   其余全部健康
    SYMPTOM = "sy"  # fs:sy:<entry>:<symptom index>   the answer to 「有什么症状？」
    DISH_PHOTO = "p"  # fs:p:<record>:<position>   留样: asks for that dish's photo
    WEIGHED = "w"  # fs:w:<record>:<position>   ≥125g for that dish (a toggle)
    ALL_WEIGHED = "wall"  # fs:wall:<record>   全部 ≥125g
    DISCARD = "disc"  # fs:disc:<record>   已处理 under the 48-hour discard notice
    DISINFECT = "d"  # fs:d:<record>:<method>   消毒: the method, started now
    RATE = "r"  # fs:r:<record>:<aspect>:<score>   陪餐: one aspect's 1-5
    ROW_LABEL = "noop"  # fs:noop:<record>   a rating row's label: does nothing
    ALL_GOOD = "good"  # fs:good:<record>   都很好（全5分）, and submits
    SUBMIT = "sub"  # fs:sub:<record>   提交 the 陪餐 form
    PURCHASE_CHECK = "pc"  # fs:pc:<purchase>   清点确认 by the teacher on the rota


class StockAction(StrEnum):
    PICK_ITEM = "rq"  # st:rq:<item>   领用 this item (then how many and what for)
    APPROVE = "ok"  # st:ok:<requisition>   同意 (the storekeeper)
    REFUSE = "no"  # st:no:<requisition>   不同意
    RECEIVED = "rcv"  # st:rcv:<requisition>   确认领到 (the requester signs for it)
    PART_USED = "pu"  # st:pu:<repair>:<item>   <item> +1 used at the repair (its repairer)


class PlaceAction(StrEnum):
    IMPORT = "imp"  # pl:imp:<import>   导入 the previewed sheet of places


class AssetAction(StrEnum):
    CHECK = "ck"  # as:ck:<stocktake>:<asset>:<p|m|d>   盘点: 在 / 缺失 / 损坏
    LINK = "ln"  # as:ln:<repair>:<asset>   🏷 the repair was on this asset (its repairer)
    IMPORT = "imp"  # as:imp:<import>   导入 the previewed sheet of assets


Action = (
    RepairAction
    | PurchaseDraftAction
    | PurchaseCheckAction
    | PatrolAction
    | MenuAction
    | JoinAction
    | LinkAction
    | RosterAction
    | FoodSafetyAction
    | StockAction
    | PlaceAction
    | AssetAction
)
_NAMESPACE: dict[type[StrEnum], Ns] = {
    RepairAction: Ns.REPAIR,
    PurchaseDraftAction: Ns.PURCHASE_DRAFT,
    PurchaseCheckAction: Ns.PURCHASE_CHECK,
    PatrolAction: Ns.PATROL,
    MenuAction: Ns.MENU,
    JoinAction: Ns.JOIN,
    LinkAction: Ns.LINK,
    RosterAction: Ns.ROSTER,
    FoodSafetyAction: Ns.FOOD_SAFETY,
    StockAction: Ns.STOCK,
    PlaceAction: Ns.PLACE,
    AssetAction: Ns.ASSET,
}
_A = TypeVar("_A", bound=StrEnum)


def button(action: Action, *args: object) -> str:
    """The callback data of a button: the action's namespace, the action, its arguments."""
    return encode(_NAMESPACE[type(action)], action, *args)


def action_pattern(*actions: Action, with_args: bool = False) -> str:
    """A CallbackQueryHandler pattern for exactly these actions (of one feature), with
    arguments required (``with_args``) or allowed."""
    namespaces = {_NAMESPACE[type(a)] for a in actions}
    if len(namespaces) != 1:
        raise ValueError("actions of one namespace only")
    names = "|".join(re.escape(a.value) for a in actions)
    end = ":" if with_args else "(:|$)"
    return rf"^{re.escape(namespaces.pop())}:(?:{names}){end}"


@dataclass(frozen=True)
class Callback:
    ns: str
    action: str
    args: tuple[str, ...] = ()

    def int_arg(self, index: int = 0) -> int | None:
        """The ``index``-th argument as a positive int, or None if missing or forged."""
        if index >= len(self.args):
            return None
        return parse_id(self.args[index]) or None  # too big to exist: forged

    def action_of(self, kind: type[_A]) -> _A | None:
        """The action as ``kind`` (an action enum), or None if it is not one of them."""
        if self.ns != _NAMESPACE.get(kind):
            return None
        try:
            return kind(self.action)
        except ValueError:
            return None


def encode(ns: str, action: str, *args: object) -> str:
    parts = [ns, action, *(str(a) for a in args)]
    for part in parts:
        if not _PART.match(part):
            raise ValueError(f"callback part not allowed: {part!r}")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Callback | None:
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) < 2 or not all(_PART.match(p) for p in parts):
        return None
    return Callback(parts[0], parts[1], tuple(parts[2:]))


def pattern(ns: str) -> str:
    """The CallbackQueryHandler pattern for one namespace."""
    return rf"^{re.escape(ns)}:"
