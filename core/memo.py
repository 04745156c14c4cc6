"""A value one process keeps for a short while, for answers asked on every page that
change rarely and only through a service (is a 年度更新 cycle running; which 行動規範 is
in force). The service that changes the answer calls `forget()` (also after commit);
other processes follow within `seconds`. Not a cache of anything personal."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ProcessMemo(Generic[T]):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._value: T | None = None
        self._until = 0.0

    def get(self, compute: Callable[[], T]) -> T:
        now = time.monotonic()
        if self._until <= now:
            self._value, self._until = compute(), now + self.seconds
        return self._value  # type: ignore[return-value]  # set just above when stale

    def forget(self) -> None:
        self._until = 0.0

    def assume(self, value: T) -> None:
        """Tests: start from a known answer (e.g. a fresh database has no cycle)."""
        self._value, self._until = value, time.monotonic() + self.seconds
