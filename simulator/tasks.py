"""Listeners and the tasks and timers the simulator starts (all ended by `close()`)."""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from simulator.models import Account, Device

type Listener = Callable[[str, Device | None, Account], None]


class TaskRegistry:
    """Keeps track of every task, timer, stop callback and listener of one simulator."""

    def __init__(self) -> None:
        """Start empty."""
        self._tasks: set[asyncio.Task[Any]] = set()
        self._handles: set[asyncio.TimerHandle] = set()
        self._stop_callbacks: list[Callable[[], Awaitable[None]]] = []
        self._listeners: list[Listener] = []

    def add_listener(self, listener: Listener) -> None:
        """Call `listener(kind, device, account)` on offline/removal/unlink."""
        self._listeners.append(listener)

    def notify(self, kind: str, device: Device | None, account: Account) -> None:
        """Tell listeners about a state change."""
        for listener in list(self._listeners):
            listener(kind, device, account)

    def spawn(
        self, coro: Coroutine[Any, Any, Any], name: str | None = None
    ) -> asyncio.Task[Any]:
        """Start a task that `close()` cancels."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def call_later(
        self, delay: float, callback: Callable[[], None]
    ) -> asyncio.TimerHandle:
        """Schedule a callback that `close()` cancels."""

        def fire() -> None:
            self._handles.discard(handle)
            callback()

        handle = asyncio.get_running_loop().call_later(delay, fire)
        self._handles.add(handle)
        return handle

    def on_stop(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run `callback` (async) when the simulator stops."""
        self._stop_callbacks.append(callback)

    async def close(self) -> None:
        """Run stop callbacks, cancel every timer and task this state started."""
        for callback in reversed(self._stop_callbacks):
            await callback()
        self._stop_callbacks.clear()
        for handle in self._handles:
            handle.cancel()
        self._handles.clear()
        while self._tasks:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._tasks.difference_update(tasks)
