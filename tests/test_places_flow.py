"""Places end to end: the list, imports, QR stickers and the sticker's deep link."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pypdfium2 as pdfium
import zxingcpp
from PIL import Image

from bot.app import App
from bot.clock import FrozenClock
from bot.domain.roles import Role
from bot.services import places as place_service
from storage import invites
from storage import places as place_repo
from storage import repairs as repair_repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import services
from tests.fakebot.server import BOT_USERNAME, message_text
from tests.images import jpeg_bytes


async def add_places(tg: FakeTelegram, people: Cast, *places: str) -> None:
    for place in places:
        await tg.send_text(people.admin, f"/places add {place}")
        await tg.message(people.admin.id, "已添加地点")


async def test_admin_adds_places_and_everyone_sees_the_list(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await add_places(tg, people, "教学楼 302教室", "男生宿舍 2楼 男厕")
    await tg.send_text(people.teacher, "/places")
    listing = message_text(await tg.message(people.teacher.id, "地点清单"))
    assert "教学楼" in listing and "3楼：302教室" in listing and "2楼：男厕" in listing


async def test_only_an_admin_changes_the_place_list(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "/places add 教学楼 302教室")
    await tg.message(people.teacher.id, "只有管理员")
    assert await place_repo.all_places(services(bot).db) == []


async def test_a_repair_at_a_typed_place_stores_the_listed_name(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await add_places(tg, people, "教学楼 302教室", "实验楼 物理实验室")
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="３０２室 门锁坏了")
    reply = message_text(await tg.message(people.teacher.id, "已提交"))
    assert "教学楼 302教室" in reply
    ticket = await repair_repo.get(services(bot).db, 1)
    assert ticket is not None and ticket.location == "教学楼 302教室"


async def test_an_unmatched_place_is_kept_as_typed_and_can_be_mapped(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await add_places(tg, people, "教学楼 教师办公室")
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="三楼办公室 灯不亮")
    await tg.message(people.teacher.id, "已提交")
    ticket = await repair_repo.get(services(bot).db, 1)
    assert ticket is not None and ticket.location == "三楼办公室"
    await tg.send_text(people.admin, "/places")
    assert "三楼办公室（1次）" in message_text(await tg.message(people.admin.id, "地点清单"))

    await tg.send_text(people.admin, "/places map 三楼办公室 教学楼 教师办公室")
    await tg.message(people.admin.id, "以后写「三楼办公室」就是 教学楼 教师办公室")
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="三楼办公室 插座没电")
    await tg.message(people.teacher.id, "已提交")
    ticket = await repair_repo.get(services(bot).db, 2)
    assert ticket is not None and ticket.location == "教学楼 教师办公室"


def _sheet(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


async def test_admin_imports_places_from_a_sheet_after_a_preview(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await add_places(tg, people, "教学楼 302教室")
    data = _sheet(
        [["楼栋", "楼层", "房间"], ["教学楼", "3楼", "302教室"], ["", "3楼", "303教室"],
         ["男生宿舍", "2楼", "男厕"]]
    )  # fmt: skip
    await tg.send_document(
        people.admin,
        data,
        file_name="地点.xlsx",
        mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        caption="地点",
    )
    preview = await tg.message(people.admin.id, "读到 3 个地点，其中 2 个是新的")
    assert "男生宿舍 男厕" in message_text(preview)
    assert len(await place_repo.all_places(services(bot).db)) == 1  # nothing added yet
    await tg.answer(await tg.tap(people.admin, preview, "导入"))
    await tg.message(people.admin.id, "已导入 2 个地点")
    names = [p.name for p in await place_repo.all_places(services(bot).db)]
    assert sorted(names) == ["教学楼 302教室", "教学楼 303教室", "男生宿舍 男厕"]
    # A second tap on the old preview adds nothing.
    answered = await tg.answer(await tg.tap_data(people.admin, preview, "pl:imp:1"))
    assert "已经导入过" in answered["text"]


async def test_a_csv_in_gbk_is_read_too(bot: App, tg: FakeTelegram, people: Cast) -> None:
    data = "楼栋,房间\n行政楼,会议室\n".encode("gb18030")
    await tg.send_document(
        people.admin, data, file_name="places.csv", mime_type="text/csv", caption="地点"
    )
    await tg.message(people.admin.id, "行政楼 会议室")


def _decode_pdf(pdf: bytes) -> list[str]:
    links: list[str] = []
    document = pdfium.PdfDocument(pdf)
    for page in document:
        image = page.render(scale=2).to_pil()
        links.extend(r.text for r in zxingcpp.read_barcodes(image))
    document.close()
    return links


async def test_qr_stickers_decode_to_each_places_deep_link(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rooms = [f"教学楼 {n}教室" for n in (101, 102, 201, 202, 301, 302, 303)]
    await add_places(tg, people, *rooms, "食堂 操作间")
    await tg.send_text(people.admin, "/qr 教学楼")
    preview = await tg.message(people.admin.id, "预览")
    sheet = await tg.message(people.admin.id, "共 7 张")
    assert sheet["document"]["file_name"].endswith(".pdf")
    pdf = sheet["_bytes"]
    assert pdf.startswith(b"%PDF")
    assert len(pdfium.PdfDocument(pdf)) == 2  # six a page

    places = await place_repo.all_places(services(bot).db, "教学楼")
    expected = {f"https://t.me/{BOT_USERNAME}?start=p{p.code}" for p in places}
    links = _decode_pdf(pdf)
    assert sorted(links) == sorted(expected)

    # The preview is page one, and its codes decode as well.
    image = Image.open(io.BytesIO(preview["_bytes"]))
    assert image.width < image.height  # portrait A4
    assert len({r.text for r in zxingcpp.read_barcodes(image)} & expected) == 6


async def test_only_an_admin_prints_stickers(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.teacher, "/qr")
    await tg.message(people.teacher.id, "管理员")


async def test_scanning_a_sticker_starts_a_report_at_that_place(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await add_places(tg, people, "教学楼 302教室")
    place = (await place_repo.all_places(services(bot).db))[0]
    await tg.send_text(people.teacher, f"/start p{place.code}")
    await tg.message(people.teacher.id, "报修地点：教学楼 302教室，请拍照发来（可加一句说明）")
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="门锁坏了")
    reply = message_text(await tg.message(people.teacher.id, "已提交"))
    assert "教学楼 302教室" in reply
    ticket = await repair_repo.get(services(bot).db, 1)
    assert ticket is not None
    assert (ticket.location, ticket.description) == ("教学楼 302教室", "门锁坏了")
    await tg.message(people.supervisor.id, "教学楼 302教室")

    # Only the next photo: after it, photos are ordinary reports again.
    await tg.send_photo(people.teacher, jpeg_bytes())
    await tg.message(people.teacher.id, "说明")  # the usual "please add a caption"


async def test_a_sticker_photo_without_a_caption_is_still_a_report(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await add_places(tg, people, "男生宿舍 2楼 男厕")
    place = (await place_repo.all_places(services(bot).db))[0]
    await tg.send_text(people.teacher, f"/start p{place.code}")
    await tg.message(people.teacher.id, "请拍照发来")
    await tg.send_photo(people.teacher, jpeg_bytes())
    await tg.message(people.teacher.id, "已提交")
    ticket = await repair_repo.get(services(bot).db, 1)
    assert ticket is not None and ticket.location == "男生宿舍 男厕"


async def test_a_sticker_of_a_removed_place_says_so(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "/start pabcdef")
    await tg.message(people.teacher.id, "已不在清单里")


async def test_a_stranger_scanning_a_sticker_is_asked_to_register(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.stranger, "/start pabcdef")
    reply = message_text(await tg.message(people.stranger.id))
    assert "报修地点" not in reply


async def test_unmatched_places_are_not_noted_without_a_place_list(bot: App) -> None:
    svc = services(bot)
    async with svc.db.transaction() as tx:
        assert await place_service.canonical_location(tx, svc, "三楼") == "三楼"
    assert await place_repo.unmatched(svc.db) == []


async def test_place_history_lists_every_repair_and_suggests_replacing_after_the_third(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    start = clock.now()
    clock.set(start - timedelta(days=120))  # long ago, before there was a place list
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="教学楼302教室 门锁坏了")
    await tg.message(people.teacher.id, "已提交")
    clock.set(start - timedelta(days=60))
    await add_places(tg, people, "教学楼 302教室", "教学楼 303教室")
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="302 门锁又坏了")
    await tg.message(people.teacher.id, "已提交")
    clock.set(start - timedelta(days=10))
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="３０２室 门锁关不上")
    await tg.message(people.teacher.id, "已提交")
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="303 门锁坏了")  # next door
    await tg.message(people.teacher.id, "已提交")
    clock.set(start)
    await tg.send_text(people.teacher, "/place 302")
    text = message_text(await tg.message(people.teacher.id, "报修记录"))
    assert "教学楼 302教室" in text and "共 3 次" in text and "#1" in text and "#4" not in text
    assert "建议更换" not in text  # only two in the last 90 days

    await tg.send_photo(people.teacher, jpeg_bytes(), caption="教学楼三楼302教室 门锁锁不上")
    await tg.message(people.teacher.id, "已提交")
    await tg.send_text(people.teacher, "/place 教学楼302")
    text = message_text(await tg.message(people.teacher.id, "报修记录"))
    assert "近90天门锁报修3次，建议更换" in text
    assert "共 4 次" in text


async def test_place_history_of_an_unknown_place(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await add_places(tg, people, "教学楼 302教室")
    await tg.send_text(people.teacher, "/place 999")
    await tg.message(people.teacher.id, "找不到「999」")


async def test_an_invite_code_starting_with_p_is_still_an_invite(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    svc = services(bot)
    code = "pabcdefghijkmnpqrstuvwxyz2345678"  # 32 characters, like token_urlsafe(24)
    async with svc.db.transaction() as tx:
        await invites.create(
            tx, code, Role.STAFF, by=people.admin.id, now=svc.now(),
            expires_at=svc.now() + timedelta(days=1),
        )  # fmt: skip
    await tg.send_text(people.stranger, f"/start {code}")
    await tg.message(people.stranger.id, "欢迎")


async def test_an_album_after_scanning_a_sticker_is_one_report(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await add_places(tg, people, "教学楼 302教室")
    place = (await place_repo.all_places(services(bot).db))[0]
    await tg.send_text(people.teacher, f"/start p{place.code}")
    await tg.message(people.teacher.id, "请拍照发来")
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="窗户关不上", media_group_id="g1")
    await tg.send_photo(people.teacher, jpeg_bytes(), media_group_id="g1")
    await tg.send_photo(people.teacher, jpeg_bytes(), media_group_id="g1")
    await tg.message(people.teacher.id, "已提交")
    await tg.send_photo(people.teacher, jpeg_bytes())  # a new photo: an ordinary report again
    await tg.message(people.teacher.id, "说明")
    assert len(await repair_repo.photos(services(bot).db, 1)) == 3
    assert await repair_repo.get(services(bot).db, 2) is None
