"""The world's clock: a fixed `now`, so that the same seed gives the same bytes on any day, and the two APIs'
timestamp formats (KlayrAI's RFC 3339 UTC, Graph's `+0000`), written fast since a large world has 300 000 of them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

NOW = "2026-03-10T14:00:00Z"
NOW_TS = int(datetime(2026, 3, 10, 14, 0, 0, tzinfo=UTC).timestamp())
HOUR = 3_600
DAY = 86_400
EARLIEST_CREATED = int(datetime(2012, 1, 1, tzinfo=UTC).timestamp())  # no ad account is older

_OFFSETS: dict[str, float] = {}
_DAYS: dict[int, str] = {}
_HOURS = tuple(f"{h:02d}:" for h in range(24))
_MINUTES_SECONDS = tuple(f"{m:02d}:{s:02d}" for m in range(60) for s in range(60))
_EPOCH_ORDINAL = datetime(1970, 1, 1).toordinal()


def zone_offset(zone: str) -> float:
    """The zone's UTC offset in hours at `NOW` (DST included: New York is -4.0 on 2026-03-10)."""
    offset = _OFFSETS.get(zone)
    if offset is None:
        delta = datetime.fromtimestamp(NOW_TS, ZoneInfo(zone)).utcoffset()
        assert delta is not None
        offset = _OFFSETS[zone] = delta.total_seconds() / 3600
    return offset


def stamp(ts: int, zone_suffix: str) -> str:
    """`YYYY-MM-DDTHH:MM:SS<zone_suffix>` of a POSIX time in UTC: 3x cheaper than strftime, called 300 000 times."""
    days, seconds = divmod(ts, DAY)
    day = _DAYS.get(days)
    if day is None:
        day = _DAYS[days] = datetime.fromordinal(_EPOCH_ORDINAL + days).strftime("%Y-%m-%dT")
    hours, seconds = divmod(seconds, HOUR)
    return day + _HOURS[hours] + _MINUTES_SECONDS[seconds] + zone_suffix


def utc(ts: int) -> str:
    """RFC 3339 UTC, as KlayrAI writes it."""
    return stamp(ts, "Z")


def graph_time(ts: int) -> str:
    """Graph's `created_time` format."""
    return stamp(ts, "+0000")
