"""A registered person and what their roles allow."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.roles import Role


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    username: str | None
    chat_id: int | None
    roles: frozenset[Role]

    def has(self, *roles: Role) -> bool:
        """True when the person holds any of ``roles``; admins may do everything."""
        return Role.ADMIN in self.roles or any(r in self.roles for r in roles)

    @property
    def role_labels(self) -> str:
        return "、".join(r.label for r in Role if r in self.roles) or "无"
