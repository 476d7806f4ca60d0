"""Local parallel extraction: N worker processes, results in input order, bounded memory.

The main process reads the inputs and writes the shard; workers run the
pipeline on small batches and return finished shard lines. At most a few
batches per worker are in flight, so memory does not grow with the corpus,
and results are written in input order whatever order the workers finish
in. Each worker loads the pipeline once (on Linux the workers are forked
from the main process, which has already loaded it).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
from collections import deque

from .kb import doc_record, error_record

#: entry kinds of the stream a run feeds to :func:`run_ordered` (DUP: a document whose id came earlier)
DOC, REF, ERROR, DUP = "doc", "ref", "error", "dup"

_PIPELINES: dict = {}
_WARM_UP = ("Năm 2024, tỉnh có 12 đơn vị sử dụng chữ ký số, tỷ lệ hồ sơ trực tuyến đạt 85,5%, 3/5 xã "
            "hoàn thành với kinh phí 1,2 tỷ đồng theo Quyết định số 12/QĐ-UBND ngày 01/02/2024. "
            "Tuy nhiên, hạ tầng còn hạn chế.")


def pipeline_for(settings: dict, refresh: bool = False):
    """The pipeline for ``settings`` in this process, loaded once (a worker-level cache) and warmed up.

    ``refresh`` rebuilds it when its model files changed since (a run calls it
    so once at its start; a Dask task once per partition, as workers outlive runs).
    """
    key = tuple(sorted(settings.items()))
    nlp = _PIPELINES.get(key)
    if nlp is None or refresh:
        from . import get_pipeline
        new = get_pipeline(**settings)   # cached there, per model files
        if new is not nlp:
            from .document import Document
            # warm up: lazy imports and models (underthesea's tokenizer) load now, before workers fork
            new(Document(id="warm-up", text=_WARM_UP))
            _PIPELINES[key] = nlp = new
    return nlp


def failure_record(doc, exc: BaseException) -> dict:
    """The ``errors.jsonl`` record of a document the pipeline raised on (the run goes on)."""
    return {"file": doc.meta.get("source_file"), "line": doc.meta.get("source_line"),
            "error": f"extraction failed ({type(exc).__name__}: {str(exc)[:300]}); "
                     "the document was skipped, please report it",
            "record": {"id": doc.id, "n_chars": len(doc.text)}}


def process_batch(settings: dict, entries: list, refresh: bool = False):
    """Shard lines of ``entries`` (in order) and ``(processed, reused, errors)`` counts (DUP counts as an error)."""
    nlp = None
    out = []
    done = reused = errors = 0
    for entry in entries:
        kind = entry[0]
        if kind == DOC:
            _, key, doc = entry
            if nlp is None:
                nlp = pipeline_for(settings, refresh=True) if refresh else pipeline_for(settings)
            try:
                out.append(doc_record(key, nlp(doc)))
                done += 1
            except Exception as exc:  # one bad document must not stop a corpus
                out.append(error_record(failure_record(doc, exc), doc.id))
                errors += 1
        else:
            out.append(entry[1])
            if kind == REF:
                reused += 1
            else:
                errors += 1
    return "".join(out), (done, reused, errors)


class _Ready:
    """A batch computed in the main process (same interface as a Future)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def done(self):
        return True

    def result(self):
        return self.value


def _init_worker(settings):
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the main process handles Ctrl-C
    if sys.platform.startswith("linux"):
        try:   # die with the main process, even after kill -9
            import ctypes
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover
            pass
    pipeline_for(settings)


def resolve_workers(workers) -> int:
    """``0`` -> all cores; otherwise at least 1."""
    workers = int(workers or 0) if workers is not None else 1
    if workers <= 0:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, workers)


def _executor(workers: int, settings: dict):
    from concurrent.futures import ProcessPoolExecutor
    methods = mp.get_all_start_methods()
    ctx = mp.get_context("fork" if "fork" in methods and sys.platform.startswith("linux") else None)
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(settings,))


def _stop(executor):
    executor.shutdown(wait=False, cancel_futures=True)
    for p in list((getattr(executor, "_processes", None) or {}).values()):
        try:
            p.terminate()
        except Exception:  # pragma: no cover
            pass


def run_ordered(entries, write, settings: dict, workers: int = 1, progress=None,
                batch_docs: int | None = None, batch_chars: int = 1 << 20) -> None:
    """Process a stream of entries and ``write`` their shard lines in input order.

    Parameters
    ----------
    entries : iterable
        ``(DOC, key, Document)``, ``(REF, line)``, ``(DUP, line)`` or ``(ERROR, line)`` tuples.
    write : callable
        Receives the lines of each batch, in order (the shard writer: it flushes).
    settings : dict
        ``get_pipeline`` keyword arguments (``patterns``, ``shortcoming_threshold``).
    workers : int
        1 runs in this process; N > 1 uses N worker processes.
    progress : callable, optional
        Called with ``(processed, reused, errors)`` after each written batch.
    """
    executor = _executor(workers, settings) if workers > 1 else None
    if batch_docs is None:
        batch_docs = 8 if executor else 1
    max_inflight = 3 * workers if executor else 1
    pending: deque = deque()
    batch: list = []
    nd = nc = 0

    def drain(limit):
        while pending and (len(pending) > limit or pending[0].done()):
            lines, stats = pending.popleft().result()
            write(lines)
            if progress is not None:
                progress(*stats)

    def submit():
        nonlocal batch, nd, nc
        if not batch:
            return
        if executor is None or nd == 0:
            pending.append(_Ready(process_batch(settings, batch)))
        else:
            pending.append(executor.submit(process_batch, settings, batch))
        batch, nd, nc = [], 0, 0

    ok = False
    try:
        for entry in entries:
            batch.append(entry)
            if entry[0] == DOC:
                nd += 1
                nc += len(entry[2].text)
            if nd >= batch_docs or nc >= batch_chars or len(batch) >= 1024:
                submit()
                drain(max_inflight)
        submit()
        drain(0)
        ok = True
    finally:
        if executor is not None:
            if ok:
                executor.shutdown(wait=True)
            else:
                _stop(executor)
