"""Texts for inviting people and managing roles."""

from __future__ import annotations

import html

from bot.domain.people import Person
from bot.domain.roles import Role

INVITE_USAGE = (
    "用法：/invite 角色，例如 /invite 监督员（一人一个链接）；"
    "全校共用的链接：/invite 教职工 多人。可选角色："
    + "、".join(f"{r.label}({r.value})" for r in Role)
)
GRANT_USAGE = "用法：/grant 用户ID 角色，例如 /grant 123456789 维修工"
REVOKE_USAGE = "用法：/revoke 用户ID 角色，例如 /revoke 123456789 维修工"
REMOVE_USAGE = "用法：/remove 用户ID"
NO_BOT_USERNAME = "暂时无法生成链接：还不知道机器人的用户名，请稍后再试。"


def invite_link(role: Role, link: str, days: int) -> str:
    return (
        f"邀请{role.label}的链接（{days}天内有效，只能用一次）：\n{link}\n"
        "请把链接私下发给对方，点开后按“开始”即可登记。"
    )


def people_list(people: list[Person]) -> str:
    if not people:
        return "还没有登记的人员。"
    lines = [f"已登记 {len(people)} 人："]
    for p in people:
        name = html.escape(p.name, quote=False)
        handle = f" @{html.escape(p.username, quote=False)}" if p.username else ""
        lines.append(f"• {name}{handle}（ID <code>{p.user_id}</code>）：{p.role_labels}")
    lines.append(
        "修改角色：/grant 用户ID 角色，/revoke 用户ID 角色；移除：/remove 用户ID"
        "（用户ID也可写成 @用户名 或名字）"
    )
    return "\n".join(lines)


def role_changed(name: str, role: Role, granted: bool, changed: bool) -> str:
    name = html.escape(name, quote=False)
    if not changed:
        return f"{name} {'已经是' if granted else '本来就不是'}{role.label}，无需修改。"
    return f"已{'给' if granted else '取消'} {name} {'添加' if granted else '的'}{role.label}角色。"


def your_role_changed(role: Role, granted: bool) -> str:
    return (
        f"您的角色有变动：{'新增' if granted else '取消'}{role.label}。发送 /help 查看能用的功能。"
    )
