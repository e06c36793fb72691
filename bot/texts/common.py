"""Texts shared by every feature: access, errors, help."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.domain.roles import Role

NOT_REGISTERED = "您好！您还没有登记，暂时不能使用后勤助手。请向后勤办公室索取邀请链接。"
INTERNAL_ERROR = "抱歉，处理时出了点问题，请稍后再试。如果一直这样，请联系后勤办公室。"
# Under a notification sent again because the first try may have arrived (a restart or a
# timeout between sending and recording it): the same content, marked, harmless to tap.
RESENT_NOTE = "（重发：如果已经收到过这条消息，请忽略）"
STALE_BUTTON = "这个按钮已失效，请重新打开最新的消息。"
UNKNOWN_COMMAND = "没有这个命令。发送 /help 查看您能用的功能。"
VOICE_HINT = (
    "暂时听不了语音。请打字说明，要报修请发照片并写上位置和故障，例如：教学楼302教室 门锁坏了。"
)
STICKER_HINT = "收到贴纸😊 要报修请发照片并写上位置和故障；发送 /help 查看您能用的功能。"
NOT_UNDERSTOOD = "没看懂这条消息。发送 /help 查看您能用的功能。"
YOU_ARE_WELCOME = "不客气！有需要随时发消息给我。"
NOTED = "好的 👌"
HOW_TO_REPAIR = (
    "报修可以直接发照片并写上地点和问题（如“教学楼302教室 门锁坏了”），或发送 /repair 按步骤填写。"
)
# What the bot says to things it cannot use, by kind of message (instead of "没看懂").
UNSUPPORTED = {
    "sticker": STICKER_HINT,
    "voice": VOICE_HINT,
    "video": "暂不支持视频。报修请发照片，并配上文字说明（如“教学楼302教室 门锁坏了”）。",
    "location": "收到位置，但这里用不上。报修时请在说明里写明地点，如“教学楼302教室”。",
    "contact": "收到联系人，但这里用不上。要邀请同事，请联系管理员生成邀请链接。",
    "poll": "后勤助手不参与投票。发送 /help 查看您能用的功能。",
    "document": "暂不支持这类文件。请发送照片或图片文件（JPG/PNG）。",
}
CANCELLED = "已取消。"
NOTHING_TO_CANCEL = "当前没有进行中的操作。"
EXPORT_USAGE = (
    "要导出哪张表？（监督员、管理员）\n• /export purchases 2026-11 采购台账\n"
    "• /export patrols 2026-11 安全检查记录\n• /export repairs 2026 报修记录\n"
    "• /export all year 全部记录和汇总表\n"
    "• /export 食品安全 2026-11 食品安全台账（加「照片」导出照片）\n"
    "时间可写 week、month、term、year、2026、2026-11、上月 或 2026-09-01 2027-01-31；"
    "不写就是本月。"
)


def role_required(roles: Iterable[Role]) -> str:
    labels = [r.label for r in roles]
    names = "或".join(labels) if len(labels) < 3 else f"{'、'.join(labels[:-1])}或{labels[-1]}"
    return f"抱歉，只有{names}可以这样操作。"


def admin_alert(summary: str) -> str:
    return f"⚠️ 后勤助手出错：{summary}"


# What each role can do, shown by /start and /help (only the lines for the person's roles).
_ROLE_HELP: dict[Role, list[str]] = {
    Role.STAFF: [
        "📷 报修：直接发照片并配上说明（如“教学楼302教室 门锁坏了”），或发送 /repair 按步骤填写",
        "/repairs 查看我的报修单，/repair 编号 查看详情",
        "在教师群里发带 #报修 的照片或文字，也会登记成您的报修单",
        "/menu 本周食谱（/menu next 下周，/menu today 今天）",
        "/领用 作业本 40本 三年级二班 申请领用物品，/stock 查看库存",
        "/places 地点清单，/place 302 某地点的报修记录",
    ],
    Role.SUPERVISOR: [
        "受理或驳回报修单、确认或驳回采购单：点通知里的按钮，或直接回复通知",
        "/repairs 全部未完成的报修单",
        "/purchases 当天采购，/export purchases 导出月度采购表",
        "/patrols 巡查记录，/export patrols 导出安全检查记录",
        "/report 工作统计（年底总结的数字），如 /report 2026 或 /report 2026-11",
    ],
    Role.PURCHASER: [
        "/purchase 登记采购，每行一样：品名 数量单位 单价，如“猪肉 20斤 13.5”",
        "/purchases 当天采购",
    ],
    Role.REPAIRER: ["/repairs 我的维修任务，点任务里的“开始”“完成”"],
    Role.CANTEEN: [
        "/setmenu 录入下周食谱，/copymenu 把本周食谱复制到下周",
        "/menu 查看食谱",
        "按时收到晨检、留样、餐具消毒记录，点选即可；/canteen_staff 从业人员和健康证",
        "/export 食品安全 2026-11 导出食品安全台账（加「照片」导出照片）",
    ],
    Role.PATROL: ["按时收到巡查清单，逐项点选后提交", "/patrols 巡查记录"],
    Role.LEADER: ["轮到您陪餐时，午餐后收到陪餐记录，打分并可写备注或发照片"],
    Role.STOREKEEPER: [
        "/stock 库存，/stock in 灯管 50根 6.5 入库，/stock min 灯管 20 设最低库存",
        "领用申请：点通知里的“同意”或“不同意”",
    ],
    Role.ADMIN: [
        "/invite 角色 生成一人用的邀请链接（如 /invite 监督员）；"
        "/invite 教职工 多人 生成全校共用的链接（加入要您同意），/invites 查看和撤销",
        "把名单（.xlsx 或 .csv：姓名、角色）作为文件发来并写上「名单」，或先发 /roster_import",
        "/users 人员和角色（含名单上还没加入的人），/grant 用户ID 角色，/revoke 用户ID 角色，"
        "/remove 用户ID",
        "在群里发 /setpublic 把该群设为公示群",
        "/suppliers 定点供应商，/patrol_items /patrol_times /roster /holiday 巡查设置",
        "/canteen_roster 陪餐和采购清点轮值，/canteen_staff 食堂从业人员，"
        "/canteen_times 食品安全记录时间",
    ],
}


def help_for(name: str, roles: Iterable[Role]) -> str:
    held = set(roles)
    if not held:
        return f"您好，{name}！您目前没有任何角色，暂时不能使用各项功能。请联系后勤办公室。"
    lines = [f"您好，{name}！您的角色：{'、'.join(r.label for r in Role if r in held)}。"]
    lines.append("您可以：")
    seen: set[str] = set()  # lines, and commands already listed: each is listed once
    for role in Role:
        if role in held or (Role.ADMIN in held and role is not Role.ADMIN):
            for line in _ROLE_HELP[role]:
                commands = set(re.findall(r"/\w+", line))
                if line in seen or (commands and commands <= seen):
                    continue
                seen |= commands | {line}
                lines.append(f"• {line}")
    lines.append("随时发送 /cancel 取消当前操作。")
    return "\n".join(lines)


def private_only(bot_username: str | None) -> str:
    where = f"（@{bot_username}）" if bot_username else ""
    return f"请私聊我{where}使用这个功能。在群里只能用 /menu 查看食谱。"


def edit_ignored(purchaser: bool) -> str:
    """An edited message is not read again; say how to correct instead."""
    text = "修改已发出的消息不会生效。如需更正，请重新发送一条"
    return text + ("；采购单草稿可发「改 行号 新内容」。" if purchaser else "。")


def welcome(name: str, role: Role) -> str:
    return f"欢迎，{name}！您已登记为{role.label}。"


# The command menu Telegram shows (private chats; in groups only /menu works).
COMMANDS: list[tuple[str, str]] = [
    ("start", "开始 / 查看我能做什么"),
    ("help", "帮助"),
    ("repair", "报修（也可直接发带说明的照片）"),
    ("repairs", "查看报修单"),
    ("purchase", "登记采购"),
    ("purchases", "查看当天采购"),
    ("menu", "本周食谱"),
    ("patrols", "巡查记录"),
    ("export", "导出表格（报修 / 采购 / 巡查 / 全部 / 食品安全）"),
    ("suppliers", "定点供应商"),
    ("report", "年度 / 月度工作统计"),
    ("backup", "下载数据库备份（管理员）"),
    ("places", "地点清单"),
    ("stock", "仓库库存"),
    ("cancel", "取消当前操作"),
]
# Who sees a command in their private menu (None: everyone registered). Admins see all.
COMMAND_ROLES: dict[str, frozenset[Role] | None] = {
    "purchase": frozenset({Role.PURCHASER}),
    "purchases": frozenset({Role.PURCHASER, Role.SUPERVISOR}),
    "patrols": frozenset({Role.PATROL, Role.SUPERVISOR}),
    "export": frozenset({Role.SUPERVISOR}),
    "suppliers": frozenset({Role.PURCHASER, Role.SUPERVISOR}),
    "report": frozenset({Role.SUPERVISOR}),
}


def commands_for(roles: Iterable[Role]) -> list[tuple[str, str]]:
    """The private command menu of someone holding ``roles``."""
    held = set(roles)
    if Role.ADMIN in held:
        return list(COMMANDS)
    return [
        (name, text)
        for name, text in COMMANDS
        if (allowed := COMMAND_ROLES.get(name)) is None or held & allowed
    ]


GROUP_COMMANDS: list[tuple[str, str]] = [("menu", "本周食谱（/menu next 下周，/menu today 今天）")]
