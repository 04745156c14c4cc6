"""Japanese date formatting in JST, for mails and pages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS = "月火水木金土日"


def format_jst(value: datetime) -> str:
    local = value.astimezone(TOKYO)
    return f"{local:%Y年%-m月%-d日}({WEEKDAYS[local.weekday()]}) {local:%H:%M}"


def format_jst_range(start: datetime, end: datetime) -> str:
    s, e = start.astimezone(TOKYO), end.astimezone(TOKYO)
    if s.date() == e.date():
        return f"{format_jst(s)}〜{e:%H:%M}"
    return f"{format_jst(s)}〜{format_jst(e)}"
