"""What the bot remembers about a person between messages is typed and survives a restart,
including state saved before it was typed (the old JSON shapes)."""

from __future__ import annotations

from pathlib import Path

from bot.telegram.state import UserState
from storage.db import Database
from storage.persistence import SqlitePersistence

OLD_JSON = {
    "rp_pending": {"kind": "reject", "id": 12, "at": "2026-11-23T01:00:00+00:00"},
    "rp_albums": {"g1": {"photos": [{"file_id": "f", "path": "p"}], "caption": None, "chat_id": 7}},
    "rp_guided": {"photos": [], "location": "302教室"},
    "purchase_preview": {"purchase": 3, "ids": [4711], "digests": ["ab"], "edits": 1},
    "purchase_reject": {"id": 3, "at": "2026-11-23T01:00:00+00:00"},
    "something_newer": [1, 2],
}


def test_state_saved_before_it_was_typed_still_loads() -> None:
    state = UserState.from_json(OLD_JSON)
    assert state.repair_pending == OLD_JSON["rp_pending"]
    assert state.repair_albums["g1"]["chat_id"] == 7
    assert state.repair_guided == {"photos": [], "location": "302教室"}
    assert state.purchase_preview == OLD_JSON["purchase_preview"]
    assert state.purchase_reject == {"id": 3, "at": "2026-11-23T01:00:00+00:00"}
    assert state.purchase_album is None and state.purchase_photos == {}
    # written back in the same shape, unknown keys kept
    assert state.to_json() == OLD_JSON


def test_places_stock_and_stocktake_state_saved_by_the_feature_branches_loads() -> None:
    old = {
        "pl_report": {"place": "教学楼302", "at": "2026-11-23T01:00:00+00:00"},
        "st_item": {"item": "作业本", "at": "2026-11-23T01:00:00+00:00"},
        "as_note": {"st": 2, "asset": 31, "at": "2026-11-23T01:00:00+00:00"},
    }
    state = UserState.from_json(old)
    assert state.place_report == old["pl_report"]
    assert state.stock_chosen == old["st_item"]
    assert state.asset_note == old["as_note"]
    assert state.unknown == {}
    assert state.to_json() == old


def test_a_value_of_the_wrong_shape_is_dropped_not_crashed_on() -> None:
    state = UserState.from_json({"rp_pending": "garbage", "purchase_preview": "x"})
    assert state.repair_pending is None and state.purchase_preview is None
    assert UserState().to_json() == {}


async def test_typed_state_survives_reopening_the_database(tmp_path: Path) -> None:
    db = Database(tmp_path / "x.sqlite3")
    await db.open()
    persistence = SqlitePersistence(db, user_state=UserState.from_json)
    state = UserState(purchase_reject={"id": 9, "at": "2026-11-23T01:00:00+00:00"})
    state.repair_after_albums["alb"] = 5
    await persistence.update_user_data(10, state)
    await db.close()
    again = Database(tmp_path / "x.sqlite3")
    await again.open()
    loaded = (await SqlitePersistence(again, user_state=UserState.from_json).get_user_data())[10]
    await again.close()
    assert loaded == state
