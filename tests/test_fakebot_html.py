"""The fake Telegram refuses broken HTML the way Telegram does, so every flow test also
proves that what the bot sent would parse."""

from __future__ import annotations

import pytest

from bot.sandbox.html_check import html_error


@pytest.mark.parametrize(
    "text",
    [
        "<b>报修单 #1</b> 已提交",
        '<a href="tg://user?id=1">孙老师</a> &lt;script&gt; &amp; &quot;x&quot;',
        '<span class="tg-spoiler">x</span> <tg-spoiler>y</tg-spoiler>',
        "<b><i>嵌套</i></b> AT&T &nbsp; &#128512; &#x1F600;",  # an unknown & is literal
        "<pre><code>x</code></pre><blockquote>引用</blockquote>",
    ],
)
def test_valid_telegram_html_is_accepted(text: str) -> None:
    assert html_error(text) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a < b", "Unsupported start tag"),
        ("<script>alert(1)</script>", 'Unsupported start tag "script"'),
        ("<b>未闭合", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>错<i>位</b></i>", "Unmatched end tag"),
        ("多余</b>", "Unexpected end tag"),
        ("<b", "Unclosed start tag"),
        ("<span>x</span>", 'must have class "tg-spoiler"'),
        ("<br/>", 'Unsupported start tag "br/"'),
    ],
)
def test_broken_html_is_refused_like_telegram(text: str, reason: str) -> None:
    error = html_error(text)
    assert error is not None
    assert error.startswith("Bad Request: can't parse entities: ")
    assert reason in error


def test_byte_offsets_count_utf8_like_telegram() -> None:
    error = html_error("报修<x>")
    assert error is not None and "byte offset 6" in error
