"""后勤助手: the application package (config, wiring, domain rules, texts)."""

import os

# Opt in to PTB's future behaviour (retry_after and friends as timedelta) so our code is
# written against it once, and PTB does not warn on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "1")
