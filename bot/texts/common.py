"""Texts shared by every feature: access, errors, help."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.roles import Role

NOT_REGISTERED = "您好！您还没有登记，暂时不能使用后勤助手。请向后勤办公室索取邀请链接。"
INTERNAL_ERROR = "抱歉，处理时出了点问题，请稍后再试。如果一直这样，请联系后勤办公室。"
STALE_BUTTON = "这个按钮已失效，请重新打开最新的消息。"
UNKNOWN_COMMAND = "没有这个命令。发送 /help 查看您能用的功能。"
NOT_UNDERSTOOD = "没看懂这条消息。发送 /help 查看您能用的功能。"
CANCELLED = "已取消。"
NOTHING_TO_CANCEL = "当前没有进行中的操作。"
PRIVATE_ONLY = "请私聊我使用这个功能。"


def role_required(roles: Iterable[Role]) -> str:
    names = "或".join(r.label for r in roles)
    return f"抱歉，只有{names}可以这样操作。"


def admin_alert(summary: str) -> str:
    return f"⚠️ 后勤助手出错：{summary}"
