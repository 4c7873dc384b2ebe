"""The one time format of the store: ISO 8601 UTC with a `Z`, four-digit years, whole seconds.

Every stored time goes through `format_time` (or `now_iso`) and is read back with `parse_time`, so
text comparison of stored times is time comparison. `strftime("%Y")` does not zero-pad years before
1000 on every platform, so the year is formatted by hand.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta


def format_time(value: datetime) -> str:
    """`2026-12-05T08:38:00Z` for an aware datetime (naive ones are taken as UTC)."""
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    u = moment.astimezone(UTC)
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}Z"


def now_iso() -> str:
    """The current time in the store's format."""
    return format_time(datetime.now(UTC))


def parse_time(value: str) -> datetime:
    """A stored time back as an aware UTC datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def day_bounds(day: date) -> tuple[str, str]:
    """A bare date means the whole day: its first and last second, as stored times."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return format_time(start), format_time(start + timedelta(days=1) - timedelta(seconds=1))
