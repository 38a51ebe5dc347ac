"""Helpers that read untyped JSON into typed values without trusting its shape."""

from collections.abc import Mapping
from datetime import UTC, datetime
import math
from typing import Final

from .exceptions import RingPartnerParseError

type JsonObject = Mapping[str, object]

# Digit strings longer than this are not Ring's numbers; Python refuses to convert strings of
# more than 4300 digits anyway (ValueError), so they are rejected before `int()` is tried.
MAX_DIGITS: Final = 20
# The longest ISO 8601 form with nanoseconds and an offset is well under this.
MAX_ISO_LENGTH: Final = 64


def as_object(value: object) -> dict[str, object]:
    """Return value if it is a JSON object, else an empty one."""
    if isinstance(value, dict):
        return {str(key): item for key, item in value.items()}
    return {}


def as_list(value: object) -> list[object]:
    """Return value if it is a JSON array, else an empty list."""
    return list(value) if isinstance(value, list) else []


def opt_str(value: object) -> str | None:
    """Return value if it is a string, else None."""
    return value if isinstance(value, str) else None


def opt_int(value: object) -> int | None:
    """Return value as int if it is an integral JSON number or digit string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        # is_integer() is False for NaN and the infinities (`1e400` decodes to inf).
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= MAX_DIGITS and text.lstrip("-").isdigit():
            return int(text)
    return None


def opt_float(value: object) -> float | None:
    """Return value as float if it is a finite JSON number, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            # An integer too large for a float (hundreds of digits).
            return None
        return number if math.isfinite(number) else None
    return None


def opt_bool(value: object) -> bool | None:
    """Return a bool from a JSON bool or Ring's "on"/"off" strings, else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"on", "true", "enabled"}:
            return True
        if lowered in {"off", "false", "disabled"}:
            return False
    return None


def str_tuple(value: object) -> tuple[str, ...]:
    """Return the strings of a JSON array as a tuple."""
    return tuple(item for item in as_list(value) if isinstance(item, str))


def ms_to_datetime(value: object) -> datetime | None:
    """Convert epoch milliseconds (number or digit string) to an aware UTC datetime.

    Out-of-range, non-finite and non-numeric values give None: datetimes end at year 9999.
    """
    millis = opt_int(value)
    if millis is None:
        number = opt_float(value)
        if number is None:
            return None
        millis = int(number)
    try:
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    except OverflowError, OSError, ValueError:
        return None


def datetime_to_ms(value: datetime) -> int:
    """Convert an aware datetime to epoch milliseconds (naive means UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


def iso_to_datetime(value: object) -> datetime | None:
    """Parse an ISO 8601 timestamp (nanoseconds allowed) into an aware UTC datetime.

    Impossible values give None, among them times that leave the datetime range once
    converted to UTC (`0001-01-01T00:00:00+01:00`).
    """
    if not isinstance(value, str) or not value or len(value) > MAX_ISO_LENGTH:
        return None
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except OverflowError, ValueError:
        return None


def require_str(obj: JsonObject, key: str, what: str) -> str:
    """Return obj[key] as a non-empty string or raise RingPartnerParseError."""
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        msg = f"{what}: missing or invalid '{key}'"
        raise RingPartnerParseError(msg)
    return value


def relationship_ref(resource: JsonObject, name: str) -> tuple[str, str] | None:
    """Return (type, id) of `relationships.<name>.data` when it is a single reference."""
    data = as_object(
        as_object(as_object(resource.get("relationships")).get(name)).get("data")
    )
    ref_type, ref_id = opt_str(data.get("type")), opt_str(data.get("id"))
    if ref_type is None or ref_id is None:
        return None
    return ref_type, ref_id


def relationship_ids(resource: JsonObject, name: str) -> tuple[str, ...]:
    """Return the ids of a to-many `relationships.<name>.data` array (or a single ref)."""
    data = as_object(as_object(resource.get("relationships")).get(name)).get("data")
    if isinstance(data, dict):
        data = [data]
    return tuple(
        ref_id
        for item in as_list(data)
        if (ref_id := opt_str(as_object(item).get("id"))) is not None
    )
