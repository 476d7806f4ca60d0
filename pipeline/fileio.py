"""Small file helpers shared by every writer of the package: atomic writes, file modes, fsync.

Files written through a temporary name (``tempfile.mkstemp`` creates them with
mode 0600) get the mode a plain ``open(path, "w")`` would give: ``0666``
minus the process umask, so that a KB on a shared file system is readable by
the other users of the cluster (a umask of ``002`` gives group-writable files,
``022`` world-readable ones, ``077`` private ones).

The umask is read once per process (:func:`umask`): from ``/proc/self/status``
where the kernel reports it, else with ``os.umask`` set-and-restore under a
lock, so no file created by another thread meanwhile gets a wrong mode.
"""
from __future__ import annotations

import json
import os
import tempfile
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

_UMASK_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def umask() -> int:
    """The process umask (read once; ``umask.cache_clear()`` reads it again)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:   # no /proc (macOS, old kernels): set and restore at once
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode of a new regular file: ``0o666 & ~umask``."""
    return 0o666 & ~umask()


def fsync_dir(path) -> None:
    """fsync a directory (makes renames and new files in it durable); a no-op where unsupported."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def temp_for(path, mode: str = "w", **open_kw):
    """A temporary file beside ``path`` (same directory, so a rename is atomic), with the normal file mode.

    Returns
    -------
    fh : file object
        Opened with ``mode`` (text modes default to UTF-8 and ``\\n`` newlines).
    tmp : str
        Its path; rename it with ``os.replace(tmp, path)`` when complete.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, file_mode())   # mkstemp makes it 0600
        if "b" not in mode:
            open_kw.setdefault("encoding", "utf-8")
            open_kw.setdefault("newline", "\n")
        return os.fdopen(fd, mode, **open_kw), tmp
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise


def commit(fh, tmp, path) -> None:
    """Flush, fsync and close ``fh`` (from :func:`temp_for`), then rename ``tmp`` to ``path``."""
    fh.flush()
    os.fsync(fh.fileno())
    fh.close()
    os.replace(tmp, path)


def discard(fh, tmp) -> None:
    """Close ``fh`` and remove its temporary file (a write that did not complete)."""
    try:
        fh.close()
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextmanager
def atomic_write(path, mode: str = "w", **open_kw):
    """Write ``path`` whole or not at all: a temporary file renamed into place on success.

    Examples
    --------
    >>> with atomic_write("kb/manifest.json") as fh:     # doctest: +SKIP
    ...     fh.write("{}")
    """
    fh, tmp = temp_for(path, mode, **open_kw)
    try:
        yield fh
    except BaseException:
        discard(fh, tmp)
        raise
    commit(fh, tmp, path)


def write_text_atomic(path, data: str) -> None:
    """Write the text ``data`` to ``path`` atomically (UTF-8, ``\\n`` newlines)."""
    with atomic_write(path) as fh:
        fh.write(data)


def write_json_atomic(path, obj) -> None:
    """Write ``obj`` as indented JSON (UTF-8, non-ASCII kept) to ``path`` atomically."""
    with atomic_write(path) as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=2)
