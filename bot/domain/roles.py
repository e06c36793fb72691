"""Roles people hold. A person may hold several."""

from __future__ import annotations

from enum import StrEnum

from bot.domain.errors import DomainError


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    PURCHASER = "purchaser"
    REPAIRER = "repairer"
    CANTEEN = "canteen"
    PATROL = "patrol"
    LEADER = "leader"
    STOREKEEPER = "storekeeper"  # 仓库管理员: stock in, approves requisitions
    STAFF = "staff"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "管理员",
    Role.SUPERVISOR: "监督员",
    Role.PURCHASER: "采购员",
    Role.REPAIRER: "维修工",
    Role.CANTEEN: "食堂管理员",
    Role.PATROL: "巡查员",
    Role.LEADER: "校领导",
    Role.STOREKEEPER: "仓库管理员",
    Role.STAFF: "教职工",
}

_ALIASES: dict[str, Role] = {
    **{r.value: r for r in Role},
    **{label: r for r, label in ROLE_LABELS.items()},
    "监督": Role.SUPERVISOR,
    "采购": Role.PURCHASER,
    "维修": Role.REPAIRER,
    "食堂": Role.CANTEEN,
    "巡查": Role.PATROL,
    "领导": Role.LEADER,
    "仓库": Role.STOREKEEPER,
    "仓管": Role.STOREKEEPER,
    "仓管员": Role.STOREKEEPER,
    "教师": Role.STAFF,
    "老师": Role.STAFF,
}


def parse_role(text: str) -> Role:
    """Accept the English name or the Chinese label (``监督员``), case-insensitive."""
    key = text.strip().lower()
    role = _ALIASES.get(key)
    if role is None:
        names = "、".join(f"{r.label}({r.value})" for r in Role)
        raise DomainError(f"没有这个角色：{text.strip()}。可选：{names}")
    return role
