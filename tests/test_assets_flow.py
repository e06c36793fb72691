"""The asset register and stocktakes end to end."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

import openpyxl

from bot.app import App
from bot.domain.repairs import Category, RepairState
from storage import assets as asset_repo
from storage import repairs as repair_repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import services
from tests.fakebot.server import buttons, message_text
from tests.images import jpeg_bytes
from tests.test_stock_flow import _repair_done


async def setup_assets(tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.admin, "/places add 教学楼 302教室")
    await tg.message(people.admin.id, "已添加地点")
    for line in (
        "空调 教学楼302 编号 KT-017 2019-09 3200元",
        "投影仪 ３０２ 编号 TY-003 2021-03-15 4500元",
        "饮水机 教学楼一楼大厅 编号 YS-001",
    ):
        await tg.send_text(people.admin, f"/assets add {line}")
        await tg.message(people.admin.id, "已登记资产")


async def test_an_asset_is_registered_at_the_listed_place(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.admin, "/places add 教学楼 302教室")
    await tg.message(people.admin.id, "已添加地点")
    await tg.send_text(people.admin, "/assets add 空调 教学楼302 编号 kt-017 2019-09 3200元")
    said = message_text(await tg.message(people.admin.id, "已登记资产"))
    assert "KT-017" in said and "教学楼 302教室" in said and "3200.00 元" in said
    asset = await asset_repo.by_tag(services(bot).db, "KT-017")
    assert asset is not None
    assert (asset.place, asset.bought, asset.value) == ("教学楼 302教室", "2019-09", Decimal(3200))
    assert asset.category is Category.APPLIANCE

    await tg.send_text(people.admin, "/assets add 空调 教学楼302 编号 KT-017")
    await tg.message(people.admin.id, "已登记过了")


async def test_only_an_admin_registers_assets(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.teacher, "/assets add 空调 教学楼302 编号 KT-017")
    await tg.message(people.teacher.id, "管理员")
    assert await asset_repo.all_assets(services(bot).db) == []


async def test_a_stocktake_turns_a_damaged_asset_into_a_repair(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await setup_assets(tg, people)
    await tg.send_text(people.admin, "/stocktake 教学楼")
    await tg.message(people.admin.id, "开始盘点「教学楼」，共 2 处")
    room = await tg.message(people.admin.id, "盘点 · 教学楼 302教室")
    await tg.message(people.admin.id, "盘点 · 教学楼一楼大厅")
    assert "KT-017" in message_text(room) and "TY-003" in message_text(room)

    answered = await tg.answer(await tg.tap(people.admin, room, "KT-017 损坏"))
    assert "已转报修单 #1" in answered["text"]
    ticket = await repair_repo.get(services(bot).db, 1)
    assert ticket is not None and ticket.state is RepairState.NEW
    assert ticket.location == "教学楼 302教室" and "KT-017" in ticket.description
    await tg.message(people.supervisor.id, "盘点发现损坏")
    await tg.answer(await tg.tap(people.admin, room, "TY-003 缺失"))
    # Ticking 损坏 again files no second report.
    await tg.answer(await tg.tap(people.admin, room, "KT-017 损坏"))
    assert await repair_repo.get(services(bot).db, 2) is None
    now = message_text(tg.current(room))
    assert "🔧 KT-017 空调 损坏（已报修 #1）" in now and "❓ TY-003 投影仪 缺失" in now

    await tg.send_text(people.admin, "/asset KT-017")
    record = message_text(await tg.message(people.admin.id, "用料费用合计"))
    assert "KT-017" in record and "维修 1 次" in record and "#1" in record

    await tg.send_text(people.admin, "/export stocktake")
    sent = await tg.message(people.admin.id, "盘点结果")
    book = openpyxl.load_workbook(io.BytesIO(sent["_bytes"]))
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    results = {r[0]: (r[3], r[4] or "") for r in rows}  # an empty cell reads as None
    assert results == {"KT-017": ("损坏", "#1"), "TY-003": ("缺失", ""), "YS-001": ("未盘", "")}
    flagged = [r[0] for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert sorted(flagged) == ["KT-017", "TY-003"]


async def test_the_register_exports_with_values_excel_can_sum(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await setup_assets(tg, people)
    await tg.send_text(people.admin, "/export assets")
    sent = await tg.message(people.admin.id, "资产台账")
    sheet = openpyxl.load_workbook(io.BytesIO(sent["_bytes"])).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    by_tag = {r[0]: r for r in rows if r[0] and r[0] != "合计"}
    assert by_tag["KT-017"][3] == "教学楼 302教室" and by_tag["KT-017"][5] == 3200
    assert by_tag["TY-003"][4] == "2021-03-15"
    assert rows[-1][0] == "合计" and rows[-1][5] == 7700


async def test_a_repair_linked_to_an_asset_counts_in_its_record(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await setup_assets(tg, people)
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="302 空调不制冷")
    await tg.message(people.teacher.id, "已提交")
    await tg.send_text(people.supervisor, "/asset KT-017 link 1")
    await tg.message(people.supervisor.id, "已把报修单 #1 记到 KT-017")
    await tg.send_text(people.teacher, "/asset KT-017")
    record = message_text(await tg.message(people.teacher.id, "维修 1 次"))
    assert "空调不制冷" in record and "用料费用合计 0.00 元" in record


async def test_the_repairer_links_a_done_repair_to_an_asset_of_its_place(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await setup_assets(tg, people)
    question = await _repair_done(tg, people, "修的是哪件资产")  # at 教学楼302教室, no stock
    assert "🏷 KT-017 空调" in buttons(question) and "🏷 TY-003 投影仪" in buttons(question)
    assert "🏷 YS-001 饮水机" not in buttons(question)  # another place
    forged = await tg.answer(await tg.tap(people.teacher, question, "KT-017"))
    assert "维修工" in forged["text"]
    kt = await asset_repo.by_tag(services(bot).db, "KT-017")
    assert kt is not None and await asset_repo.repairs_of(services(bot).db, kt.id) == []
    answered = await tg.answer(await tg.tap(people.repairer, question, "KT-017"))
    assert "已把报修单 #1 记到 KT-017" in answered["text"]
    await tg.send_text(people.repairer, "/asset KT-017")
    record = message_text(await tg.message(people.repairer.id, "维修 1 次"))
    assert "灯管不亮" in record


async def test_admin_imports_the_register_kept_in_excel(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.admin, "/places add 教学楼 302教室")
    await tg.message(people.admin.id, "已添加地点")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["学校资产登记表"])  # a title row above the header
    sheet.append(["资产编号", "名称", "存放地点", "购置日期", "原值"])
    sheet.append(["KT-017", "空调", "教学楼302", datetime(2019, 9, 1), 3200])
    sheet.append(["TY-003", "投影仪", "302", "2021-03", "4500.5"])
    sheet.append(["", "无编号的桌子", "教学楼302", "", ""])
    buf = io.BytesIO()
    book.save(buf)
    await tg.send_document(
        people.admin, buf.getvalue(), file_name="资产.xlsx",
        mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        caption="资产",
    )  # fmt: skip
    preview = await tg.message(people.admin.id, "读到 2 件资产")
    assert "第 5 行没读懂" in message_text(preview)
    assert await asset_repo.all_assets(services(bot).db) == []
    await tg.answer(await tg.tap(people.admin, preview, "导入"))
    await tg.message(people.admin.id, "已导入 2 件资产")
    kt = await asset_repo.by_tag(services(bot).db, "KT-017")
    ty = await asset_repo.by_tag(services(bot).db, "TY-003")
    assert kt is not None and (kt.place, kt.bought, kt.value) == (
        "教学楼 302教室", "2019-09-01", Decimal("3200.00"),
    )  # fmt: skip
    assert ty is not None and (ty.place, ty.value) == ("教学楼 302教室", Decimal("4500.50"))


async def test_a_missing_or_damaged_asset_takes_a_note_and_a_photo(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await setup_assets(tg, people)
    await tg.send_text(people.admin, "/stocktake 教学楼")
    room = await tg.message(people.admin.id, "盘点 · 教学楼 302教室")
    await tg.answer(await tg.tap(people.admin, room, "TY-003 缺失"))
    await tg.message(people.admin.id, "可以回复一句说明")
    await tg.send_text(people.admin, "借给三年级用了")
    await tg.message(people.admin.id, "已记下 TY-003 的说明")
    await tg.answer(await tg.tap(people.admin, room, "KT-017 损坏"))
    await tg.message(people.admin.id, "可以回复一句说明")
    await tg.send_photo(people.admin, jpeg_bytes())
    await tg.message(people.admin.id, "已记下 KT-017 的说明")
    photos = await repair_repo.photos(services(bot).db, 1)
    assert len(photos) == 1  # the damage photo is on the repair report
    # The note was taken once: the next photo is an ordinary repair report again.
    await tg.send_photo(people.admin, jpeg_bytes(), caption="教学楼302教室 窗户玻璃裂了")
    await tg.message(people.admin.id, "已提交")

    await tg.send_text(people.admin, "/export stocktake")
    sent = await tg.message(people.admin.id, "盘点结果")
    sheet = openpyxl.load_workbook(io.BytesIO(sent["_bytes"])).worksheets[1]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["TY-003"][5] == "借给三年级用了"
    assert rows["KT-017"][6] == "有"
