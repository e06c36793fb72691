"""The callback_data protocol: every action's button reads back as that action, and the
spellings of buttons already sitting in people's chats still mean what they meant."""

from __future__ import annotations

from enum import StrEnum
from typing import get_args

import pytest

from bot.callbacks import (
    Action,
    AssetAction,
    FoodSafetyAction,
    Ns,
    PlaceAction,
    StockAction,
    button,
    decode,
)

ACTION_ENUMS: tuple[type[StrEnum], ...] = get_args(Action)


def test_namespaces_are_distinct() -> None:
    values = [ns.value for ns in Ns.__members__.values()]  # aliases included: a repeat shows
    assert len(values) == len(set(values))


@pytest.mark.parametrize("kind", ACTION_ENUMS, ids=lambda k: k.__name__)
def test_every_button_reads_back_as_its_action(kind: type[StrEnum]) -> None:
    assert len(kind.__members__) == len(kind), "two actions share a spelling"
    for action in kind:
        cb = decode(button(action, 12, 3))  # type: ignore[arg-type]  # every kind is in Action
        assert cb is not None
        assert cb.action_of(kind) is action
        assert cb.args == ("12", "3")
        assert all(cb.action_of(other) is None for other in ACTION_ENUMS if other is not kind)


def test_each_feature_has_its_own_namespace() -> None:
    namespaces = [decode(button(next(iter(k)))) for k in ACTION_ENUMS]  # type: ignore[arg-type]
    assert len({cb.ns for cb in namespaces if cb is not None}) == len(ACTION_ENUMS)


@pytest.mark.parametrize(
    ("data", "kind", "action"),
    [
        ("fs:h:3:1:h", FoodSafetyAction, FoodSafetyAction.HEALTH),
        ("fs:noop:3", FoodSafetyAction, FoodSafetyAction.ROW_LABEL),
        ("fs:pc:9", FoodSafetyAction, FoodSafetyAction.PURCHASE_CHECK),
        ("st:ok:1", StockAction, StockAction.APPROVE),
        ("st:pu:4:2", StockAction, StockAction.PART_USED),
        ("pl:imp:1", PlaceAction, PlaceAction.IMPORT),
        ("as:ck:1:2:p", AssetAction, AssetAction.CHECK),
        ("as:imp:5", AssetAction, AssetAction.IMPORT),
        ("fs:zz:3", FoodSafetyAction, None),  # forged or from a future version
        ("st:ok:1", FoodSafetyAction, None),  # another feature's button
    ],
)
def test_buttons_already_sent_keep_their_meaning(
    data: str, kind: type[StrEnum], action: StrEnum | None
) -> None:
    cb = decode(data)
    assert cb is not None and cb.action_of(kind) is action
