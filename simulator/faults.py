"""Fault injection by path pattern (`POST /_sim/faults`).

A fault matches requests whose path matches `path` (a regular expression, `re.search`) and,
if given, whose method equals `method`. It can add `latency_ms` (real milliseconds), then
either drop the connection (`drop`) or answer `status` (JSON:API error, with `Retry-After`
when `retry_after` is set, and the error's `title`, `code` and `detail` when given, so a
test can play any documented error answer). `count` limits how many requests it affects (default unlimited).
Control paths (`/_sim/`) are never affected.
"""

from dataclasses import dataclass
import re
from typing import Any


@dataclass(kw_only=True)
class Fault:
    """One injected fault."""

    id: int
    path: re.Pattern[str]
    method: str | None
    status: int | None
    latency_ms: int
    drop: bool
    count: int | None
    retry_after: int | None
    title: str | None = None
    code: str | None = None
    detail: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON view of the fault."""
        return {
            "id": self.id,
            "path": self.path.pattern,
            "method": self.method,
            "status": self.status,
            "latency_ms": self.latency_ms,
            "drop": self.drop,
            "count": self.count,
            "retry_after": self.retry_after,
            "title": self.title,
            "code": self.code,
            "detail": self.detail,
        }


class FaultTable:
    """The active faults, first match wins."""

    def __init__(self) -> None:
        """Create an empty table."""
        self.faults: list[Fault] = []
        self._next_id = 1

    def add(self, raw: dict[str, Any]) -> Fault:
        """Add a fault from its JSON form; raise ValueError on bad input."""
        path = raw.get("path")
        if not isinstance(path, str):
            raise ValueError("path (a regular expression) is required")  # noqa: TRY004
        try:
            pattern = re.compile(path)
        except re.error as err:
            raise ValueError(f"invalid path pattern: {err}") from err
        status = _optional_int(raw, "status")
        if status is not None and not 400 <= status <= 599:
            raise ValueError("status must be 400..599")
        drop = raw.get("drop", False)
        latency = _optional_int(raw, "latency_ms") or 0
        if not isinstance(drop, bool):
            raise ValueError("drop must be a boolean")  # noqa: TRY004
        if status is None and not drop and latency == 0:
            raise ValueError("a fault needs status, drop or latency_ms")
        method = raw.get("method")
        if method is not None and not isinstance(method, str):
            raise ValueError("method must be a string")
        texts = {key: raw.get(key) for key in ("title", "code", "detail")}
        if any(
            value is not None and not isinstance(value, str) for value in texts.values()
        ):
            raise ValueError("title, code and detail must be strings")
        fault = Fault(
            id=self._next_id,
            path=pattern,
            method=method.upper() if method else None,
            status=status,
            latency_ms=latency,
            drop=drop,
            count=_optional_int(raw, "count"),
            retry_after=_optional_int(raw, "retry_after"),
            title=texts["title"],
            code=texts["code"],
            detail=texts["detail"],
        )
        self._next_id += 1
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        self.faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """Return the first matching fault and count one use of it."""
        for fault in self.faults:
            if fault.method not in (None, method) or not fault.path.search(path):
                continue
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
            return fault
        return None


def _optional_int(raw: dict[str, Any], key: str) -> int | None:
    """Read an optional non-negative integer."""
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} must be a non-negative integer")
    return value
