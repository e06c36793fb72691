"""Texts for storage faults and backups."""

from __future__ import annotations

from datetime import datetime

from bot.domain import faults

# Users, whatever the fault: short, and nothing they can do about it but wait.
CANNOT_SAVE = "系统暂时无法保存，请稍后再试。"

_FAULT_NAMES = {
    faults.DISK_FULL: "磁盘已满",
    faults.READ_ONLY: "数据目录只能读、不能写",
    faults.CORRUPT: "数据库文件损坏",
    faults.DISK_ERROR: "磁盘读写出错",
}


def admin_fault(kind: str) -> str:
    return (
        f"⚠️ 后勤助手暂时无法保存数据：{_FAULT_NAMES.get(kind, kind)}。"
        "用户会收到“请稍后再试”。请尽快处理，详情见运行日志（同类问题一小时内不再提醒）。"
    )


NO_BACKUP_SPACE = "现在无法生成备份（磁盘空间或权限问题），请查看运行日志。"
BACKUP_TOO_BIG = "备份文件超过 50 MB，无法通过 Telegram 发送，请在服务器的备份目录中取用。"


def backup_caption(name: str, made: datetime) -> str:
    return (
        f"🗄 数据库备份 {name}（{made:%Y-%m-%d %H:%M}）。"
        "恢复方法：停止机器人后运行 python -m bot restore 文件名。"
    )
