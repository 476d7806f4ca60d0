"""Cluster mode: ``extract --dask SCHEDULER_ADDRESS`` (or ``--dask local``) on Dask distributed.

The driver splits the inputs into partitions (a ``.jsonl`` file into line
ranges found by one scan of the file; any other file is one partition),
submits one task per partition and merges the shards the tasks wrote into
the KB, in input order. A task reads its own byte range of the file, runs
the pipeline (loaded once per worker process and kept in a module-level
cache) and appends one line per document to its own shard file under
``KB_DIR/.shards/``, so workers and driver must share the file system that
holds the inputs and the KB (NFS, Lustre ... on a cluster). Documents
already done (resume) are skipped on the workers: the driver broadcasts
their keys. Duplicate ids are settled by the driver's merge (the first in
input order is kept), as in a local run.

Dask is imported only here, and only when ``--dask`` is given.
"""
from __future__ import annotations

import itertools
import logging
import os
import uuid
from pathlib import Path

from .errors import InputError
from .kb import _SHARD_SUFFIX as SHARD_SUFFIX, ShardWriter, doc_key, dup_record, error_record, ref_record, source_of
from .parallel import DOC, DUP, ERROR, REF, process_batch
from .read import _kind, iter_inputs, read_jsonl_lines, read_path

#: target documents per partition (more partitions than workers balance the load)
PARTITION_LINES = 500


def plan_partitions(inputs, n_workers: int = 2, max_lines: int = PARTITION_LINES) -> list:
    """Partitions of ``inputs`` in input order (the order :func:`pipeline.read.iter_inputs` reads).

    Each is ``("jsonl", path, byte_offset, first_line, n_lines)``, ``("path", path)``
    (a whole file of another kind) or ``("errors", [records])`` (missing paths, empty directories).
    """
    files = []
    for raw in inputs:
        if raw == "-":
            raise ValueError("--dask cannot read stdin: write the documents to a file that the workers can read")
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and _kind(p))
            if found:
                files.extend(found)
                continue
        elif path.exists():
            files.append(path)
            continue
        files.append(("errors", [e.to_record() for e in iter_inputs([raw])]))
    total = sum(os.path.getsize(f) for f in files if isinstance(f, Path) and _kind(f) == "jsonl")
    # aim at >= 4 partitions per worker, at most max_lines lines each
    parts = []
    for f in files:
        if not isinstance(f, Path):
            parts.append(f)
        elif _kind(f) == "jsonl":
            parts.extend(_split_jsonl(f, max_lines, total, n_workers))
        else:
            parts.append(("path", str(f)))
    return parts


def _split_jsonl(path: Path, max_lines: int, total_bytes: int, n_workers: int):
    target_bytes = max(1 << 16, total_bytes // max(1, 4 * n_workers))
    out = []
    start_off, start_line, n, nbytes = 0, 1, 0, 0
    off = 0
    with open(path, "rb") as fh:
        for line in fh:
            n += 1
            nbytes += len(line)
            off += len(line)
            if n >= max_lines or nbytes >= target_bytes:
                out.append(("jsonl", str(path), start_off, start_line, n))
                start_off, start_line, n, nbytes = off, start_line + n, 0, 0
    if n or not out:
        out.append(("jsonl", str(path), start_off, start_line, n))
    return out


def iter_partition(spec):
    """Documents and input errors of one partition, numbered as in the whole file."""
    kind = spec[0]
    if kind == "errors":
        for rec in spec[1]:
            yield InputError(rec["error"], rec.get("file") or "", rec.get("line"), rec.get("record"))
    elif kind == "path":
        yield from read_path(Path(spec[1]))
    elif kind == "jsonl":
        _, path, offset, first_line, n_lines = spec
        try:
            fh = open(path, "rb")
        except OSError as exc:
            yield InputError(f"cannot read file ({exc})", path)
            return
        with fh:
            fh.seek(offset)
            # blank lines are skipped by the reader: pad so that line numbers count from first_line
            lines = itertools.chain(itertools.repeat(b"\n", first_line - 1), itertools.islice(fh, n_lines))
            yield from read_jsonl_lines(lines, path)
    else:  # pragma: no cover
        raise ValueError(f"unknown partition {spec!r}")


def process_partition(index: int, spec, shard_path: str, header: dict, settings: dict, done=None,
                      batch_docs: int = 8):
    """A Dask task: extract one partition into its own shard file; returns ``(index, path, counts)``.

    A document whose id came earlier in the partition is not extracted (a
    ``dup`` record); duplicates across partitions are found by the merge.
    """
    done = done or ()
    seen = set()
    base = Path(shard_path)   # one file per attempt (a task may be retried after a worker died)
    path = base.with_name(base.name[:-len(SHARD_SUFFIX)] + f"-{uuid.uuid4().hex[:8]}{SHARD_SUFFIX}")
    counts = [0, 0, 0]
    with ShardWriter(path, header) as shard:
        batch = []
        checked = False   # whether the worker's cached pipeline was checked against the model files

        def flush():
            nonlocal checked
            has_doc = any(e[0] == DOC for e in batch)
            lines, stats = process_batch(settings, batch, refresh=has_doc and not checked)
            checked = checked or has_doc
            shard.write(lines)
            for i in range(3):
                counts[i] += stats[i]
            batch.clear()

        for item in iter_partition(spec):
            if isinstance(item, InputError):
                batch.append((ERROR, error_record(item.to_record())))
            else:
                key = doc_key(item.id, item.text)
                if item.id in seen:
                    batch.append((DUP, dup_record(key, item.id, source_of(item.meta))))
                elif key in done:
                    seen.add(item.id)
                    batch.append((REF, ref_record(key, item.id, source_of(item.meta))))
                else:
                    seen.add(item.id)
                    batch.append((DOC, key, item))
            if len(batch) >= batch_docs:
                flush()
        if batch:
            flush()
    return index, str(path), tuple(counts)


def run_dask(address: str, inputs, kb, settings: dict, workers: int = 0, progress=None, warn=None) -> list:
    """Extract ``inputs`` on a Dask cluster into shards of ``kb`` (a KBSession); returns them in input order.

    ``address`` is a scheduler address or ``"local"`` (a LocalCluster of
    ``workers`` processes, one thread each; 0 = all cores).
    """
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise ValueError("--dask needs dask[distributed]: pip install 'vn-egov-facts[dask]'") from exc
    _quiet_dask_logs()
    cluster = None
    if address == "local":
        from .parallel import resolve_workers
        n = resolve_workers(workers or 0)
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
        client = Client(cluster)
    else:
        client = Client(address, timeout="30s")
    try:
        if cluster is None:   # a remote scheduler: wait for its workers (--workers N: for N of them)
            try:
                client.wait_for_workers(max(1, workers or 1), timeout=600)
            except (TimeoutError, OSError) as exc:
                raise RuntimeError(f"no Dask workers joined {address} within 10 minutes; start some with "
                                   f"`dask worker {address} --nthreads 1`") from exc
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or (workers or 1))
        parts = plan_partitions(inputs, n_workers=n_workers)
        done = frozenset(kb.index.keys()) if len(kb.index) else frozenset()
        done_arg = client.scatter([done], broadcast=True)[0] if done else None   # one object, not its items
        header = kb.shard_header()
        futures = []
        for i, spec in enumerate(parts):
            base = str(kb.shard_path(f"p{i:06d}"))
            futures.append(client.submit(process_partition, i, spec, base, header, settings, done_arg,
                                         key=f"extract-{kb.run_id}-{i}", pure=False))
        paths = [None] * len(parts)
        for fut in as_completed(futures):
            i, path, counts = fut.result()
            paths[i] = path
            if progress is not None:
                progress(*counts)
        if warn is not None:
            _warn_errors(paths, warn)
        return paths
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _quiet_dask_logs():
    """Keep Dask's INFO chatter (scheduler/worker start and stop) off the console; warnings stay."""
    for name in list(logging.root.manager.loggerDict):
        if name == "distributed" or name.startswith("distributed."):
            logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("distributed").setLevel(logging.WARNING)


def _warn_errors(paths, warn, limit: int = 10):
    from .kb import iter_shard
    n = 0
    for p in paths:
        _h, records = iter_shard(p)
        for _o, _l, rec in records:
            if "error" in rec:
                e = rec["error"]
                warn(InputError(e.get("error", ""), e.get("file") or "", e.get("line")))
                n += 1
                if n > limit:
                    return
