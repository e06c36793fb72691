"""The try-out: the real bot on a local Bot API server with a web chat, no Telegram needed."""
