"""What a message means, decided without Telegram: the intent router's rules."""

from __future__ import annotations

from bot import router
from bot.domain.roles import Role
from bot.protocol import Ref, RefKind
from bot.router import (
    AddToRepair,
    AnswerPendingPrompt,
    AttachToPurchase,
    DecidePurchase,
    EditPurchaseDraft,
    Incoming,
    Kind,
    NotANotification,
    NoteOnFoodRecord,
    NoteOnPatrolCheck,
    PartsUsed,
    Pending,
    ReplyToRepair,
    ReportRepair,
    SamplePhoto,
    TextOnSampleDish,
    Unknown,
    route,
)

STAFF = frozenset({Role.STAFF})
PURCHASER = frozenset({Role.PURCHASER})
REPAIRER = frozenset({Role.REPAIRER})
SUPERVISOR = frozenset({Role.SUPERVISOR})


def test_a_picture_nobody_waits_for_is_a_new_repair_report() -> None:
    assert route(Incoming(Kind.PHOTO, "教学楼302 门锁坏了", STAFF)) == ReportRepair()
    assert route(Incoming(Kind.DOCUMENT, "", STAFF)) == ReportRepair()


def test_a_picture_answering_a_repair_message_is_about_that_repair() -> None:
    photo = Incoming(Kind.PHOTO, "换了灯管", REPAIRER, replied_to=Ref.repair(12))
    assert route(photo) == AddToRepair(12)


def test_a_picture_answering_another_features_message_is_still_a_report() -> None:
    photo = Incoming(Kind.PHOTO, "", STAFF, replied_to=Ref(RefKind.PATROL_ROUND, 3))
    assert route(photo) == ReportRepair()


def test_text_replies_go_to_the_notification_they_answer() -> None:
    assert route(Incoming(Kind.TEXT, " 受理 ", SUPERVISOR, replied_to=Ref.repair(5))) == (
        ReplyToRepair(5, "受理")
    )
    assert route(Incoming(Kind.TEXT, "确认", SUPERVISOR, replied_to=Ref.purchase(7))) == (
        DecidePurchase(7, "确认")
    )
    note = Incoming(Kind.TEXT, "水龙头关不紧", STAFF, replied_to=Ref(RefKind.PATROL_CHECK, 9))
    assert route(note) == NoteOnPatrolCheck(9, "水龙头关不紧")


def test_text_replies_to_food_safety_messages_go_to_food_safety() -> None:
    form = Incoming(Kind.TEXT, " 米饭偏硬 ", STAFF, replied_to=Ref.parse("fs:21"))
    assert route(form) == NoteOnFoodRecord(21, "米饭偏硬")
    dish = Incoming(Kind.TEXT, "拍好了", STAFF, replied_to=Ref.parse("fsdish:8"))
    assert route(dish) == TextOnSampleDish(8, "拍好了")


def test_a_text_reply_to_a_discard_notice_is_not_a_purchase_line() -> None:
    """The notice's stored ref is a known Ref: answering it says there is nothing to do
    there, even with a purchase draft open."""
    notice = Ref.parse("fsdisc:4")
    assert notice == Ref(RefKind.FOOD_DISCARD, 4)
    draft = (Ref.purchase(3),)
    reply = Incoming(
        Kind.TEXT,
        "大米 50斤",
        PURCHASER,
        replied_to=notice,
        replies_to_a_message=True,
        open_drafts=draft,
    )
    assert route(reply) == NotANotification()


def test_a_picture_answering_a_sample_prompt_or_a_form_is_food_safetys_not_a_report() -> None:
    box = Incoming(Kind.PHOTO, "", STAFF, replied_to=Ref(RefKind.FOOD_SAMPLE_DISH, 8))
    assert route(box) == SamplePhoto(8)
    # even from a purchaser with a draft open: the reply says what it is for
    draft = (Ref.purchase(3),)
    buyer = Incoming(
        Kind.PHOTO, "", PURCHASER, replied_to=Ref(RefKind.FOOD_SAMPLE_DISH, 8), open_drafts=draft
    )
    assert route(buyer) == SamplePhoto(8)
    form = Incoming(Kind.DOCUMENT, " 汤偏咸 ", STAFF, replied_to=Ref(RefKind.FOOD_RECORD, 21))
    assert route(form) == NoteOnFoodRecord(21, "汤偏咸")


def test_a_repairers_reply_to_the_parts_question_is_the_parts_used() -> None:
    parts = Incoming(Kind.TEXT, "灯管2根", REPAIRER, replied_to=Ref.parse("parts:12"))
    assert route(parts) == PartsUsed(12, "灯管2根")
    # A purchaser with a draft open who also repairs: the reply is still about the repair.
    both = Incoming(
        Kind.TEXT,
        "灯管2根",
        REPAIRER | PURCHASER,
        replied_to=Ref(RefKind.REPAIR_PARTS, 12),
        open_drafts=(Ref.purchase(3),),
    )
    assert route(both) == PartsUsed(12, "灯管2根")


def test_the_stored_food_safety_and_parts_refs_read_back() -> None:
    for ref in (
        Ref(RefKind.FOOD_RECORD, 5),
        Ref(RefKind.FOOD_SAMPLE_DISH, 6),
        Ref(RefKind.REPAIR_PARTS, 7),
    ):
        assert Ref.parse(str(ref)) == ref
    assert str(Ref(RefKind.FOOD_SAMPLE_DISH, 6)) == "fsdish:6"  # what older rows hold


def test_a_text_reply_to_something_unknown_is_not_a_notification() -> None:
    unknown = Incoming(Kind.TEXT, "确认", SUPERVISOR, replies_to_a_message=True)
    assert route(unknown) == NotANotification()
    checklist = Incoming(
        Kind.TEXT, "好", STAFF, replied_to=Ref(RefKind.PATROL_ROUND, 2), replies_to_a_message=True
    )
    assert route(checklist) == NotANotification()


def test_plain_text_is_left_to_the_features() -> None:
    assert route(Incoming(Kind.TEXT, "今天开会吗", STAFF)) == Unknown()


def test_an_owed_answer_wins_over_a_new_report() -> None:
    owed = Pending("done", Ref.repair(4))
    assert route(Incoming(Kind.PHOTO, "", REPAIRER, pending=owed)) == AnswerPendingPrompt(owed)
    caption = Pending("caption")
    assert route(Incoming(Kind.TEXT, "操场 篮球架松了", STAFF, pending=caption)) == (
        AnswerPendingPrompt(caption)
    )


def test_an_answer_to_the_same_repair_still_answers_the_prompt() -> None:
    owed = Pending("reject", Ref.repair(4))
    message = Incoming(Kind.TEXT, "重复报修", SUPERVISOR, replied_to=Ref.repair(4), pending=owed)
    assert route(message) == AnswerPendingPrompt(owed)


def test_an_answer_to_another_repair_is_about_that_one_and_the_prompt_waits() -> None:
    owed = Pending("reject", Ref.repair(4))
    text = Incoming(Kind.TEXT, "完成 换了灯管", REPAIRER, replied_to=Ref.repair(8), pending=owed)
    assert route(text) == ReplyToRepair(8, "完成 换了灯管")
    photo = Incoming(Kind.PHOTO, "", REPAIRER, replied_to=Ref.repair(8), pending=owed)
    assert route(photo) == AddToRepair(8)
    waiting = Incoming(Kind.PHOTO, "", STAFF, replied_to=Ref.repair(8), pending=Pending("caption"))
    assert route(waiting) == AddToRepair(8)


def test_a_purchaser_with_a_draft_open_adds_lines_and_photos_to_it() -> None:
    draft = (Ref.purchase(3),)
    assert route(Incoming(Kind.TEXT, "猪肉 20斤 13.5", PURCHASER, open_drafts=draft)) == (
        EditPurchaseDraft(3)
    )
    assert route(Incoming(Kind.PHOTO, "", PURCHASER, open_drafts=draft)) == AttachToPurchase(3)
    # a reply to the bot's own preview is still a line for the draft
    preview = Incoming(Kind.TEXT, "删 2", PURCHASER, replies_to_a_message=True, open_drafts=draft)
    assert route(preview) == EditPurchaseDraft(3)


def test_an_open_draft_does_not_swallow_an_answer_to_a_notification() -> None:
    both = frozenset({Role.PURCHASER, Role.SUPERVISOR})
    reply = Incoming(
        Kind.TEXT, "确认", both, replied_to=Ref.purchase(9), open_drafts=(Ref.purchase(3),)
    )
    assert route(reply) == DecidePurchase(9, "确认")


def test_a_photo_answering_a_patrol_items_prompt_is_its_note_even_with_a_draft_open() -> None:
    prompt = Ref(RefKind.PATROL_CHECK, 9)
    photo = Incoming(Kind.PHOTO, " 二楼水龙头 ", STAFF, replied_to=prompt)
    assert route(photo) == NoteOnPatrolCheck(9, "二楼水龙头")
    drafting = Incoming(
        Kind.PHOTO, "", PURCHASER, replied_to=prompt, open_drafts=(Ref.purchase(1),)
    )
    assert route(drafting) == NoteOnPatrolCheck(9, "")


def test_the_answer_to_the_person_who_acted_is_about_the_same_report() -> None:
    """「报修单 #12 已提交」 is sent by the outbox under ``repair:12:answer``: a reply to it is
    about repair #12, yet it is not one of the report's notifications (whose buttons come
    off when someone decides)."""
    answer = Ref.repair(12).as_answer()
    assert answer != str(Ref.repair(12))
    assert Ref.parse(answer) == Ref.repair(12)
    assert Ref.parse("repair:12:other") is None
    assert Ref.parse(str(Ref.join(3))) == Ref(RefKind.JOIN, 3)


def test_a_stored_ref_with_an_id_too_big_for_sqlite_is_no_ref() -> None:
    assert Ref.parse("repair:99999999999999999999999") is None  # never reaches a query


# ---- issue 11: photos go where they belong -------------------------------------------
CANTEEN = frozenset({Role.CANTEEN})


def test_certificate_caption_goes_to_the_purchasers_last_purchase() -> None:
    m = Incoming(Kind.PHOTO, "猪肉合格证 补上", PURCHASER, last_purchase=Ref.purchase(4))
    assert route(m) == router.AddToPurchase(4)


def test_photo_soon_after_submitting_goes_to_that_purchase_unless_it_is_a_repair() -> None:
    soon = Ref.purchase(5)
    assert route(Incoming(Kind.PHOTO, "", PURCHASER, recent_purchase=soon)) == router.AddToPurchase(
        5
    )
    assert route(Incoming(Kind.PHOTO, "食堂后厨 水管漏水", PURCHASER, recent_purchase=soon)) == (
        router.ReportRepair()
    )


def test_photo_replying_to_a_purchase_goes_to_it() -> None:
    m = Incoming(Kind.PHOTO, "这个", PURCHASER, replied_to=Ref.purchase(6))
    assert route(m) == router.AddToPurchase(6)


def test_caption_without_place_or_fault_from_canteen_is_asked_about() -> None:
    assert (
        route(Incoming(Kind.PHOTO, "下周菜谱 手写的 帮忙录一下", CANTEEN)) == router.AskIfRepair()
    )
    assert route(Incoming(Kind.PHOTO, "后厨冰柜不制冷了", CANTEEN)) == router.ReportRepair()
    assert route(Incoming(Kind.PHOTO, "下周菜谱", frozenset({Role.STAFF}))) == router.ReportRepair()


# ---- issue 11: text alone is a request too --------------------------------------------
def test_text_with_place_and_fault_is_offered_as_a_repair() -> None:
    for text in ("办公室空调不制冷了", "3号楼男厕下水道堵了", "教学楼302 门锁坏了"):
        assert route(Incoming(Kind.TEXT, text, STAFF)) == router.OfferRepair(text)
    for text in ("今天开会吗", "请问今天谁值班", "空调坏了找谁？"):
        assert route(Incoming(Kind.TEXT, text, STAFF)) == Unknown(), text


def test_fault_without_a_place_is_offered_asking_where() -> None:
    for text in ("空调不制冷", "打印机卡纸了", "电梯卡住了，有人在里面！"):
        assert route(Incoming(Kind.TEXT, text, STAFF)) == router.OfferRepair(text, False), text


def test_words_for_a_command_are_that_command() -> None:
    cases = {
        "我要报修": ("repair", ""), "报个修": ("repair", ""), "麻烦报修一下": ("repair", ""),
        "我的报修怎么样了？": ("repairs", ""), "报修进度": ("repairs", ""),
        "查一下报修单的状态": ("repairs", ""), "什么时候来修": ("repairs", ""),
        "今天吃什么": ("menu", "今天"), "中午吃啥呀": ("menu", "今天"),
        "明天的菜单": ("menu", "明天"), "本周食谱": ("menu", ""),
        "下周菜单出来了吗": ("menu", "下周"),
        "我要领用": ("领用", ""), "怎么申请领用物品": ("领用", ""),
    }  # fmt: skip
    for text, (command, arg) in cases.items():
        assert route(Incoming(Kind.TEXT, text, STAFF)) == router.CommandInWords(command, arg), text
    # Not a command: a report, or a longer sentence that only mentions one.
    assert isinstance(route(Incoming(Kind.TEXT, "报修：302门锁坏了", STAFF)), router.OfferRepair)
    assert route(Incoming(Kind.TEXT, "昨天报修的那个灯到现在还没人来看一下", STAFF)) != (
        router.CommandInWords("repairs")
    )


def test_thanks_and_ok_alone_are_answered_politely() -> None:
    assert route(Incoming(Kind.TEXT, "谢谢师傅", STAFF)) == router.Thanks(grateful=True)
    assert route(Incoming(Kind.TEXT, "辛苦了！", STAFF)) == router.Thanks(grateful=True)
    for text in ("好的", "ｏｋ", "收到"):
        assert route(Incoming(Kind.TEXT, text, STAFF)) == router.Thanks(grateful=False), text


def test_cancel_and_submit_words_are_the_whole_message() -> None:
    for text in ("取消", "取消！", "算了吧。", "不要了", "Cancel"):
        assert router.is_cancel(text), text
    for text in ("取消 2", "取消猪肉那行", "删 2", "算了一下是300"):
        assert not router.is_cancel(text), text
    for text in ("提交", "提交！", "确认提交"):
        assert router.is_submit(text), text
    for text in ("提交了吗？", "猪肉 20斤 13.5"):
        assert not router.is_submit(text), text


def test_greetings_and_how_to_get_help() -> None:
    for text in ("您好", "你好！", "在吗？", "帮助", "怎么报修", "help"):
        assert route(Incoming(Kind.TEXT, text, STAFF)) == router.ShowHelp(), text


def test_purchase_lines_from_a_purchaser_start_a_draft() -> None:
    text = "猪肉 20斤 13.5\n白菜 50斤 1.2"
    assert route(Incoming(Kind.TEXT, text, PURCHASER)) == router.StartPurchaseDraft(text)
    assert route(Incoming(Kind.TEXT, text, STAFF)) == Unknown()


def test_voice_and_stickers_get_a_hint() -> None:
    assert route(Incoming(Kind.VOICE, "", STAFF)) == router.HintWhatToSend(Kind.VOICE)
    assert route(Incoming(Kind.STICKER, "", STAFF)) == router.HintWhatToSend(Kind.STICKER)


# ---- issue 11: replies mean what they say ----------------------------------------------
def test_repair_reply_keywords_count_anywhere() -> None:
    assert router.read_repair_reply("受理 刘师傅") == ("accept", "刘师傅")
    assert router.read_repair_reply("还是在滴水，没修好") == ("reopen", "还是在滴水，没修好")
    assert router.read_repair_reply("马上到") == ("start", "")
    assert router.read_repair_reply("好的，我这就去") == ("start", "")
    assert router.read_repair_reply("补充：地上全是水，挺急的")[0] is None


def test_purchase_reply_keywords_count_anywhere() -> None:
    assert router.read_purchase_reply("确认，清点无误") == ("confirm", "")
    assert router.read_purchase_reply("好") == ("confirm", "")
    assert router.read_purchase_reply("驳回 猪肉少了2斤") == ("reject", "猪肉少了2斤")
    assert router.read_purchase_reply("猪肉好像少了")[0] is None
    assert router.read_purchase_reply("确认吗？")[0] is None


def test_text_without_reply_is_the_note_of_the_open_warning_item() -> None:
    item = Ref(RefKind.PATROL_CHECK, 9)
    m = Incoming(Kind.TEXT, "二楼男厕水龙头关不紧", frozenset({Role.PATROL}), patrol_item=item)
    assert route(m) == NoteOnPatrolCheck(9, "二楼男厕水龙头关不紧")


def test_thanks_alone_is_nothing_to_forward() -> None:
    assert router.only_thanks("好的，谢谢")
    assert router.only_thanks("收到")
    assert not router.only_thanks("好的，地上还有水")
