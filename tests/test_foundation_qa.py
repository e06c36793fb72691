"""What people notice at the edges of the foundation: edits, groups, wording."""

from __future__ import annotations

from decimal import Decimal

from bot.app import App
from bot.domain.messages import split_text
from bot.domain.roles import Role
from storage import purchases as purchase_repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram, TgUser
from tests.fakebot.running import register, services, settled


async def test_editing_a_sent_purchase_line_does_not_add_it_twice(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, "/purchase")
    await tg.message(people.purchaser.id, "采购明细")
    line = await tg.send_text(people.purchaser, "猪肉 20斤 13.5")
    await tg.message(people.purchaser.id, "合计 270.00 元")
    await tg.edit_text(people.purchaser, line, "猪肉 20斤 15.5")
    hint = await tg.message(people.purchaser.id, "不会生效")
    assert "改 行号" in hint["text"]
    draft = await purchase_repo.get(services(bot).db, 1)
    assert draft is not None and len(draft.lines) == 1
    assert draft.total == Decimal("270")


async def test_edited_message_from_a_teacher_gets_a_plain_hint(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    sent = await tg.send_text(people.teacher, "今天开会吗")
    await tg.message(people.teacher.id, "没看懂")
    await tg.edit_text(people.teacher, sent, "/help")
    hint = await tg.message(people.teacher.id, "不会生效")
    assert "采购" not in hint["text"]
    assert await settled(tg, bot, people.teacher.id) == []  # /help was not run from the edit


GROUP = -1009876543


async def test_menu_in_a_group_is_shown_in_that_group(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.canteen, "/setmenu 2026-11-23\n周一 午餐: 红烧肉, 米饭")
    preview = await tg.message(people.canteen.id, "预览")
    await tg.answer(await tg.tap(people.canteen, preview, "保存"))
    await tg.send_text(people.teacher, "/menu@houqin_test_bot", chat_id=GROUP)
    picture = await tg.message(GROUP, "周食谱")
    assert picture.get("photo")
    text = await tg.message(GROUP, "红烧肉")
    assert "米饭" in text["text"]


async def test_other_commands_in_a_group_ask_for_a_private_chat(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, "/purchase 猪肉 20斤 13.5", chat_id=GROUP)
    reply = await tg.message(GROUP, "请私聊我")
    assert "@houqin_test_bot" in reply["text"]
    await tg.send_text(people.teacher, "/help@some_other_bot", chat_id=GROUP)
    await tg.send_text(people.stranger, "/help", chat_id=GROUP)
    assert await settled(tg, bot, GROUP) == []  # another bot's command; a stranger's chatter


async def test_refusal_names_the_allowed_roles_naturally(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "/suppliers")
    refusal = await tg.message(people.teacher.id, "抱歉")
    assert "只有采购员、监督员或食堂管理员可以" in refusal["text"]


async def test_users_list_of_a_big_school_arrives_in_parts(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    svc = services(bot)
    for n in range(120):
        await register(svc, TgUser(50_000 + n, f"教职工{n}号老师", f"teacher_{n}"), Role.STAFF)
    await tg.send_text(people.admin, "/users")
    first = await tg.message(people.admin.id, "已登记 128 人")
    last = await tg.message(people.admin.id, "教职工119号老师")
    assert "/grant" in last["text"] and len(first["text"]) <= 4096


def test_long_text_is_cut_at_line_breaks_within_the_limit() -> None:
    text = "\n".join(f"<b>第{i}行</b> " + "字" * 50 for i in range(200))
    parts = split_text(text)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text  # nothing lost, no line (and no tag) cut in two
    assert split_text("短") == ["短"]
    assert [len(p) for p in split_text("x" * 5000)] == [4096, 904]


async def test_help_for_someone_whose_roles_were_all_revoked_says_so(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.admin, f"/revoke {people.teacher.id} 教职工")
    await tg.message(people.admin.id, "已取消")
    await tg.send_text(people.teacher, "/help")
    reply = await tg.message(people.teacher.id, "您好")
    assert "没有任何角色" in reply["text"] and "您可以" not in reply["text"]


async def test_stranger_flooding_forged_invite_codes_gets_no_more_answers(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    for i in range(8):
        await tg.send_text(people.stranger, f"/start forged-code-{i}")
    for _ in range(5):
        await tg.message(people.stranger.id, "邀请链接无效")
    assert await settled(tg, bot, people.stranger.id) == []


async def test_group_command_menu_offers_only_the_menu(bot: App, tg: FakeTelegram) -> None:
    assert [c["command"] for c in tg.scoped_commands["all_group_chats"]] == ["menu"]
    assert "purchase" in [c["command"] for c in tg.commands]  # private chats keep them all


async def test_admin_may_name_a_person_by_username_or_name_as_users_shows_them(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.admin, "/grant @SUN_T 维修工")
    await tg.message(people.admin.id, "已给 孙老师 添加维修工角色")
    await tg.send_text(people.admin, "/revoke 孙老师 维修工")
    await tg.message(people.admin.id, "已取消 孙老师 的维修工角色")
    await register(services(bot), TgUser(2001, "孙老师"), Role.STAFF)  # a namesake
    await tg.send_text(people.admin, "/remove 孙老师")
    assert "ID" in (await tg.message(people.admin.id, "有 2 位叫“孙老师”的人"))["text"]
