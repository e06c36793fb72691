"""PTB persistence in our SQLite file, as JSON (never pickle): conversations and user_data
survive a restart, so a half-finished report or purchase is still there after an update.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.db import Database

UD = TypeVar("UD")


@dataclass(frozen=True)
class _Write:
    sql: str
    params: tuple[Any, ...]
    row: tuple[str, int] | None = None  # a user_data or chat_data row, and what it then holds
    stored: str | None = None


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


def _as_json(data: object) -> Any:
    """A typed state's JSON form (its ``to_json``), or the data itself if already JSON."""
    to_json = getattr(data, "to_json", None)
    return to_json() if callable(to_json) else data


class SqlitePersistence(BasePersistence[UD, dict[Any, Any], dict[Any, Any]], Generic[UD]):
    """``user_state`` turns stored JSON into the application's user_data type (a plain
    dict when not given)."""

    def __init__(
        self,
        db: Database,
        update_interval: float = 2,
        *,
        user_state: Callable[[dict[str, Any]], UD] | None = None,
    ) -> None:
        # bot_data holds live services, not data; callback_data is not arbitrary here.
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=True, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.db = db
        self._batch: list[_Write] | None = None
        # What each row holds now, as stored: PTB hands over every touched chat's and
        # user's data after each update, mostly unchanged ('{}' after /help); those are
        # not written again (two statements and often a whole commit per update).
        self._stored: dict[tuple[str, int], str] = {}
        self._user_state = user_state
        self._batch_lock = asyncio.Lock()

    async def _load(self, table: str, key: str) -> dict[int, dict[Any, Any]]:
        await self.db.open()
        rows = await self.db.fetchall(f"SELECT {key}, data FROM {table}")
        loaded = {int(r[0]): json.loads(r[1]) for r in rows}
        for ident, data in loaded.items():
            self._stored[(table, ident)] = _dumps(data)
        return loaded

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        """Everything PTB writes inside is committed in one transaction at the end: a
        conversation's state and its draft in user_data are saved together or not at all
        (PTB writes them concurrently, which would otherwise be separate commits)."""
        # Updates are handled concurrently (bot/updates.py): one batch at a time, or a
        # second batch would take over the first one's list and lose its writes.
        async with self._batch_lock:
            self._batch = []
            try:
                yield
            finally:
                writes, self._batch = self._batch, None
            if writes:
                await self._commit(writes)

    async def _commit(self, writes: list[_Write]) -> None:
        async with self.db.transaction() as tx:
            for write in writes:
                await tx.execute(write.sql, write.params)
        # Only once committed: after a rollback the rows hold what they held before.
        for write in writes:
            if write.row is None:
                continue
            if write.stored is None:
                self._stored.pop(write.row, None)
            else:
                self._stored[write.row] = write.stored

    def _holds(self, row: tuple[str, int]) -> str | None:
        """What ``row`` will hold once the open batch (if any) is committed."""
        for write in reversed(self._batch or []):
            if write.row == row:
                return write.stored
        return self._stored.get(row)

    async def _write(self, write: _Write) -> None:
        if self._batch is not None:
            self._batch.append(write)
        else:
            await self._commit([write])

    async def _store(self, table: str, key: str, ident: int, data: dict[Any, Any]) -> None:
        text = _dumps(data)
        if self._holds((table, ident)) == text:
            return
        await self._write(
            _Write(
                f"INSERT INTO {table} ({key}, data) VALUES (?, ?)"
                f" ON CONFLICT({key}) DO UPDATE SET data = excluded.data",
                (ident, text),
                (table, ident),
                text,
            )
        )

    async def _drop(self, table: str, key: str, ident: int) -> None:
        await self._write(
            _Write(f"DELETE FROM {table} WHERE {key} = ?", (ident,), (table, ident), None)
        )

    async def get_user_data(self) -> dict[int, UD]:
        loaded = await self._load("ptb_user_data", "user_id")
        if self._user_state is None:
            return loaded  # type: ignore[return-value]  # UD is a plain dict then
        make = self._user_state
        return {user_id: make(data) for user_id, data in loaded.items()}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return await self._load("ptb_chat_data", "chat_id")

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        await self.db.open()
        rows = await self.db.fetchall(
            "SELECT key, state FROM ptb_conversations WHERE name = ?", (name,)
        )
        return {tuple(json.loads(r["key"])): json.loads(r["state"]) for r in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        if new_state is None:
            await self._write(
                _Write(
                    "DELETE FROM ptb_conversations WHERE name = ? AND key = ?",
                    (name, json.dumps(list(key))),
                )
            )
        else:
            await self._write(
                _Write(
                    "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?)"
                    " ON CONFLICT(name, key) DO UPDATE SET state = excluded.state",
                    (name, json.dumps(list(key)), json.dumps(new_state)),
                )
            )

    async def update_user_data(self, user_id: int, data: UD) -> None:
        await self._store("ptb_user_data", "user_id", user_id, _as_json(data))

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        await self._store("ptb_chat_data", "chat_id", chat_id, data)

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        await self._drop("ptb_user_data", "user_id", user_id)

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._drop("ptb_chat_data", "chat_id", chat_id)

    async def refresh_user_data(self, user_id: int, user_data: UD) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None
