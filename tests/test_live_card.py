"""The rule for keeping one card current in a chat (the purchaser's draft preview)."""

from __future__ import annotations

from bot.domain.messages import (
    CARD_EDITS_IN_PLACE,
    CardUpdate,
    ShownCard,
    text_digest,
    update_card,
)


def shown(*texts: str, edits: int = 0, key: int = 7) -> ShownCard:
    ids = tuple(100 + i for i in range(len(texts)))
    return ShownCard(key, ids, tuple(text_digest(t) for t in texts), edits)


def test_a_card_in_view_is_edited_where_it_stands_only_where_it_changed() -> None:
    plan = update_card(shown("lines 1-40", "lines 41-60, total"), 7, ["lines 1-40", "total 2"])
    assert plan == CardUpdate(edit=((101, "total 2"),))


def test_the_first_card_is_sent() -> None:
    assert update_card(None, 7, ["a"]) == CardUpdate(send=("a",))


def test_a_card_edited_many_times_moves_down_and_the_old_one_goes() -> None:
    plan = update_card(shown("a", edits=CARD_EDITS_IN_PLACE), 7, ["b"])
    assert plan == CardUpdate(send=("b",), remove=(100,))
    assert update_card(shown("a", edits=CARD_EDITS_IN_PLACE - 1), 7, ["b"]).send == ()


def test_a_card_for_another_draft_or_of_another_length_is_sent_anew() -> None:
    assert update_card(shown("a", key=6), 7, ["b"]).send == ("b",)
    assert update_card(shown("a"), 7, ["a", "b"]) == CardUpdate(send=("a", "b"), remove=(100,))


def test_a_problem_to_fix_moves_the_card_down() -> None:
    assert update_card(shown("a"), 7, ["b"], move_down=True).remove == (100,)


def test_digests_are_stable_across_runs() -> None:
    assert text_digest("合计 330.00 元") == text_digest("合计 330.00 元") != text_digest("合计")
