"""The outbox: notifications written in the same transaction as the state change they
announce, delivered later by ``bot.telegram.outbox``. A row is marked sent only when Telegram
accepted it, so a crash or a network failure never loses work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import from_db, to_db
from bot.domain.messages import Lane, OutMessage, Photo
from storage.db import Database, Tx, current_update_id

# A refreshed copy of a shared card is edited at most once per this many seconds per
# message; the state shown is always the latest.
COALESCE_SECONDS = 3.0


def default_lane() -> Lane:
    """While a person's update is handled, what it queues answers them or tells the people
    their action concerns: the reply lane. Otherwise (scheduled jobs, the try-out's job
    controls) the bulk lane."""
    return Lane.REPLY if current_update_id() is not None else Lane.BULK


@dataclass(frozen=True)
class PendingMessage:
    id: int
    chat_id: int
    kind: str
    payload: dict[str, Any]
    ref: str | None
    attempts: int
    maybe_sent: bool = False  # an earlier attempt may have reached Telegram
    lane: Lane = Lane.REPLY


def _message_payload(msg: OutMessage) -> dict[str, Any]:
    return {
        "text": msg.text,
        "buttons": msg.buttons,
        "photos": [{"file_id": p.file_id, "path": p.path} for p in msg.photos],
        "document_path": msg.document_path,
        "document_name": msg.document_name,
        **({"keyboard": [list(row) for row in msg.keyboard]} if msg.keyboard else {}),
        **({"settled": msg.settled} if msg.settled is not None else {}),
    }


def payload_message(payload: dict[str, Any]) -> OutMessage:
    return OutMessage(
        text=payload["text"],
        buttons=[[(str(a), str(b)) for a, b in row] for row in payload.get("buttons") or []],
        photos=tuple(Photo(p.get("file_id"), p.get("path")) for p in payload.get("photos") or []),
        document_path=payload.get("document_path"),
        document_name=payload.get("document_name"),
        keyboard=tuple(tuple(str(label) for label in row) for row in payload.get("keyboard") or []),
        settled=payload.get("settled"),
    )


async def enqueue(
    tx: Tx,
    chat_id: int,
    msg: OutMessage,
    *,
    ref: str | None,
    now: datetime,
    lane: Lane | None = None,
) -> int:
    """Queue ``msg`` for ``chat_id`` inside the caller's transaction (``lane``: by default
    the reply lane while a person's update is handled, else the bulk lane)."""
    return await tx.execute(
        "INSERT INTO outbox (chat_id, kind, payload, ref, created_at, next_attempt_at, lane)"
        " VALUES (?, 'message', ?, ?, ?, ?, ?)",
        (
            chat_id,
            json.dumps(_message_payload(msg), ensure_ascii=False),
            ref,
            to_db(now),
            to_db(now),
            int(lane if lane is not None else default_lane()),
        ),
    )


def refresh_key(chat_id: int, message_id: int) -> str:
    """The coalesce key of refreshes of one message (also the name of its edit lock)."""
    return f"edit:{chat_id}:{message_id}"


async def still_waiting(db: Database, outbox_id: int) -> bool:
    """Whether the row is still to be sent (a refresh may have been dropped meanwhile)."""
    return (
        await db.fetchval(
            "SELECT 1 FROM outbox WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL",
            (outbox_id,),
        )
        is not None
    )


async def drop_refresh(tx: Tx, chat_id: int, message_id: int) -> int:
    """Forget a refresh still waiting for this message: it was just edited to a newer state
    directly, and the waiting one would put the older state back."""
    return await tx.rowcount(
        "DELETE FROM outbox WHERE coalesce_key = ? AND sent_at IS NULL AND failed_at IS NULL"
        " AND sending_at IS NULL",
        (refresh_key(chat_id, message_id),),
    )


async def enqueue_refresh(
    tx: Tx, chat_id: int, message_id: int, msg: OutMessage, *, now: datetime
) -> int:
    """Edit someone's copy of a shared card (a patrol checklist) to ``msg``, in the bulk
    lane, coalesced: a refresh still waiting for this message takes the new state instead
    of queueing a second edit, and a message edited less than ``COALESCE_SECONDS`` ago is
    edited again only after that. Returns the row's id."""
    key = refresh_key(chat_id, message_id)
    payload = json.dumps(
        {"message_id": message_id, "text": msg.text, "buttons": msg.buttons}, ensure_ascii=False
    )
    waiting = await tx.fetchval(
        "SELECT id FROM outbox WHERE coalesce_key = ? AND sent_at IS NULL AND failed_at IS NULL"
        " AND sending_at IS NULL ORDER BY id DESC LIMIT 1",
        (key,),
    )
    if waiting is not None:
        await tx.execute("UPDATE outbox SET payload = ? WHERE id = ?", (payload, waiting))
        return int(waiting)
    last = await tx.fetchval(
        "SELECT MAX(COALESCE(sent_at, sending_at)) FROM outbox WHERE coalesce_key = ?", (key,)
    )
    not_before = now
    if last is not None:
        not_before = max(now, from_db(str(last)) + timedelta(seconds=COALESCE_SECONDS))
    return await tx.execute(
        "INSERT INTO outbox (chat_id, kind, payload, ref, created_at, next_attempt_at, lane,"
        " coalesce_key) VALUES (?, 'edit', ?, NULL, ?, ?, ?, ?)",
        (chat_id, payload, to_db(now), to_db(not_before), int(Lane.BULK), key),
    )


def _final(settled: str, note: str | None) -> str:
    return f"{settled}\n\n{note}" if note else settled


async def enqueue_clear_buttons(tx: Tx, ref: str, *, now: datetime, note: str | None = None) -> int:
    """Settle every message already sent about ``ref``: a card that knows its final state
    (``OutMessage.settled``) is edited to it with ``note`` ("已由 张三 受理") and no buttons;
    any other just loses its buttons, with the note sent under it. So a decided item shows
    no live buttons and no stale call to action anywhere.

    A notification sent as several messages (an album, then the text) carries its buttons on
    the last one, so only that one is settled: one "已由 张三 受理" per copy. A notification
    about ``ref`` still waiting in the outbox goes out settled instead of arriving later with
    live-looking buttons."""
    rows = await tx.fetchall(
        "SELECT s.chat_id, MAX(s.message_id) AS message_id, o.payload FROM sent_messages s"
        " LEFT JOIN outbox o ON o.id = s.outbox_id WHERE s.ref = ?"
        " GROUP BY s.chat_id, s.outbox_id",
        (ref,),
    )
    for row in rows:
        payload: dict[str, Any] = {"message_id": row["message_id"], "note": note}
        # The card as it was sent (gone after the retention period: then buttons only).
        sent = payload_message(json.loads(row["payload"])) if row["payload"] else None
        if sent is not None and sent.settled is not None:
            payload = {
                "message_id": row["message_id"],
                "final": _final(sent.settled, note),
                "caption": sent.carries_caption,
            }
        await tx.execute(
            "INSERT INTO outbox (chat_id, kind, payload, ref, created_at, next_attempt_at, lane)"
            " VALUES (?, 'clear_buttons', ?, ?, ?, ?, ?)",
            (
                row["chat_id"],
                json.dumps(payload, ensure_ascii=False),
                ref,
                to_db(now),
                to_db(now),
                int(default_lane()),
            ),
        )
    unsent = await tx.fetchall(
        "SELECT id, payload FROM outbox WHERE ref = ? AND kind = 'message'"
        " AND sent_at IS NULL AND failed_at IS NULL",
        (ref,),
    )
    for row in unsent:
        payload = json.loads(row["payload"])
        if not payload.get("buttons"):
            continue
        payload["buttons"] = []
        if payload.get("settled") is not None:
            payload["text"] = _final(payload.pop("settled"), note)
        elif note:
            payload["text"] = f"{payload['text']}\n\n{note}"
        await tx.execute(
            "UPDATE outbox SET payload = ? WHERE id = ?",
            (json.dumps(payload, ensure_ascii=False), row["id"]),
        )
    return len(rows)


# Served by the partial index outbox_due (one lane's pending rows, in id order): the poll
# costs the same with five years of sent rows as with none. A chat's messages go out in the
# order they were written within their lane: a row waiting out its backoff holds back the
# later rows of its chat (else they would overtake it); a refresh waiting out its coalescing
# pause holds back nothing (an edit has no place in the order). That check also reads only
# pending rows.
DUE_SQL = (
    "SELECT id, chat_id, kind, payload, ref, attempts, sending_at, lane FROM outbox AS o"
    " WHERE lane = ? AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?"
    " AND NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.lane = o.lane"
    "   AND e.chat_id = o.chat_id AND e.id < o.id AND e.sent_at IS NULL"
    "   AND e.failed_at IS NULL AND e.next_attempt_at > ? AND e.coalesce_key IS NULL)"
    " ORDER BY id LIMIT ?"
)


async def due(
    db: Database, now: datetime, limit: int = 50, lane: Lane | None = None
) -> list[PendingMessage]:
    """The rows due now in ``lane`` (both lanes, replies first, when None)."""
    lanes = [lane] if lane is not None else list(Lane)
    found: list[PendingMessage] = []
    for one in lanes:
        rows = await db.fetchall(DUE_SQL, (int(one), to_db(now), to_db(now), limit))
        found += [
            PendingMessage(
                r["id"],
                r["chat_id"],
                r["kind"],
                json.loads(r["payload"]),
                r["ref"],
                r["attempts"],
                r["sending_at"] is not None,
                Lane(r["lane"]),
            )
            for r in rows
        ]
    return found


async def prune_sent(db: Database, sent_before: datetime) -> int:
    """Forget notifications delivered before ``sent_before`` (the retention period), so
    the table stays the size of recent work. ``sent_messages`` keeps which message was
    about what, so replies to an old notification still find their subject."""
    async with db.transaction(settles=False) as tx:
        return await tx.rowcount(
            "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?",
            (to_db(sent_before),),
        )


async def mark_sending(db: Database, item: PendingMessage, now: datetime) -> None:
    """Just before the send: if we die before ``mark_sent``, the next attempt knows the
    message may have arrived and marks its copy as a repeat."""
    async with db.transaction() as tx:
        await tx.execute("UPDATE outbox SET sending_at = ? WHERE id = ?", (to_db(now), item.id))


async def mark_sent(
    db: Database,
    item: PendingMessage,
    message_ids: list[int],
    now: datetime,
    uploads: dict[str, str] | None = None,
) -> None:
    """One transaction right after Telegram accepted the message (the window in which a
    kill makes a repeat is one local commit), with the file_ids of what was uploaded."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE outbox SET sent_at = ?, sending_at = NULL, attempts = attempts + 1"
            " WHERE id = ?",
            (to_db(now), item.id),
        )
        await tx.executemany(
            "INSERT OR REPLACE INTO uploaded_files (path, file_id, uploaded_at) VALUES (?, ?, ?)",
            [(path, file_id, to_db(now)) for path, file_id in (uploads or {}).items()],
        )
        if item.ref:
            for message_id in message_ids:
                await tx.execute(
                    "INSERT OR REPLACE INTO sent_messages (chat_id, message_id, ref, outbox_id,"
                    " sent_at) VALUES (?, ?, ?, ?, ?)",
                    (item.chat_id, message_id, item.ref, item.id, to_db(now)),
                )


async def mark_retry(
    db: Database, item: PendingMessage, error: str, retry_at: datetime, *, maybe_sent: bool
) -> None:
    """``maybe_sent``: the request timed out, Telegram may have taken it."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,"
            " sending_at = CASE WHEN ? THEN sending_at END WHERE id = ?",
            (error[:500], to_db(retry_at), maybe_sent, item.id),
        )


async def retry_now(db: Database, now: datetime) -> int:
    """Make every row waiting out a backoff due now (Telegram is reachable again)."""
    async with db.transaction() as tx:
        return await tx.rowcount(
            "UPDATE outbox SET next_attempt_at = ?"
            " WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at > ?",
            (to_db(now), to_db(now)),
        )


async def mark_failed(db: Database, item: PendingMessage, error: str, now: datetime) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, failed_at = ? WHERE id = ?",
            (error[:500], to_db(now), item.id),
        )


async def remember_message(
    tx: Tx, chat_id: int, message_id: int, *, ref: str, now: datetime
) -> None:
    """A person's own message that made something (a report photo), remembered like a
    notification: an edit of it, or a reply to it, finds its subject."""
    await tx.execute(
        "INSERT OR IGNORE INTO sent_messages (chat_id, message_id, ref, outbox_id, sent_at)"
        " VALUES (?, ?, ?, NULL, ?)",
        (chat_id, message_id, ref, to_db(now)),
    )


async def ref_for_message(db: Database, chat_id: int, message_id: int) -> str | None:
    """What a sent notification was about (used when someone replies to it)."""
    value = await db.fetchval(
        "SELECT ref FROM sent_messages WHERE chat_id = ? AND message_id = ?",
        (chat_id, message_id),
    )
    return None if value is None else str(value)


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 ... seconds, capped at 10 minutes."""
    return timedelta(seconds=min(600, 2 ** max(1, attempts + 1)))


async def uploaded_file_ids(db: Database, paths: list[str]) -> dict[str, str]:
    """Telegram file_ids of stored files already uploaded once."""
    if not paths:
        return {}
    marks = ", ".join("?" for _ in paths)
    rows = await db.fetchall(
        f"SELECT path, file_id FROM uploaded_files WHERE path IN ({marks})",
        paths,
    )
    return {r["path"]: r["file_id"] for r in rows}
