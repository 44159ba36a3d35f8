"""Reading the value formats HubSpot documents: epoch milliseconds, ISO 8601, numbers, booleans.

Pure functions shared by the validator, the composer's editors and the sandbox.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

MS_PER_DAY = 86_400_000
# An epoch value below this is almost surely in seconds: as milliseconds it would fall before
# 1973-03-03, while as seconds it reaches the year 5138.
SECONDS_EPOCH_CEILING = 100_000_000_000

EPOCH = re.compile(r"^-?\d{1,16}$")
# "numeric values with up to one decimal" = at most one decimal point (HUBSPOT_API.md reading note):
# optional sign, digits, optional fraction; no exponent, no thousands separators.
NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Deliberately simple: one @, something on both sides, a dot in the domain, no spaces.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# The hubspotutk cookie is 32 hexadecimal characters.
UTK = re.compile(r"^[0-9a-fA-F]{32}$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class TimeFormat(enum.Enum):
    EPOCH_MS = "epoch milliseconds"
    EPOCH_SECONDS = "epoch seconds"
    ISO_DATE = "ISO date"
    ISO_DATETIME = "ISO date-time"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class TimeReading:
    """What a timestamp value turned out to be, and the instant it means (UTC epoch ms)."""

    format: TimeFormat
    epoch_ms: int | None = None
    has_timezone: bool = True

    @property
    def is_valid(self) -> bool:
        return self.format is not TimeFormat.INVALID

    @property
    def at_utc_midnight(self) -> bool:
        return self.epoch_ms is not None and self.epoch_ms % MS_PER_DAY == 0


INVALID_TIME = TimeReading(TimeFormat.INVALID)


def read_time(value: object) -> TimeReading:
    """Epoch ms (number or digit string) or an ISO 8601 date / date-time string."""
    if isinstance(value, bool):
        return INVALID_TIME
    if isinstance(value, int):
        return _epoch(value)
    if isinstance(value, float):
        return _epoch(int(value)) if value.is_integer() else INVALID_TIME
    if not isinstance(value, str):
        return INVALID_TIME
    text = value.strip()
    if EPOCH.match(text):
        return _epoch(int(text))
    if ISO_DATE.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return INVALID_TIME
        return TimeReading(TimeFormat.ISO_DATE, to_epoch_ms(datetime.combine(day, time(), UTC)))
    if len(text) < 11 or text[10] not in "Tt ":
        return INVALID_TIME
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return INVALID_TIME
    has_tz = parsed.tzinfo is not None
    if not has_tz:
        # HubSpot does not say how it reads a time without an offset; UTC is the likely reading.
        parsed = parsed.replace(tzinfo=UTC)
    return TimeReading(TimeFormat.ISO_DATETIME, to_epoch_ms(parsed), has_timezone=has_tz)


def _epoch(number: int) -> TimeReading:
    if abs(number) < SECONDS_EPOCH_CEILING:
        return TimeReading(TimeFormat.EPOCH_SECONDS, number * 1000)
    return TimeReading(TimeFormat.EPOCH_MS, number)


_EPOCH_START = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)


def to_epoch_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH_START) // _ONE_MS


def from_epoch_ms(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)


def iso_utc(epoch_ms: int) -> str:
    """`2024-05-01T12:00:00.000Z`: the form HubSpot returns occurredAt in."""
    moment = from_epoch_ms(epoch_ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def utc_midnight_ms(epoch_ms: int) -> int:
    return epoch_ms - epoch_ms % MS_PER_DAY


def is_number(text: str) -> bool:
    return NUMBER.match(text) is not None


def is_email(text: str) -> bool:
    return EMAIL.match(text) is not None


def bool_text(value: bool) -> str:
    return "true" if value else "false"
