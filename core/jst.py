"""Japan Standard Time: the one zone definition, and Japanese date formatting for mails
and pages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")
WEEKDAYS = "月火水木金土日"


def format_jst(value: datetime) -> str:
    local = value.astimezone(JST)
    return f"{local:%Y年%-m月%-d日}({WEEKDAYS[local.weekday()]}) {local:%H:%M}"


def format_jst_range(start: datetime, end: datetime) -> str:
    s, e = start.astimezone(JST), end.astimezone(JST)
    if s.date() == e.date():
        return f"{format_jst(s)}〜{e:%H:%M}"
    return f"{format_jst(s)}〜{format_jst(e)}"
