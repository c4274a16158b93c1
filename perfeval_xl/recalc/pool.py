"""Worker processes that one workbook can neither kill nor hang: a time budget per task, a new worker
when one dies, plain data in and out.

``ProcessPoolExecutor`` cannot stop one task that runs too long, and a worker that dies (out of memory,
a crash in a native library) breaks the whole pool. :func:`run_isolated` keeps its own workers, each
fed one task at a time over a pipe; the parent waits on all pipes with a deadline, kills a worker whose
task is over its budget and starts a fresh one, so every task ends with a result and the batch goes on.
"""
from __future__ import annotations

import multiprocessing as mp
import sys
import time
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterator, Sequence

#: fork is fast and needs no re-import on Linux; elsewhere (Windows, macOS) spawn is the safe default
FORKS = sys.platform.startswith("linux")


def _context() -> Any:
    return mp.get_context("fork" if FORKS else "spawn")


def _serve(conn: Connection, fn: Callable[[Any], Any]) -> None:
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        i, task = msg
        try:
            result = fn(task)
        except MemoryError:
            result = ("MemoryError", "")
        except BaseException as exc:  # noqa: BLE001 - nothing may escape a worker as an exception object
            result = (type(exc).__name__, str(exc)[:300])
        try:
            conn.send((i, result))
        except (OSError, ValueError, TypeError) as exc:  # unpicklable or broken pipe
            conn.send((i, ("SendError", str(exc)[:300])))


class _Worker:
    def __init__(self, ctx: Any, fn: Callable[[Any], Any]):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, fn), daemon=True)
        self.proc.start()
        child.close()
        self.task: int | None = None
        self.started = 0.0

    def give(self, i: int, task: Any) -> None:
        self.task, self.started = i, time.monotonic()
        self.conn.send((i, task))

    def stop(self, kill: bool = False) -> None:
        try:
            if kill:
                self.proc.kill()
            else:
                self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.proc.join(timeout=5)
        if self.proc.is_alive():  # pragma: no cover
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def run_isolated(fn: Callable[[Any], Any], tasks: Sequence[Any], *, workers: int, seconds: float | None,
                 on_failure: Callable[[Any, str, str], Any]) -> Iterator[tuple[int, Any]]:
    """Yield (index, result) for every task as it ends. ``fn`` runs in a worker; a task over ``seconds``
    or whose worker dies gets ``on_failure(task, kind, detail)`` instead, kind being "timeout" or "crash".
    A result that is a (type name, text) pair means ``fn`` raised; the caller maps it too."""
    if not tasks:
        return
    ctx = _context()
    todo = list(enumerate(tasks))[::-1]
    pool = [_Worker(ctx, fn) for _ in range(max(1, min(workers, len(tasks))))]
    busy: dict[Connection, _Worker] = {}
    try:
        while todo or busy:
            for w in pool:
                if w.task is None and todo:
                    i, t = todo.pop()
                    try:
                        w.give(i, t)
                    except (OSError, ValueError):
                        yield i, on_failure(t, "crash", "")
                        continue
                    busy[w.conn] = w
            timeout = None
            if seconds:
                now = time.monotonic()
                timeout = max(0.0, min(w.started + seconds - now for w in busy.values())) if busy else 0
            ready = wait(list(busy), timeout=timeout)
            for conn in ready:
                w = busy.pop(conn)
                i = w.task
                try:
                    j, result = conn.recv()
                except (EOFError, OSError):
                    code = w.proc.exitcode
                    yield i, on_failure(tasks[i], "crash", f"exit {code}" if code is not None else "")
                    _replace(pool, w, ctx, fn, kill=True)
                    continue
                w.task = None
                yield j, result
            if seconds:
                now = time.monotonic()
                for conn, w in list(busy.items()):
                    if now - w.started >= seconds:
                        busy.pop(conn)
                        yield w.task, on_failure(tasks[w.task], "timeout", f"{seconds:g}")
                        _replace(pool, w, ctx, fn, kill=True)
    finally:
        for w in pool:
            w.stop(kill=w.task is not None)


def _replace(pool: list[_Worker], w: _Worker, ctx: Any, fn: Callable[[Any], Any], *, kill: bool) -> None:
    w.stop(kill=kill)
    pool[pool.index(w)] = _Worker(ctx, fn)
