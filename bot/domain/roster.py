"""The staff roster (名单) an admin imports from an .xlsx or .csv file: reading the table,
checking each row, and matching people who join by name. Framework-free."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from bot.domain.errors import DomainError
from bot.domain.roles import Role, parse_role

MAX_ROWS = 3000
MAX_NAME = 30
_PHONE = re.compile(r"^1\d{10}$")  # a mainland mobile number
_HEADERS = {
    "name": ("姓名", "名字", "name"),
    "role": ("角色", "岗位", "身份", "role"),
    "phone": ("手机号", "手机", "电话", "联系电话", "phone"),
    "department": ("部门", "科室", "年级组", "department"),
}


@dataclass(frozen=True)
class RosterEntry:
    name: str
    role: Role
    phone: str | None = None
    department: str | None = None

    @property
    def key(self) -> str:
        return name_key(self.name)


@dataclass(frozen=True)
class BadRow:
    line: int  # as the spreadsheet numbers it (the header is line 1)
    text: str  # what the row said, shortened
    reason: str


@dataclass(frozen=True)
class RosterPreview:
    entries: tuple[RosterEntry, ...]
    bad: tuple[BadRow, ...]

    def by_role(self) -> dict[Role, int]:
        counts: dict[Role, int] = {}
        for entry in self.entries:
            counts[entry.role] = counts.get(entry.role, 0) + 1
        return counts


def name_key(name: str) -> str:
    """How a joiner's Telegram name is matched with the roster: spaces do not count."""
    return "".join(name.split()).lower()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 13800138000 typed into Excel arrives as a float
    return " ".join(str(value).split())


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """The rows of an .xlsx (first sheet) or .csv (UTF-8 or GBK, as Excel saves it)."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        return _read_xlsx(data)
    if lower.endswith(".csv") or lower.endswith(".txt"):
        return _read_csv(data)
    raise DomainError("请发送 .xlsx 或 .csv 格式的名单文件。")


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # heavy import, only when a roster arrives

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise DomainError("这个 .xlsx 文件打不开，请检查后重新发送。") from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError("这个 .csv 文件的编码无法识别，请另存为 UTF-8 后重新发送。")
    return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text))][: MAX_ROWS + 1]


def _columns(header: list[str]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        for field, names in _HEADERS.items():
            if title.strip().lower() in names and field not in found:
                found[field] = index
    return found if "name" in found and "role" in found else None


def parse_roster(rows: list[list[str]]) -> RosterPreview:
    """Check every row; the good ones are the roster, the others come back with a reason.
    The first row is the header (姓名, 角色, optional 手机号 and 部门)."""
    rows = [r for r in rows]
    while rows and not any(rows[0]):
        rows.pop(0)
    if not rows:
        raise DomainError("文件是空的。第一行写表头：姓名、角色（可加 手机号、部门）。")
    columns = _columns(rows[0])
    if columns is None:
        raise DomainError("没有找到表头。第一行要有「姓名」和「角色」两列（可加 手机号、部门）。")
    if len(rows) - 1 > MAX_ROWS:
        raise DomainError(f"名单太长了，一次最多 {MAX_ROWS} 行。")

    def get(row: list[str], field: str) -> str:
        index = columns.get(field)
        return row[index].strip() if index is not None and index < len(row) else ""

    entries: list[RosterEntry] = []
    bad: list[BadRow] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        text = "，".join(c for c in row if c)[:40]
        name, role_text = get(row, "name"), get(row, "role")
        phone = re.sub(r"[\s\-]", "", get(row, "phone")) or None
        reason = None
        role: Role | None = None
        if not name:
            reason = "缺少姓名"
        elif len(name) > MAX_NAME:
            reason = "姓名太长"
        elif not role_text:
            reason = "缺少角色"
        else:
            try:
                role = parse_role(role_text)
            except DomainError:
                reason = f"没有这个角色：{role_text[:10]}"
            else:
                if role is Role.ADMIN:
                    reason = "管理员不能通过名单导入，请用 /grant"
        if reason is None and phone is not None and not _PHONE.match(phone):
            reason = f"手机号不对：{phone[:15]}"
        if reason is None and name_key(name) in seen:
            reason = f"与第 {seen[name_key(name)]} 行重名"
        if reason is not None or role is None:
            bad.append(BadRow(line, text, reason or "无法识别"))
            continue
        seen[name_key(name)] = line
        entries.append(RosterEntry(name, role, phone, get(row, "department") or None))
    return RosterPreview(tuple(entries), tuple(bad))
