"""The router against everyday messages written the way staff write them
(tests/data/everyday-messages.tsv, tests/data/replies.tsv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import router
from bot.domain.roles import Role
from bot.protocol import Ref, RefKind

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


def _ref(text: str) -> Ref:
    kind, _, number = text.partition(":")
    return Ref(RefKind(kind), int(number))


def _incoming(kind: str, roles: str, context: str, text: str) -> router.Incoming:
    fields: dict[str, Ref] = {}
    if context.startswith("recent="):
        fields["recent_purchase"] = _ref(context.removeprefix("recent="))
    elif context.startswith("last="):
        fields["last_purchase"] = _ref(context.removeprefix("last="))
    elif context != "-":
        fields["replied_to"] = _ref(context)
    return router.Incoming(
        router.Kind(kind),
        text.replace("\\n", "\n"),
        frozenset({Role(roles)}),
        replies_to_a_message="replied_to" in fields,
        **fields,  # type: ignore[arg-type]
    )


MESSAGES = _rows("everyday-messages.tsv")
REPLIES = _rows("replies.tsv")


def test_the_data_has_enough_real_wording() -> None:
    assert len(MESSAGES) + len(REPLIES) >= 60


@pytest.mark.parametrize(("kind", "roles", "context", "text", "intent"), MESSAGES)
def test_everyday_message_means_what_it_says(
    kind: str, roles: str, context: str, text: str, intent: str
) -> None:
    got = router.route(_incoming(kind, roles, context, text))
    assert type(got).__name__ == intent, (text, got)


@pytest.mark.parametrize("row", REPLIES, ids=[r[1] for r in REPLIES])
def test_reply_asks_for_the_step_it_names(row: list[str]) -> None:
    what, text, step = row[0], row[1], row[2]
    rest = row[3] if len(row) > 3 else ""
    read = router.read_repair_reply if what == "repair" else router.read_purchase_reply
    assert read(text) == (None if step == "-" else step, rest)
