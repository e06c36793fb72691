"""Texts for a school joining: school links, join requests, the roster, groups, the main
keyboard. HTML parse mode: every user-supplied string goes through ``e()``."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.callbacks import JoinAction, LinkAction, RosterAction, button
from bot.domain.messages import Buttons
from bot.domain.roles import Role
from bot.domain.roster import RosterPreview

ROSTER_CAPTION = "名单"


def e(text: str | None) -> str:
    return html.escape(text or "", quote=False)


# ---- what the services and handlers refuse ---------------------------------------------
ADMINS_ONLY = "抱歉，只有管理员可以这样操作。"
NO_SCHOOL_LINK_FOR_ADMINS = "管理员不能用共用链接邀请，请用 /invite 管理员 生成一次性链接。"
ADMIN_ROLE_BY_GRANT = "管理员角色请用 /grant 授予。"
NO_SUCH_PERSON = "没有找到这个人。"
CANNOT_REMOVE_SELF = "不能移除自己。"
ROSTER_TOO_BIG = "名单文件太大了（超过 5 MB）。"
ROSTER_DOWNLOAD_FAILED = "名单文件下载失败，请重新发送。"


def link_days_usage(most: int) -> str:
    return f"有效天数写 1 到 {most} 天，例如 7天。"


# ---- school links ---------------------------------------------------------------------
SCHOOL_INVITE_USAGE = (
    "用法：/invite 角色 人数 [有效天数]\n"
    "• /invite 教职工 多人 —— 全校共用的链接，不限人数\n"
    "• /invite 教职工 30 3天 —— 最多30人、3天内有效\n"
    "通过这种链接加入的人需要管理员同意（名单上的人自动通过）。"
)


def uses(max_uses: int | None) -> str:
    return "不限人数" if max_uses is None else f"最多{max_uses}人"


def school_link(role: Role, link: str, max_uses: int | None, days: int) -> str:
    return (
        f"邀请{role.label}的共用链接（{days}天内有效，{uses(max_uses)}）：\n{link}\n"
        "可以发到教师群。点开的人需要您同意后才能使用；已导入名单且姓名一致的人自动通过。"
        "\n发送 /invites 查看和撤销链接。"
    )


def links_list(links: Sequence[tuple[int, Role, int, int | None, datetime]], tz: ZoneInfo) -> str:
    if not links:
        return "目前没有有效的共用邀请链接。发送 /invite 教职工 多人 生成一个。"
    lines = [f"有效的共用邀请链接 {len(links)} 个："]
    for link_id, role, used, max_uses, expires in links:
        limit = f"/{max_uses}" if max_uses is not None else ""
        until = expires.astimezone(tz).strftime("%m-%d %H:%M")
        lines.append(f"• 链接{link_id}：{role.label}，已用 {used}{limit} 次，{until} 到期")
    lines.append("链接本身只在生成时显示一次。点下面的按钮可撤销。")
    return "\n".join(lines)


def links_buttons(link_ids: Iterable[int]) -> Buttons:
    return [[(f"🚫 撤销链接{i}", button(LinkAction.REVOKE, i))] for i in link_ids]


def link_revoked(link_id: int, used: int) -> str:
    return f"已撤销链接{link_id}（用过 {used} 次）。已经加入的人不受影响，新点开的人会被拒绝。"


LINK_UNKNOWN = "没有找到这个链接。"
LINK_ALREADY_REVOKED = "这个链接已经撤销了。"
LINK_REVOKED = "这个邀请链接已被撤销。请向后勤办公室索取新的链接。"
LINK_EXPIRED = "这个邀请链接已过期。请向后勤办公室索取新的邀请链接。"
LINK_FULL = "这个邀请链接的名额已经用完。请向后勤办公室索取新的链接。"
ALREADY_REGISTERED = "您已经登记过了，不用再点邀请链接。发送 /help 查看您能用的功能。"
WAITING = "已收到您的申请，请等待后勤办公室审核。通过后我会通知您。"
STILL_WAITING = "您的申请正在等待审核，请耐心等候。通过后我会通知您。"


# ---- join requests ----------------------------------------------------------------------
def who(name: str, username: str | None) -> str:
    return f"{e(name)}（@{e(username)}）" if username else e(name)


def join_request(name: str, username: str | None, role: Role, note: str | None) -> str:
    text = f"🙋 {who(name, username)}申请加入为{role.label}"
    if note:
        text += f"\n⚠️ {note}"
    return text


def roster_other_role(roster_role: Role) -> str:
    return f"名单上此人是{roster_role.label}，请核对后再同意"


ROSTER_TAKEN = "名单上的同名人员已经加入了，请核对是不是本人"
REJOINING = "此人曾被移除，请核对后再同意"


def join_buttons(request_id: int) -> Buttons:
    return [
        [
            ("✅ 同意", button(JoinAction.APPROVE, request_id)),
            ("❌ 拒绝", button(JoinAction.REFUSE, request_id)),
            ("🔁 改角色", button(JoinAction.CHOOSE_ROLE, request_id)),
        ]
    ]


def role_buttons(request_id: int) -> Buttons:
    rows: Buttons = []
    choices = [r for r in Role if r is not Role.ADMIN]
    for i in range(0, len(choices), 3):
        rows.append(
            [
                (r.label, button(JoinAction.APPROVE_AS, request_id, r.value))
                for r in choices[i : i + 3]
            ]
        )
    rows.append([("❌ 拒绝", button(JoinAction.REFUSE, request_id))])
    return rows


def decided_note(approved: bool, by: str, role: Role) -> str:
    return f"已由 {e(by)} 同意（{role.label}）" if approved else f"已由 {e(by)} 拒绝"


def decided_answer(approved: bool, name: str, role: Role) -> str:
    """The alert the deciding admin sees (plain text)."""
    return f"已同意 {name} 加入为{role.label}。" if approved else f"已拒绝 {name} 的申请。"


def already_decided(approved: bool) -> str:
    return "这份申请已经同意过了。" if approved else "这份申请已经拒绝了。"


REQUEST_UNKNOWN = "没有找到这份申请。"


def approved_to_applicant(name: str, role: Role) -> str:
    return (
        f"✅ 欢迎，{e(name)}！您的申请已通过，您已登记为{role.label}。"
        "发送 /start 查看您能用的功能。"
    )


REJECTED_TO_APPLICANT = "抱歉，您的加入申请没有通过。如有疑问，请联系后勤办公室。"


# ---- roster -----------------------------------------------------------------------------
ROSTER_ASK_FILE = (
    "请把名单作为文件发给我（.xlsx 或 .csv）。第一行是表头：姓名、角色，可加 手机号、部门。"
    "\n也可以直接发送文件并在说明里写「名单」。"
)
ROSTER_NO_FILE = "没有收到文件。请把 .xlsx 或 .csv 名单作为文件发送。"
ROSTER_EMPTY = "名单里没有可以导入的行，请修改后重新发送。"
ROSTER_CANCELLED = "好的，这份名单没有导入。"
ROSTER_STALE = "这份名单已经处理过了。"
MAX_BAD_SHOWN = 20


def roster_preview(preview: RosterPreview) -> str:
    lines = [f"📋 名单预览：可导入 {len(preview.entries)} 人"]
    for role, count in sorted(preview.by_role().items(), key=lambda rc: list(Role).index(rc[0])):
        lines.append(f"• {role.label} {count} 人")
    for entry in preview.entries[:5]:
        extra = "，".join(x for x in (entry.department, entry.phone) if x)
        extra = f"（{e(extra)}）" if extra else ""
        lines.append(f"  {e(entry.name)} {entry.role.label}{extra}")
    if len(preview.entries) > 5:
        lines.append(f"  ……等 {len(preview.entries)} 人")
    if preview.bad:
        lines.append(f"⚠️ 有 {len(preview.bad)} 行不能导入：")
        for bad in preview.bad[:MAX_BAD_SHOWN]:
            lines.append(f"  第 {bad.line} 行（{e(bad.text)}）：{e(bad.reason)}")
        if len(preview.bad) > MAX_BAD_SHOWN:
            lines.append(f"  ……还有 {len(preview.bad) - MAX_BAD_SHOWN} 行")
        lines.append("这些行会被跳过；改好后可以再发一次（已导入的人不会重复）。")
    lines.append("确认导入吗？")
    return "\n".join(lines)


def roster_buttons(draft_id: int) -> Buttons:
    return [
        [
            ("✅ 导入", button(RosterAction.IMPORT, draft_id)),
            ("✖️ 取消", button(RosterAction.CANCEL, draft_id)),
        ]
    ]


def roster_imported(added: int, updated: int, linked: int) -> str:
    text = f"✅ 名单已导入：新增 {added} 人"
    if updated:
        text += f"，更新 {updated} 人"
    if linked:
        text += f"，其中 {linked} 人已经在用后勤助手"
    return (
        text + "。\n名单上的人通过共用链接加入时，姓名一致即自动通过。发送 /users 查看谁还没加入。"
    )


# ---- /users -----------------------------------------------------------------------------
def users_overview(
    joined: dict[Role, list[str]], waiting: dict[Role, list[str]], pending_requests: int
) -> str:
    total = len({n for names in joined.values() for n in names})
    lines = [f"<b>已加入 {total} 人</b>"]
    counts = [f"{role.label} {len(joined[role])} 人" for role in Role if joined.get(role)]
    if counts:
        lines.append("按角色：" + "，".join(counts))
    missing = sum(len(v) for v in waiting.values())
    if missing:
        lines.append(f"<b>名单上还没加入 {missing} 人</b>")
        for role in Role:
            if waiting.get(role):
                names = "、".join(e(n) for n in waiting[role])
                lines.append(f"• {role.label} {len(waiting[role])} 人：{names}")
    if pending_requests:
        lines.append(f"⏳ 待审核的加入申请 {pending_requests} 份（见通知里的按钮）")
    return "\n".join(lines)


# ---- strangers, removal -----------------------------------------------------------------
def stranger_id(user_id: int) -> str:
    return (
        "您好！您还没有登记，暂时不能使用后勤助手。\n"
        f"您的 ID：<code>{user_id}</code>，请发给后勤办公室；或向后勤办公室索取邀请链接。"
    )


def removed(name: str, returned: Sequence[int]) -> str:
    text = f"已移除 {e(name)}，其角色已全部取消，按钮和权限立即失效。"
    if returned:
        numbers = "、".join(f"#{n}" for n in returned)
        text += f"\n其未完成的维修任务 {numbers} 已退回监督员重新派工。"
    return text


# ---- groups -----------------------------------------------------------------------------
SETPUBLIC_PRIVATE = "请在要设为公示群的群里发送 /setpublic。"


def public_set(title: str) -> str:
    return f"📢 好的，以后每天的采购公示和每周食谱会发到本群「{e(title)}」。"


def bot_added(title: str, chat_id: int) -> str:
    return (
        f"后勤助手已被加入群「{e(title)}」，群 ID：<code>{chat_id}</code>。\n"
        "在该群里发送 /setpublic 可以把它设为公示群（采购公示、每周食谱）。"
    )


GROUP_REPAIR_TAGS = ("#报修",)
GROUP_REPAIR_PREFIXES = ("报修：", "报修:")


def group_repair_done(number: str, private: bool) -> str:
    tail = "，后续进度私聊告知" if private else "；请私聊我一次，以便收到进度"
    return f"已登记报修单 {number}{tail}。"


GROUP_REPAIR_EMPTY = "请在 #报修 后面写上位置和问题，例如：#报修 教学楼302 门锁坏了"


# ---- the main keyboard ------------------------------------------------------------------
# Each big button stands for a command (its text is routed to the same action).
BUTTON_COMMANDS: dict[str, str] = {
    "📷 报修": "repair",
    "我的报修": "repairs",
    "本周食谱": "menu",
    "帮助": "help",
    "🧾 登记采购": "purchase",
    "今天的采购": "purchases",
    "🛠 报修单": "repairs",
    "🔧 我的任务": "repairs",
    "📋 巡查记录": "patrols",
    "📊 工作统计": "report",
    "🍱 录入食谱": "setmenu",
    "👥 人员": "users",
    "🔗 邀请链接": "invites",
    "📦 库存": "stock",
}
_ROLE_BUTTONS: dict[Role, tuple[str, ...]] = {
    Role.ADMIN: ("👥 人员", "🔗 邀请链接", "🛠 报修单", "今天的采购"),
    Role.SUPERVISOR: ("🛠 报修单", "今天的采购", "📋 巡查记录", "📊 工作统计"),
    Role.PURCHASER: ("🧾 登记采购", "今天的采购"),
    Role.REPAIRER: ("🔧 我的任务",),
    Role.CANTEEN: ("🍱 录入食谱", "本周食谱"),
    Role.PATROL: ("📋 巡查记录",),
    Role.LEADER: ("本周食谱",),  # 陪餐 forms come to them; the menu is what they taste
    Role.STOREKEEPER: ("📦 库存",),
    Role.STAFF: ("📷 报修", "我的报修", "本周食谱"),
}
MAX_KEYBOARD_BUTTONS = 8


def main_keyboard(roles: Iterable[Role]) -> list[list[str]]:
    """Two big buttons a row: the person's main actions, then 帮助."""
    held = set(roles)
    labels: list[str] = []
    for role in Role:
        if role in held:
            for label in _ROLE_BUTTONS[role]:
                if label not in labels:
                    labels.append(label)
    if held and "📷 报修" not in labels:
        labels.append("📷 报修")  # everyone may report a repair
    labels = [*labels[: MAX_KEYBOARD_BUTTONS - 1], "帮助"]
    return [labels[i : i + 2] for i in range(0, len(labels), 2)]
