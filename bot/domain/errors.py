"""The one exception type the domain raises; its message is shown to the user as is."""


class DomainError(Exception):
    """A rule was broken. ``str(err)`` is short, polite Simplified Chinese for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
