"""What the bot says about the canteen's food-safety records. HTML: user text is escaped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.callbacks import FoodSafetyAction
from bot.domain import foodsafety as rules
from bot.domain.foodsafety import (
    ASPECT_LABELS,
    ASPECTS,
    SYMPTOMS,
    Entry,
    Health,
    Kind,
    Method,
    Worker,
)
from bot.domain.menus import Meal
from bot.domain.messages import Buttons
from bot.domain.patrols import RosterEntry, RoundState, fmt_time
from bot.texts.patrols import day_label, esc

BUTTON_LEN = 14
# How the photo-reply filter recognises our prompts (distinct from the patrol prompt mark).
DISH_PROMPT_MARK = "留样盒照片"
FORM_PROMPT_MARK = "回复本消息可写备注或发照片"

NOT_CANTEEN = "抱歉，晨检、留样和消毒记录由食堂管理员填写。"
NOT_YOUR_FORM = "这份陪餐记录不是派给您的。"
RECORD_GONE = "这条记录找不到了。"
RECORD_CLOSED = "这条记录已经完成了。"
ALREADY_DISCARDED = "这些留样已经处理过了。"
NOT_A_CHECKER = "今天的采购清点不是您值班。"
RATINGS_MISSING = "请先给口味、份量、卫生各打一个分。"
SAVED = "已记下。"
USE_BUTTONS = "这份记录请直接点消息下方的按钮填写。"
DISH_NEEDS_PHOTO = "请回复一张留样盒的照片（文字代替不了照片）。"
PHOTO_SAVED = "照片已记下。"
NOTE_SAVED = "备注已记下。"
NOTHING_CHANGED = "没有需要改的。"
EXPORT_USAGE = "请写月份，例如：/export 食品安全 2026-11（加「照片」可同时导出照片压缩包）"
STAFF_USAGE = (
    "食堂从业人员：\n"
    "/canteen_staff 添加 张三 440301202400123 2027-05-01（姓名、健康证编号、有效期）\n"
    "/canteen_staff 删除 张三\n"
    "同名再次添加即更新健康证（换证后提醒重新开始）。\n"
    "健康证照片（可选）：发照片并配文字「健康证 张三」。"
)
ROSTER_USAGE = (
    "轮值安排，例如：\n"
    "/canteen_roster 陪餐 周一 王校长\n"
    "/canteen_roster 清点 周二 孙老师 李老师\n"
    "/canteen_roster 陪餐 2026-12-01 王校长\n"
    "/canteen_roster 清点 周二 清空"
)


def meal_label(meal: Meal | None) -> str:
    return meal.label if meal else ""


def record_title(kind: Kind, day: date, meal: Meal | None) -> str:
    return f"{meal_label(meal)}{kind.label} · {day_label(day)}"


def state_line(
    state: RoundState, done_by: str | None, done_at: datetime | None, tz: ZoneInfo
) -> str:
    if state in (RoundState.SUBMITTED, RoundState.LATE) and done_at is not None:
        late = "（迟交）" if state is RoundState.LATE else ""
        return f"✅ 已由 {esc(done_by)} 于 {done_at.astimezone(tz):%H:%M} 完成{late}"
    if state is RoundState.MISSED:
        return "⏰ 已超时，已报告管理员；补填后记为迟交。"
    return ""


def _short(text: str) -> str:
    return text if len(text) <= BUTTON_LEN else text[: BUTTON_LEN - 1] + "…"


# ---------------------------------------------------------------- 晨检


def health_text(
    title: str,
    entries: Sequence[Entry],
    workers: Mapping[int, Worker],
    today: date,
    state_line: str,
) -> str:
    lines = [
        f"🩺 <b>{esc(title)}</b>",
        "请逐人确认今天的身体状况（发热、腹泻、手部伤口等不得上岗）。\n"
        "点姓名记为健康，有症状或请假点右侧按钮：",
    ]
    for e in entries:
        worker = workers.get(e.worker_id or 0)
        flag = ""
        if worker is not None and worker.expired(today):
            flag = " ⛔健康证已过期，不得上岗"
        elif worker is not None and worker.cert_expires is None:
            flag = " （未登记健康证）"
        symptom = (
            f"：{esc(e.note)}，今天不得接触食品" if e.status is Health.UNWELL and e.note else ""
        )
        lines.append(f"{e.status.icon} {esc(e.label)} {e.status.label}{symptom}{flag}")
    done = sum(e.status is not Health.UNCHECKED for e in entries)
    lines.append(f"\n已检 {done}/{len(entries)}")
    if state_line:
        lines.append(state_line)
    return "\n".join(lines)


def health_buttons(record_id: int, entries: Sequence[Entry]) -> Buttons:
    rows: Buttons = []
    for e in entries:
        rows.append(
            [
                (
                    f"{e.status.icon} {_short(e.label)}",
                    callbacks.button(FoodSafetyAction.HEALTH, record_id, e.position, "h"),
                ),
                ("有症状", callbacks.button(FoodSafetyAction.HEALTH, record_id, e.position, "u")),
                ("请假", callbacks.button(FoodSafetyAction.HEALTH, record_id, e.position, "l")),
            ]
        )
    rows.append([("👌 其余全部健康", callbacks.button(FoodSafetyAction.ALL_HEALTHY, record_id))])
    return rows


def symptom_prompt(name: str) -> str:
    return (
        f"🤒 {esc(name)} 有什么症状？请点选。\n"
        f"<b>{esc(name)} 今天不得从事接触直接入口食品的工作</b>，请安排调岗或休息，必要时就医。"
    )


def symptom_buttons(entry_id: int) -> Buttons:
    row = [
        (s, callbacks.button(FoodSafetyAction.SYMPTOM, entry_id, i)) for i, s in enumerate(SYMPTOMS)
    ]
    return [row[:4], row[4:]]


def symptom_saved(name: str, symptom: str) -> str:
    return f"已记下：{esc(name)}，{esc(symptom)}。今天不得接触食品，请安排调岗或休息。"


def unwell_alert(title: str, name: str, symptom: str | None) -> str:
    what = f"（{esc(symptom)}）" if symptom else ""
    return f"🤒 {esc(title)}：{esc(name)} 有症状{what}，今天不上岗接触食品。"


# ---------------------------------------------------------------- 留样


def sample_text(title: str, entries: Sequence[Entry], state_line: str) -> str:
    lines = [
        f"🥡 <b>{esc(title)}</b>",
        f"每样菜品留样 ≥{rules.SAMPLE_GRAMS} 克，贴好标签，冷藏 48 小时。"
        "点菜名后按提示发照片，点 ⚖️ 确认份量：",
    ]
    for e in entries:
        photo = "📷" if e.has_photo else "▫️无照片"
        weight = f"⚖️≥{rules.SAMPLE_GRAMS}g" if e.weighed else "▫️未称量"
        mark = "✅" if e.sampled else "▫️"
        lines.append(f"{mark} {e.position}. {esc(e.label)}  {photo}  {weight}")
    done = sum(e.sampled for e in entries)
    lines.append(f"\n已留样 {done}/{len(entries)}")
    if state_line:
        lines.append(state_line)
    return "\n".join(lines)


def sample_buttons(record_id: int, entries: Sequence[Entry]) -> Buttons:
    rows: Buttons = []
    for e in entries:
        rows.append(
            [
                (
                    f"{'✅📷' if e.has_photo else '📷'} {e.position}. {_short(e.label)}",
                    callbacks.button(FoodSafetyAction.DISH_PHOTO, record_id, e.position),
                ),
                (
                    f"{'✅' if e.weighed else '▫️'} ≥{rules.SAMPLE_GRAMS}g",
                    callbacks.button(FoodSafetyAction.WEIGHED, record_id, e.position),
                ),
            ]
        )
    rows.append(
        [
            (
                f"⚖️ 全部 ≥{rules.SAMPLE_GRAMS}g",
                callbacks.button(FoodSafetyAction.ALL_WEIGHED, record_id),
            )
        ]
    )
    return rows


def dish_prompt(title: str, dish: str) -> str:
    return (
        f"📷 {esc(title)}：请<b>回复这条消息</b>发送「{esc(dish)}」的{DISH_PROMPT_MARK}"
        "（标签写明日期、餐次、菜名、留样人）。"
    )


def sample_escalation(title: str, missing: Sequence[str], people: Sequence[str]) -> str:
    who = "、".join(esc(p) for p in people) or "（没有食堂管理员）"
    dishes = "、".join(f"「{esc(d)}」" for d in missing)
    return f"⚠️ {esc(title)} 仍未完成：{dishes} 缺少留样照片或份量确认。负责人：{who}"


def discard_notice(title: str, dishes: Sequence[str], kept: datetime, tz: ZoneInfo) -> str:
    names = "、".join(esc(d) for d in dishes)
    return (
        f"🗑 {esc(title)} 的留样（{kept.astimezone(tz):%m-%d %H:%M} 留存）已满 48 小时，"
        f"可以处理：{names}。"
        "处理后请点「已处理」。"
    )


def discard_buttons(record_id: int) -> Buttons:
    return [[("✅ 已处理", callbacks.button(FoodSafetyAction.DISCARD, record_id))]]


def discarded_line(name: str, when: datetime, tz: ZoneInfo) -> str:
    return f"✅ 已由 {esc(name)} 于 {when.astimezone(tz):%m-%d %H:%M} 处理。"


# ---------------------------------------------------------------- 消毒


def disinfect_text(title: str, data: Mapping[str, object], state_line: str) -> str:
    lines = [f"🧼 <b>{esc(title)}</b>"]
    method = data.get("method")
    if isinstance(method, str) and method in Method.__members__.values():
        m = Method(method)
        lines.append(
            f"方式：{m.label}　开始：{data.get('start', '')}　时长：{data.get('minutes', '')} 分钟"
        )
        lines.append("如时间或时长不同，回复这条消息写「12:40 40分钟」即可更正。")
    else:
        lines.append("餐具消毒后点一下消毒方式（开始时间记为点选时刻，时长为该方式的常规时长）：")
    if state_line:
        lines.append(state_line)
    return "\n".join(lines)


def disinfect_buttons(record_id: int) -> Buttons:
    usual = rules.USUAL_METHOD
    others = [m for m in Method if m is not usual]
    return [
        [
            (
                f"✅ {usual.label} {usual.minutes}分钟（常用）",
                callbacks.button(FoodSafetyAction.DISINFECT, record_id, usual.value),
            )
        ],
        [
            (
                f"{m.label} {m.minutes}分钟",
                callbacks.button(FoodSafetyAction.DISINFECT, record_id, m.value),
            )
            for m in others
        ],
    ]


# ---------------------------------------------------------------- 陪餐


def accompany_text(
    title: str,
    ratings: Mapping[str, int],
    note: str | None,
    has_photo: bool,
    state_line: str,
) -> str:
    lines = [f"🍱 <b>{esc(title)}</b>", "请为今天的午餐打分（1 差 – 5 好）："]
    for a in ASPECTS:
        score = ratings.get(a, 0)
        lines.append(f"{ASPECT_LABELS[a]}：{'★' * score + '☆' * (5 - score) if score else '未评'}")
    if note:
        lines.append(f"备注：{esc(note)}")
    if has_photo:
        lines.append("📷 已附照片")
    lines.append(f"（{FORM_PROMPT_MARK}；3 分及以下或有备注会转给食堂管理员和管理员）")
    if state_line:
        lines.append(state_line)
    return "\n".join(lines)


def accompany_buttons(record_id: int, ratings: Mapping[str, int]) -> Buttons:
    rows: Buttons = []
    for a in ASPECTS:
        rows.append(
            [(ASPECT_LABELS[a], callbacks.button(FoodSafetyAction.ROW_LABEL, record_id))]
            + [
                (
                    f"{'●' if ratings.get(a) == s else ''}{s}",
                    callbacks.button(FoodSafetyAction.RATE, record_id, a, s),
                )
                for s in range(1, 6)
            ]
        )
    rows.append(
        [
            ("👍 都很好（全5分）", callbacks.button(FoodSafetyAction.ALL_GOOD, record_id)),
            ("📤 提交", callbacks.button(FoodSafetyAction.SUBMIT, record_id)),
        ]
    )
    return rows


def accompany_problem(title: str, leader: str, ratings: Mapping[str, int], note: str | None) -> str:
    scores = "，".join(f"{ASPECT_LABELS[a]} {ratings.get(a, 0)} 分" for a in ASPECTS)
    extra = f"\n备注：{esc(note)}" if note else ""
    return f"🍱 {esc(title)}：{esc(leader)} 反映问题 — {scores}{extra}\n请食堂及时整改。"


# ---------------------------------------------------------------- reminders and escalation


def reminder(title: str, minutes: int) -> str:
    return f"⏰ 提醒：{esc(title)} 还没有完成，请尽快填写。{minutes} 分钟后仍未完成将报告管理员。"


def missed_alert(title: str, people: Sequence[str]) -> str:
    who = "、".join(esc(p) for p in people) or "（无人负责）"
    return f"⚠️ {esc(title)} 超时未完成。负责人：{who}"


def nobody_to_send(title: str) -> str:
    return f"⚠️ {esc(title)} 没有可发送的人（没有食堂管理员或陪餐领导未登记），请安排。"


def no_workers(title: str) -> str:
    return (
        f"⚠️ {esc(title)}：还没有登记食堂从业人员。请用 /canteen_staff 添加 姓名 健康证编号 有效期。"
    )


def answer_done(kind: Kind, state: RoundState) -> str:
    late = "（迟交）" if state is RoundState.LATE else ""
    return f"{kind.label}记录已完成{late}，谢谢！"


# ---------------------------------------------------------------- certificates


def cert_reminder(worker: Worker, today: date) -> str:
    left = worker.days_left(today)
    when = worker.cert_expires.isoformat() if worker.cert_expires else ""
    if left is not None and left < 0:
        return f"⛔ {esc(worker.name)} 的健康证已于 {when} 过期，换证前不得上岗。"
    return f"📇 {esc(worker.name)} 的健康证将于 {when} 到期（还有 {left} 天），请安排体检换证。"


def staff_text(workers: Sequence[Worker], today: date) -> str:
    if not workers:
        return "还没有登记食堂从业人员。\n\n" + STAFF_USAGE
    lines = ["👩‍🍳 <b>食堂从业人员</b>"]
    for w in workers:
        left = w.days_left(today)
        if left is None:
            cert = "未登记健康证"
        elif left < 0:
            cert = f"⛔ 健康证 {w.cert_no or ''} 已于 {w.cert_expires} 过期"
        else:
            cert = f"健康证 {esc(w.cert_no or '')} 至 {w.cert_expires}（{left} 天）"
        photo = " 📷" if w.photo_path else ""
        lines.append(f"· {esc(w.name)}：{cert}{photo}")
    return "\n".join(lines)


def worker_saved(name: str, created: bool) -> str:
    return f"已{'添加' if created else '更新'}：{esc(name)}。"


def worker_photo_saved(name: str) -> str:
    return f"已保存 {esc(name)} 的健康证照片。"


def worker_removed(name: str) -> str:
    return f"已删除：{esc(name)}（以往记录保留）。"


def roster_text(duties: Mapping[str, Sequence[RosterEntry]], names: Mapping[int, str]) -> str:
    lines = ["📅 <b>食堂轮值</b>"]
    for label, entries in duties.items():
        by_key: dict[str, list[str]] = {}
        for e in entries:
            by_key.setdefault(e.key_label, []).append(names.get(e.user_id, str(e.user_id)))
        body = "；".join(f"{k} {'、'.join(esc(n) for n in v)}" for k, v in by_key.items())
        lines.append(f"{label}：{body or '未安排'}")
    lines.append("")
    lines.append(ROSTER_USAGE)
    return "\n".join(lines)


def roster_set(duty_label: str, key: str, names: Sequence[str]) -> str:
    if not names:
        return f"已清空 {duty_label} {key} 的轮值。"
    return f"{duty_label} {key}：{'、'.join(esc(n) for n in names)}"


# ---------------------------------------------------------------- purchase check


def purchase_check_buttons(purchase_id: int) -> Buttons:
    return [[("✅ 清点确认", callbacks.button(FoodSafetyAction.PURCHASE_CHECK, purchase_id))]]


def purchase_check_intro(text: str) -> str:
    return (
        "🧮 今天您负责采购清点（全校教师轮流管理食堂事务）。"
        f"请核对数量和质量后点「清点确认」。\n\n{text}"
    )


def purchase_checked(number: str) -> str:
    return f"已记下：采购单 {number} 已由您清点确认。"


def checked_by_line(number: str, names: Sequence[str]) -> str:
    return f"{number} 清点：{'、'.join(esc(n) for n in names)}"


# ---------------------------------------------------------------- export and report

EXPORT_HEADERS: dict[str, tuple[str, ...]] = {
    "晨检": (
        "日期",
        "姓名",
        "健康证编号",
        "健康证有效期",
        "结果",
        "症状",
        "检查人",
        "检查时间",
        "缺失",
    ),
    "留样": (
        "日期",
        "餐次",
        "菜品",
        "≥125g",
        "照片",
        "留样人",
        "留样时间",
        "处理人",
        "处理时间",
        "缺失",
    ),
    "消毒": ("日期", "餐次", "方式", "开始时间", "时长(分钟)", "记录人", "记录时间", "缺失"),
    "陪餐": ("日期", "陪餐人", "口味", "份量", "卫生", "备注", "照片", "记录时间", "缺失"),
    "采购验收": ("日期", "单号", "采购员", "合计(元)", "监督员确认", "清点人", "清点时间", "缺失"),
}


def export_name(first: date) -> str:
    return f"食品安全台账-{first:%Y-%m}.xlsx"


def photos_name(first: date) -> str:
    return f"食品安全照片-{first:%Y-%m}.zip"


def export_caption(first: date, gaps: int) -> str:
    tail = f"，缺失 {gaps} 处（红色）" if gaps else "，无缺失"
    return (
        f"📒 {first.year}年{first.month}月 食品安全台账：晨检、留样、消毒、陪餐、采购验收{tail}。"
    )


def photos_caption(first: date, count: int) -> str:
    return f"📷 {first.year}年{first.month}月 食品安全照片 {count} 张。"


def no_records(first: date) -> str:
    return f"{first.year}年{first.month}月没有食品安全记录（当月没有公布食谱，也没有记录）。"


def no_photos(first: date) -> str:
    return f"{first.year}年{first.month}月没有食品安全照片。"


def gap_text(kind: Kind, meal: Meal | None, reason: str) -> str:
    return f"缺{meal_label(meal)}{kind.label}：{reason}"


def report_lines(
    complete: int, days: int, sampled: int, served: int, expired: Sequence[str]
) -> list[str]:
    lines = [
        "",
        f"🥗 <b>食品安全</b> 记录齐全 {complete}/{days} 天；留样 {sampled}/{served} 餐",
    ]
    if expired:
        lines.append(f"　健康证已过期：{'、'.join(esc(n) for n in expired)}")
    else:
        lines.append("　健康证均在有效期内")
    return lines


def times_text(times: rules.Times) -> str:
    return (
        f"⏰ 食品安全记录时间：晨检 {fmt_time(times.health)}，"
        f"早餐 {fmt_time(times.breakfast)}，午餐 {fmt_time(times.lunch)}，"
        f"晚餐 {fmt_time(times.dinner)}（留样在开餐时，消毒和陪餐记录在一小时后）。\n"
        "修改：/canteen_times 06:00,07:00,11:30,17:30"
    )


def times_set(times: rules.Times) -> str:
    return "已修改。" + times_text(times).split("\n")[0]
