"""The one exception type the domain raises; its message is shown to the user as is."""


class DomainError(Exception):
    """A rule was broken. ``str(err)`` is short, polite Simplified Chinese for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Errors a handler steers by (ask again, re-draw): told apart by type, never by wording.
class ReasonRequired(DomainError):
    """A reason (驳回 / 返修 / 搁置) is missing or unusable: ask for it again."""


class RoundClosed(DomainError):
    """The patrol round was submitted or missed meanwhile: show its final state."""
