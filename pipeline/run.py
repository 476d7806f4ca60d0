"""Run extraction over inputs into a KB directory (the ``extract`` command's engine).

Streaming from end to end: documents are read one by one, processed (in this
process, in ``workers`` local processes, or on a Dask cluster) and appended
to shard files under ``KB_DIR/.shards/``; when every input is done the
shards are merged into ``facts.jsonl``, ``documents.jsonl`` and
``errors.jsonl`` by atomic renames (:class:`pipeline.kb.KBSession`).
Re-running into the same KB skips the documents already done (same id and
same text) unless ``force``; an interrupted run resumes where it stopped.
When several documents have the same id, the first (in input order) is kept
and the others are listed in ``errors.jsonl`` (decided by the merge, so the
same for any number of workers or Dask partitions).
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

from . import __version__
from .errors import InputError
from .kb import KBSession, doc_key, dup_record, error_record, ref_record, source_of
from .parallel import DOC, DUP, ERROR, REF, pipeline_for, resolve_workers, run_ordered
from .read import _kind, iter_inputs

#: bad input records echoed on stderr before the rest go to errors.jsonl only
MAX_WARNINGS = 10


def run_extract(inputs, out, strict=False, shortcoming_threshold=None, patterns=None, quiet=False, stdin=None,
                workers=None, dask=None, force=False, progress=None, log_interval=10.0, models=None) -> dict:
    """Extract every input document into the KB directory ``out``.

    Parameters
    ----------
    inputs : list of str
        Files (``.jsonl``, ``.jsonl.gz``, ``.txt``), directories, or ``-`` (stdin).
    out : str or Path
        KB directory; documents already in it (same id and text) are skipped.
    strict : bool
        Kept for the caller: the run always completes; the CLI exits non-zero
        at the end when bad records (duplicate ids included) were found.
    workers : int, optional
        Local processes (default 1 = this process; 0 = all cores). With ``dask="local"`` the
        LocalCluster's workers (default all cores); with a scheduler address, how many
        workers to wait for.
    dask : str, optional
        A scheduler address (``tcp://host:8786``) or ``"local"`` for a LocalCluster.
    force : bool
        Redo every document.
    progress : {"bar", "log", None}, optional
        Default: a tqdm bar on a terminal, periodic log lines otherwise, nothing when ``quiet``.
    log_interval : float
        Seconds between log lines when not on a terminal.
    models : None, False, str or Path
        The classifiers: ``None`` = the bundled ``models/`` (the lexicon when
        absent), a directory written by ``python -m pipeline train --out DIR``
        (checked before anything runs), ``False`` = the lexicon baseline.
        The models' contents are part of the resume fingerprint.

    Returns
    -------
    dict
        ``documents``, ``processed``, ``reused``, ``facts`` (per type), ``errors``
        (every record of ``errors.jsonl``), ``duplicates`` (of those, documents
        skipped because an earlier one had their id), ``elapsed`` and a
        human-readable ``text``.
    """
    t0 = time.time()
    inputs = [str(i) for i in inputs]
    if models is not None and models is not False:
        from .models import check_model_dir
        models = str(check_model_dir(models))   # absolute: Dask workers may run elsewhere
    settings = {"patterns": str(patterns) if patterns else None,
                "shortcoming_threshold": float(shortcoming_threshold) if shortcoming_threshold is not None else None,
                "models": models}
    if dask:
        if "-" in inputs:
            raise ValueError("--dask cannot read stdin: write the documents to a file that the workers can read")
        workers = int(workers) if workers and int(workers) > 0 else 0   # 0: all cores (local) / any (remote)
    else:
        workers = resolve_workers(1 if workers is None else workers)
    nlp = pipeline_for(settings, refresh=True)     # loaded once here; forked workers share it
    t_load = time.time() - t0
    fingerprint = pipeline_fingerprint(nlp, settings)
    if progress is None and not quiet:
        progress = "bar" if _isatty(sys.stderr) else "log"
    if quiet:
        progress = None
    total = count_items(inputs) if progress else None
    report = Progress(progress, total, log_interval)
    try:
        with KBSession(out, fingerprint, force=force) as kb:
            if kb.recovered and not quiet:
                report.write(f"note: finished the merge of an interrupted run in {out}")
            if len(kb.index) and not quiet:
                report.write(f"resuming: {len(kb.index)} documents of {out} are done and will be skipped "
                             "if unchanged (--force redoes all)")
            t_run = time.time()
            if dask:
                from .cluster import run_dask
                shard_paths = run_dask(dask, inputs, kb, settings, workers=workers, progress=report.update,
                                       warn=None if quiet else report.warn)
            else:
                if "-" in inputs and stdin is None:
                    stdin = sys.stdin.buffer
                with kb.new_shard("main") as shard:
                    run_ordered(_entries(inputs, stdin, kb.index, None if quiet else report.warn), shard.write,
                                settings, workers=workers, progress=report.update)
                shard_paths = [shard.path]
            t_merge = time.time()
            manifest = {
                "package": "pipeline", "version": __version__,
                "pattern_hash": nlp.patterns.hash, "pipeline": list(nlp.names), "models": models_info(nlp),
                "inputs": inputs, "workers": workers, "dask": dask or None, "force": bool(force),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
            counts = kb.merge(shard_paths, manifest, warn=None if quiet else report.warn)
            elapsed = time.time() - t0
            timings = {"load": round(t_load, 3), "extract": round(t_merge - t_run, 3),
                       "merge": round(time.time() - t_merge, 3), "total": round(elapsed, 3)}
            _update_manifest(Path(out), elapsed_seconds=round(elapsed, 3), timings=timings,
                             peak_rss_mb=_peak_rss_mb())
    finally:
        report.close()
    n, facts = counts["documents"], counts["facts"]
    rate = counts["processed"] / max(timings["extract"], 1e-9)
    dups = counts["duplicates"]
    text = (f"{n} documents, {sum(facts.values())} facts "
            f"({', '.join(f'{k} {v}' for k, v in facts.items())}), {counts['errors']} bad records"
            + (f" ({dups} duplicate ids: later copies skipped)" if dups else "")
            + f" in {elapsed:.1f}s -> {Path(out)}")
    text += (f"\n{counts['processed']} extracted ({rate:.1f} docs/s), {counts['reused']} already in the KB"
             + (" (skipped: same id and text)" if counts["reused"] else ""))
    if counts["errors"]:
        text += f"\nbad records are listed in {Path(out) / 'errors.jsonl'} (file and line of each)"
    return {"documents": n, "processed": counts["processed"], "reused": counts["reused"], "facts": facts,
            "errors": counts["errors"], "duplicates": dups, "elapsed": elapsed, "timings": timings, "text": text,
            "strict_failed": bool(strict and counts["errors"])}


def _entries(inputs, stdin, index, warn):
    """The run's stream: bad records, documents already done (refs), documents whose id came
    earlier (dups: not extracted; the merge reports them) and documents to process.

    The ids seen are kept in a set (about 110 bytes per document with ids of
    20 characters), freed when the stream ends, before the merge.
    """
    seen = set()
    for item in iter_inputs(inputs, stdin=stdin):
        if isinstance(item, InputError):
            if warn is not None:
                warn(item)
            yield (ERROR, error_record(item.to_record()))
            continue
        key = doc_key(item.id, item.text)
        if item.id in seen:
            yield (DUP, dup_record(key, item.id, source_of(item.meta)))
            continue
        seen.add(item.id)
        if key in index:
            yield (REF, ref_record(key, item.id, source_of(item.meta)))
        else:
            yield (DOC, key, item)


def models_info(nlp) -> dict:
    """What classifies shortcomings and topics, for the manifest: the model file and its SHA-256, or ``"lexicon"``."""
    info = {}
    for name, comp in getattr(nlp, "components", ()):
        if name not in ("shortcomings", "topics"):
            continue
        if getattr(comp, "model_path", None):
            info[name] = {"model": comp.model_path, "sha256": comp.sha256}
            if getattr(comp, "threshold", None) is not None:
                info[name]["threshold"] = comp.threshold
        else:
            info[name] = "lexicon"
    return info


def _update_manifest(kb_dir: Path, **extra) -> None:
    from .kb import MANIFEST, write_json_atomic
    p = kb_dir / MANIFEST
    m = json.loads(p.read_text(encoding="utf-8"))
    m.update(extra)
    write_json_atomic(p, m)


def _peak_rss_mb():
    """Peak resident memory of this process (MB), or None where getrusage is missing."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 1024), 1)


# ---------------------------------------------------------------- fingerprint
#: modules that do not change what extract writes (any other module of the package counts)
_NOT_OUTPUT = {"__main__", "cli", "bench", "run", "parallel", "cluster", "evaluate", "analysis", "display",
               "curate", "train", "fileio"}


def pipeline_fingerprint(nlp, settings: dict) -> str:
    """A hash of everything that decides the output: code, patterns, data, models and settings.

    Results written under another fingerprint are not reused by a resumed run.
    The models count by their contents (each model component's
    ``fingerprint``: the SHA-256 of its file and card, and the threshold), not
    by their path: the same models in another directory give the same
    fingerprint, retrained ones (or ``--no-models``) another.
    """
    h = hashlib.sha1()
    settings = {k: v for k, v in settings.items() if k != "models"}
    h.update(json.dumps([__version__, getattr(nlp.patterns, "hash", None), list(nlp.names), settings],
                        sort_keys=True, default=str).encode())
    pkg = Path(__file__).resolve().parent
    files = sorted(p for p in pkg.glob("*.py") if p.stem not in _NOT_OUTPUT)
    files += sorted(p for p in (pkg / "data").rglob("*") if p.is_file())
    pdir = getattr(nlp.patterns, "directory", None)
    if pdir is not None and Path(pdir).is_dir():
        files += sorted(p for p in Path(pdir).rglob("*") if p.is_file())
    for p in files:
        if p.suffix == ".pyc":
            continue
        h.update(str(p.name).encode())
        st = p.stat()
        if st.st_size > 32 << 20:
            h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
        else:
            h.update(hashlib.sha1(p.read_bytes()).digest())
    for name, comp in getattr(nlp, "components", ()):
        fp = getattr(comp, "fingerprint", None)
        h.update(f"{name}={type(comp).__module__}.{type(comp).__qualname__}:{fp}\n".encode())
    return h.hexdigest()


# ---------------------------------------------------------------- progress
def count_items(inputs):
    """Lines (documents) in the inputs, for the progress total; None when unknown (stdin, gzip)."""
    total = 0
    for raw in inputs:
        if raw == "-":
            return None
        p = Path(raw)
        files = sorted(q for q in p.rglob("*") if q.is_file() and _kind(q)) if p.is_dir() else [p]
        for f in files:
            kind = _kind(f)
            if not f.exists():
                total += 1
            elif kind == "txt" or kind is None:
                total += 1
            elif kind == "jsonl":
                n, last = 0, b"\n"
                with open(f, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 22), b""):
                        n += chunk.count(b"\n")
                        last = chunk[-1:]
                total += n + (last != b"\n")
            else:
                return None
    return total


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _fmt_secs(s: float) -> str:
    s = int(s)
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


class Progress:
    """A tqdm bar (``mode="bar"``), plain log lines on stderr every ``interval`` s (``"log"``), or nothing."""

    def __init__(self, mode, total=None, interval: float = 10.0, stream=None):
        self.mode, self.total, self.interval = mode, total, max(0.0, float(interval))
        self.stream = stream or sys.stderr
        self.processed = self.reused = self.errors = 0
        self.t0 = self.last = time.time()
        self.warned = 0
        self.bar = None
        if mode == "bar":
            from tqdm import tqdm
            self.bar = tqdm(total=total, unit="doc", file=self.stream, dynamic_ncols=True, smoothing=0.05,
                            mininterval=0.5, desc="extract")
            self._postfix_at = 0.0

    @property
    def done(self) -> int:
        return self.processed + self.reused + self.errors

    def update(self, processed=0, reused=0, errors=0):
        self.processed += processed
        self.reused += reused
        self.errors += errors
        now = time.time()
        if self.bar is not None:
            self.bar.update(processed + reused + errors)
            if now - self._postfix_at > 1.0:
                self.bar.set_postfix(bad=self.errors, skipped=self.reused, refresh=False)
                self._postfix_at = now
        elif self.mode == "log" and now - self.last >= self.interval:
            self.last = now
            self._log(now)

    def _log(self, now):
        el = max(now - self.t0, 1e-9)
        rate = (self.processed + self.reused) / el
        line = f"extract: {self.done:,}"
        if self.total:
            line += f"/{self.total:,} ({100.0 * self.done / self.total:.0f}%)"
        line += (f" records, {self.processed:,} extracted, {self.reused:,} skipped, {self.errors:,} bad, "
                 f"{rate:.1f} docs/s, elapsed {_fmt_secs(el)}")
        if self.total and self.done and self.total > self.done:
            line += f", ETA {_fmt_secs((self.total - self.done) * el / self.done)}"
        print(line, file=self.stream, flush=True)

    def warn(self, err):
        self.warned += 1
        if self.warned <= MAX_WARNINGS:
            self.write(f"warning: {err}")
        elif self.warned == MAX_WARNINGS + 1:
            self.write("warning: more bad records; all are listed in errors.jsonl")

    def write(self, msg: str):
        if self.bar is not None:
            self.bar.write(msg, file=self.stream)
        else:
            print(msg, file=self.stream, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        elif self.mode == "log" and self.done:
            self._log(time.time())
            self.mode = None
