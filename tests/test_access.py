"""Invites, strangers, roles: who may use the bot and what they see."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.app import App
from bot.clock import FrozenClock
from bot.domain.roles import Role
from storage import people as people_repo
from tests.conftest import Cast
from tests.fakebot import BOT_USERNAME, FakeTelegram, TgUser
from tests.fakebot.running import services, settled

NEWCOMER = TgUser(5001, "吴老师", "wu_t")
LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]+)")


async def invite(tg: FakeTelegram, admin: TgUser, role: str) -> str:
    await tg.send_text(admin, f"/invite {role}")
    reply = await tg.message(admin.id, "邀请")
    match = LINK.search(reply["text"])
    assert match, reply["text"]
    code = match.group(1)
    assert len(code) >= 22  # >= 128 random bits in base64url
    return code


async def test_admin_invites_each_role_by_link_and_newcomer_is_registered(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    for index, role in enumerate(Role):
        user = TgUser(7000 + index, f"新人{index}")
        code = await invite(tg, people.admin, role.label if index % 2 else role.value)
        await tg.send_text(user, f"/start {code}")
        welcome = await tg.message(user.id, "欢迎")
        assert role.label in welcome["text"]
        person = await people_repo.get(services(bot).db, user.id)
        assert person is not None and role in person.roles


async def test_invite_link_works_only_once(bot: App, tg: FakeTelegram, people: Cast) -> None:
    code = await invite(tg, people.admin, "维修工")
    await tg.send_text(NEWCOMER, f"/start {code}")
    await tg.message(NEWCOMER.id, "欢迎")
    other = TgUser(5002, "另一个人")
    await tg.send_text(other, f"/start {code}")
    assert "用过" in (await tg.message(other.id))["text"]
    assert await people_repo.get(services(bot).db, other.id) is None


async def test_expired_invite_is_refused(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    code = await invite(tg, people.admin, "staff")
    clock.advance(timedelta(days=7, minutes=1))
    await tg.send_text(NEWCOMER, f"/start {code}")
    assert "过期" in (await tg.message(NEWCOMER.id))["text"]
    assert await people_repo.get(services(bot).db, NEWCOMER.id) is None


async def test_forged_invite_code_is_refused(bot: App, tg: FakeTelegram) -> None:
    await tg.send_text(NEWCOMER, "/start AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert "无效" in (await tg.message(NEWCOMER.id))["text"]
    assert await people_repo.get(services(bot).db, NEWCOMER.id) is None


async def test_unknown_role_in_invite_is_explained(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.admin, "/invite 校长")
    reply = await tg.message(people.admin.id)
    assert "没有这个角色" in reply["text"] and "监督员" in reply["text"]


async def test_only_admins_can_invite(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.supervisor, "/invite 管理员")
    assert "只有管理员" in (await tg.message(people.supervisor.id))["text"]


async def test_stranger_is_told_to_ask_for_an_invite_and_nothing_is_recorded(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.stranger, "你好")
    assert "邀请" in (await tg.message(people.stranger.id))["text"]
    await tg.send_text(people.stranger, "/repairs")
    assert "邀请" in (await tg.message(people.stranger.id))["text"]
    db = services(bot).db
    assert await people_repo.get(db, people.stranger.id) is None
    assert (
        await db.fetchval("SELECT COUNT(*) FROM audit WHERE actor_id = ?", (people.stranger.id,))
        == 0
    )


async def test_stranger_pressing_a_button_gets_an_alert(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "/help")
    help_message = await tg.message(people.teacher.id)
    query = await tg.tap_data(people.stranger, help_message, "rp:acc:1")
    answer = await tg.answer(query)
    assert answer["show_alert"] and "邀请" in answer["text"]


async def test_stranger_who_floods_gets_no_more_answers(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    for i in range(8):
        await tg.send_text(people.stranger, f"喂{i}")
    for _ in range(5):
        await tg.message(people.stranger.id, "邀请")
    assert await settled(tg, bot, people.stranger.id) == []


async def test_admin_from_settings_is_registered_on_first_message(
    tg: FakeTelegram, settings: object, clock: FrozenClock, people: Cast
) -> None:
    from tests.fakebot.running import running_bot

    async with running_bot(settings, clock):  # type: ignore[arg-type]
        await tg.send_text(people.admin, "/start")
        reply = await tg.message(people.admin.id, "您可以")
        assert "管理员" in reply["text"] and "/invite" in reply["text"]


async def test_help_shows_what_each_role_can_do(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.purchaser, "/help")
    text = (await tg.message(people.purchaser.id))["text"]
    assert "/purchase" in text and "/invite" not in text
    await tg.send_text(people.teacher, "/help")
    text = (await tg.message(people.teacher.id))["text"]
    assert "报修" in text and "/purchase " not in text


async def test_command_menu_has_chinese_descriptions(bot: App, tg: FakeTelegram) -> None:
    assert tg.commands, "setMyCommands was not called"
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in c["description"]) for c in tg.commands)


async def test_admin_lists_people_with_names_escaped(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    odd = TgUser(5003, "<b>坏</b> & 名字")
    from tests.fakebot.running import register

    await register(services(bot), odd, Role.STAFF)
    await tg.send_text(people.admin, "/users")
    text = (await tg.message(people.admin.id, "已登记"))["text"]
    assert "&lt;b&gt;坏&lt;/b&gt; &amp; 名字" in text
    assert "刘师傅" in text and "维修工" in text


async def test_admin_grants_and_revokes_roles_and_the_person_is_told(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.admin, f"/grant {people.teacher.id} 巡查员")
    assert "添加" in (await tg.message(people.admin.id))["text"]
    assert "新增巡查员" in (await tg.message(people.teacher.id))["text"]
    person = await people_repo.get(services(bot).db, people.teacher.id)
    assert person is not None and Role.PATROL in person.roles
    await tg.send_text(people.admin, f"/revoke {people.teacher.id} patrol")
    assert "取消" in (await tg.message(people.admin.id))["text"]
    person = await people_repo.get(services(bot).db, people.teacher.id)
    assert person is not None and Role.PATROL not in person.roles


async def test_removed_person_becomes_a_stranger(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.admin, f"/remove {people.teacher.id}")
    assert "已移除" in (await tg.message(people.admin.id))["text"]
    await tg.send_text(people.teacher, "/repairs")
    assert "邀请" in (await tg.message(people.teacher.id))["text"]


async def test_bad_user_id_in_grant_is_explained(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.admin, "/grant abc 维修工")
    assert "没有找到“abc”" in (await tg.message(people.admin.id))["text"]
    await tg.send_text(people.admin, "/grant 424242 维修工")
    assert "没有找到" in (await tg.message(people.admin.id))["text"]


async def test_non_admin_cannot_change_roles(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.supervisor, f"/grant {people.supervisor.id} 管理员")
    assert "只有管理员" in (await tg.message(people.supervisor.id))["text"]
    person = await people_repo.get(services(bot).db, people.supervisor.id)
    assert person is not None and Role.ADMIN not in person.roles


async def test_unknown_command_and_stale_button_are_answered(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "/frobnicate")
    assert "没有这个命令" in (await tg.message(people.teacher.id))["text"]
    await tg.send_text(people.teacher, "/help")
    message = await tg.message(people.teacher.id)
    query = await tg.tap_data(people.teacher, message, "zz:old:1")
    assert "失效" in (await tg.answer(query))["text"]


async def test_export_without_a_table_name_explains_the_choices(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.supervisor, "/export")
    text = (await tg.message(people.supervisor.id))["text"]
    assert "/export purchases" in text and "/export patrols" in text
