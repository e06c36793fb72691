"""The Telegram side that handlers and jobs share: inline keyboards, turning an outgoing
message (or an outbox row) into Bot API calls, the outbox sender, receiving pictures, the
JobQueue helpers and re-drawing a patrol checklist. Handlers answer updates and jobs run
on a timer; both send through here, so neither needs the other.
"""
