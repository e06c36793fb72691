"""The people of the try-out: one per role, registered through the real services."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.roles import Role
from bot.services import people as people_service
from bot.services.container import Services
from storage import people as people_repo


@dataclass(frozen=True)
class DemoPerson:
    user_id: int
    name: str
    title: str  # what the page's selector shows next to the name
    role: Role


ADMIN = DemoPerson(9001, "王主任", "总务主任", Role.ADMIN)
SUPERVISOR = DemoPerson(9002, "李监督", "监督员", Role.SUPERVISOR)
PURCHASER = DemoPerson(9003, "张采购", "采购员", Role.PURCHASER)
REPAIRER = DemoPerson(9004, "刘师傅", "维修工", Role.REPAIRER)
PATROL = DemoPerson(9005, "周巡查", "巡查员", Role.PATROL)
CANTEEN = DemoPerson(9006, "陈食堂", "食堂管理员", Role.CANTEEN)
TEACHER = DemoPerson(9007, "孙老师", "教师", Role.STAFF)
TEACHER2 = DemoPerson(9008, "赵老师", "教师", Role.STAFF)

CAST: tuple[DemoPerson, ...] = (
    ADMIN,
    SUPERVISOR,
    PURCHASER,
    REPAIRER,
    PATROL,
    CANTEEN,
    TEACHER,
    TEACHER2,
)

# The group the daily purchase posting and the weekly menu go to (BOT_PUBLIC_CHAT_ID).
PUBLIC_CHAT_ID = -1009000000001
PUBLIC_CHAT_TITLE = "公示群"


async def set_up_cast(svc: Services) -> bool:
    """Register everyone the way a school would: the admin from BOT_ADMIN_IDS, everyone else
    by redeeming an invite the admin made. Returns False when they exist already."""
    if await people_repo.all_people(svc.db):
        return False
    admin = await people_service.bootstrap_admin(
        svc, user_id=ADMIN.user_id, name=ADMIN.name, username=None, chat_id=ADMIN.user_id
    )
    for person in CAST:
        if person is ADMIN:
            continue
        code = await people_service.create_invite(svc, person.role, by=admin)
        await people_service.redeem_invite(
            svc,
            code,
            user_id=person.user_id,
            name=person.name,
            username=None,
            chat_id=person.user_id,
        )
    return True
