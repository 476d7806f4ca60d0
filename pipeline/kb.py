"""The knowledge base on disk: the only writer, and loading into pandas.

A KB directory holds ``facts.jsonl`` (one fact a line), ``documents.jsonl``
(one document a line), ``errors.jsonl`` (bad input records and documents
skipped because an earlier one had their id, with file and line) and
``manifest.json``. Files written under temporary names get the normal file
mode (:mod:`pipeline.fileio`). ``extract`` writes through :class:`KBSession`:
records are appended to shard files under ``.shards/`` as documents are done
and merged into the public files by atomic renames when the run completes, so
an interrupted run never leaves a corrupt KB and the next run resumes
(see the shards section below). :class:`KBWriter` is the simple in-memory
writer (temporary files renamed at commit) for small programmatic uses.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Optional

from .document import Document, FACT_TYPES
from .fileio import commit, discard, fsync_dir, temp_for, write_json_atomic  # noqa: F401 (write_json_atomic re-exported)

FACTS, DOCUMENTS, ERRORS, MANIFEST = "facts.jsonl", "documents.jsonl", "errors.jsonl", "manifest.json"


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


class KBWriter:
    """Write a KB atomically.

    Parameters
    ----------
    kb_dir : str or Path
        Target directory (created if needed).

    Examples
    --------
    >>> with KBWriter(tmp) as kb:            # doctest: +SKIP
    ...     kb.add(doc)
    """

    def __init__(self, kb_dir):
        self.dir = Path(kb_dir)
        self.counts = {"documents": 0, "errors": 0, "facts": {t: 0 for t in FACT_TYPES}}
        self._files = {}
        self._committed = False

    def __enter__(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        for name in (FACTS, DOCUMENTS, ERRORS):
            self._files[name] = temp_for(self.dir / name)   # with the normal file mode (pipeline.fileio)
        return self

    def add(self, doc: Document) -> None:
        """Append one processed document and its facts."""
        fh = self._files[FACTS][0]
        for f in doc.facts:
            fh.write(dumps(f.to_dict(doc.id)) + "\n")
            self.counts["facts"][f.type] = self.counts["facts"].get(f.type, 0) + 1
        self._files[DOCUMENTS][0].write(dumps(doc.to_dict()) + "\n")
        self.counts["documents"] += 1

    def add_error(self, record: dict) -> None:
        """Append one bad-input record (``{file, line, error, record}``)."""
        self._files[ERRORS][0].write(dumps(record) + "\n")
        self.counts["errors"] += 1

    def commit(self, manifest: dict) -> None:
        """Flush, fsync and rename every file into place; write the manifest last."""
        for name, (fh, tmp) in self._files.items():
            commit(fh, tmp, self.dir / name)
        write_json_atomic(self.dir / MANIFEST, manifest)
        self._committed = True

    def __exit__(self, exc_type, exc, tb):
        if not self._committed:
            for fh, tmp in self._files.values():
                discard(fh, tmp)
        return False


# ---------------------------------------------------------------- shards, resume and merge
#
# A run appends one line per input item to shard files under
# ``KB_DIR/.shards/`` (flushed as it goes; a line is either whole or, after a
# kill, a partial last line that readers drop). Record kinds:
#   {"shard": 1, "fingerprint": ..., "run": ...}            header (first line)
#   {"k": KEY, "id": ID, "src": SRC, "c": {type: n}}<TAB>DOC<TAB>FACT<TAB>FACT...
#                                                           a processed document: its
#                                                           documents.jsonl line and facts.jsonl
#                                                           lines as they are (JSON never holds a
#                                                           raw tab), so nothing is escaped twice
#   {"k": KEY, "id": ID, "ref": 1, "src": SRC}              a document already done (resume)
#   {"k": KEY, "id": ID, "dup": 1, "src": SRC}              a document whose id came earlier in the run
#   {"error": {...}, "id": ID}                              a bad input record ("id": a document
#                                                           the pipeline failed on)
# (SRC = {source_file, source_line} of this run.) When the run completes,
# :meth:`KBSession.merge` streams the shards in input order into
# ``.shards/merge/`` and renames the files into place; the merge's manifest is
# its commit point, so an interrupted merge is rolled forward by the next run.
# Re-running skips documents whose key (id + text hash) is in the previous KB
# or in the shards of an interrupted run with the same pipeline fingerprint.
#
# Duplicate ids: the merge keeps the first document of each id (in input
# order) and writes every later one to errors.jsonl, naming where the id was
# first seen. Deciding there gives the same KB for one process, N workers and
# Dask partitions (whose tasks cannot see each other's ids); the readers only
# mark the duplicates they see (``dup`` records) so that they are not
# extracted for nothing. A document the pipeline failed on keeps its id too.
SHARDS = ".shards"
_MERGE_DIR = "merge"
_SHARD_SUFFIX = ".shard"   # JSON lines; not .jsonl, so that no input directory scan reads a shard
_LOCK = "lock"
_HELD: set = set()   # KB directories this process is writing


def doc_key(doc_id, text: str) -> str:
    """The resume key of a document: a hash of its id and its text."""
    h = hashlib.blake2b(digest_size=16)
    h.update(str(doc_id).encode("utf-8", "surrogatepass"))
    h.update(b"\x00")
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def open_text(path, mode: str = "w"):
    """A UTF-8 text file for KB lines; lone surrogates are written as JSON ``\\udXXX`` escapes."""
    return open(path, mode, encoding="utf-8", errors="backslashreplace", newline="\n")


def source_of(meta: dict) -> dict:
    """``source_file`` / ``source_line`` of a document's metadata (where this run read it)."""
    return {k: meta[k] for k in ("source_file", "source_line") if k in meta}


def doc_record(key: str, doc: Document) -> str:
    """The shard line of one processed document: a JSON header, then its document and fact lines, tab-separated."""
    parts, counts = [None, dumps(doc.to_dict())], {}
    for f in doc.facts:
        parts.append(dumps(f.to_dict(doc.id)))
        counts[f.type] = counts.get(f.type, 0) + 1
    parts[0] = dumps({"k": key, "id": doc.id, "src": source_of(doc.meta), "c": counts})
    return "\t".join(parts) + "\n"


def parse_shard_line(line: bytes) -> dict:
    """A shard line as a dict; a processed document's ``doc`` and ``facts`` are its KB lines as text."""
    if b"\t" not in line:
        return json.loads(line)
    parts = line[:-1].decode("utf-8").split("\t") if line.endswith(b"\n") else line.decode("utf-8").split("\t")
    rec = json.loads(parts[0])
    if not isinstance(rec, dict):
        raise ValueError("shard record header is not an object")
    rec["doc"] = parts[1]
    rec["facts"] = "".join(p + "\n" for p in parts[2:])
    return rec


def ref_record(key: str, doc_id: str, src: Optional[dict] = None) -> str:
    """The shard line of a document already in the KB (taken over at merge).

    ``src`` holds this run's ``source_file``/``source_line`` of the document.
    """
    return dumps({"k": key, "id": doc_id, "ref": 1, "src": src or {}}) + "\n"


def dup_record(key: str, doc_id: str, src: Optional[dict] = None) -> str:
    """The shard line of a document whose id an earlier document of the run has (not extracted)."""
    return dumps({"k": key, "id": doc_id, "dup": 1, "src": src or {}}) + "\n"


def error_record(record: dict, doc_id: Optional[str] = None) -> str:
    """The shard line of a bad input record (``doc_id``: of a document the pipeline failed on)."""
    return dumps({"error": record} if doc_id is None else {"error": record, "id": doc_id}) + "\n"


def _where(file, line) -> str:
    if not file:
        return "an earlier input"
    return f"{file}:{line}" if line is not None else str(file)


class SeenIds:
    """The document ids of a run, with where each was first seen (for the merge).

    Memory: one dict entry per document, holding the id string and one
    packed int (file number, line, 63 bits of the id + text hash): about 150
    bytes per document with ids of 20 characters (1 million documents:
    ~150 MB), file names stored once. It lives during the merge only.
    """

    def __init__(self):
        self._ids: dict = {}
        self._files: list = []
        self._file_no: dict = {}

    def __len__(self):
        return len(self._ids)

    def __contains__(self, doc_id) -> bool:
        return doc_id in self._ids

    def add(self, doc_id: str, src: Optional[dict], key: Optional[str] = None) -> Optional[dict]:
        """Record ``doc_id``; returns None the first time, else the first occurrence
        ``{"file", "line", "same_text"}`` (``same_text``: whether the texts are equal, None when unknown)."""
        first = self._ids.get(doc_id)
        h = (int(key[:16], 16) >> 1) + 1 if key else 0     # 63 bits of the key (id + text hash); 0 = unknown
        if first is None:
            src = src or {}
            file = src.get("source_file")
            n = self._file_no.get(file)
            if n is None:
                n = self._file_no[file] = len(self._files)
                self._files.append(file)
            line = src.get("source_line")
            line = line + 1 if isinstance(line, int) and 0 <= line < _LINE_MASK else 0   # 0 = no line
            self._ids[doc_id] = (n << 104) | (h << 40) | line
            return None
        line, h0, n = first & _LINE_MASK, (first >> 40) & _KEY_MASK, first >> 104
        return {"file": self._files[n], "line": line - 1 if line else None,
                "same_text": (h0 == h) if (h0 and h) else None}


_LINE_MASK, _KEY_MASK = (1 << 40) - 1, (1 << 64) - 1


def duplicate_error(doc_id: str, src: Optional[dict], first: dict) -> dict:
    """The ``errors.jsonl`` record of a later document with the id ``doc_id``."""
    src = src or {}
    same = {True: " (same text)", False: " (different text)"}.get(first.get("same_text"), "")
    return {"file": src.get("source_file"), "line": src.get("source_line"),
            "error": f"duplicate document id {doc_id!r}{same}: first seen at "
                     f"{_where(first['file'], first['line'])}; this copy was skipped (the first one is kept)",
            "record": {"id": doc_id},
            "duplicate_of": {"file": first["file"], "line": first["line"]}}


class ShardWriter:
    """Append whole records to one shard file; each :meth:`write` is flushed."""

    def __init__(self, path, header: dict):
        self.path = Path(path)
        self.fh = open_text(self.path, "x")
        self.write(dumps({"shard": 1, **header}) + "\n")

    def write(self, lines: str) -> None:
        if lines:
            self.fh.write(lines)
            self.fh.flush()

    def close(self) -> None:
        if not self.fh.closed:
            self.fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def iter_shard(path):
    """``(header, records)`` of a shard; records yield ``(offset, length, obj)``.

    A partial last line (no newline: the writer was killed) and lines that are
    not JSON are dropped.
    """
    fh = open(path, "rb")
    first = fh.readline()
    try:
        header = json.loads(first) if first.endswith(b"\n") else None
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("shard") != 1:
        fh.close()
        return None, iter(())

    def records():
        with fh:
            off = len(first)
            for line in fh:
                n = len(line)
                if line.endswith(b"\n"):
                    try:
                        yield off, n, parse_shard_line(line)
                    except (ValueError, IndexError):
                        pass
                off += n
    return header, records()


class ResumeIndex:
    """Documents already done (key -> where their lines are), from the KB and old shards."""

    def __init__(self):
        self.entries: dict = {}
        self.sources: list = []   # shard paths; index -1 is the public KB
        self.kb_dir: Optional[Path] = None
        self._fh: dict = {}

    def __len__(self):
        return len(self.entries)

    def __contains__(self, key) -> bool:
        return bytes.fromhex(key) in self.entries

    def keys(self):
        return (k.hex() for k in self.entries)

    def add_public(self, kb_dir: Path) -> int:
        """Index the documents of a completed KB; returns how many (0 when unusable)."""
        docs_path, facts_path = kb_dir / DOCUMENTS, kb_dir / FACTS
        if not docs_path.exists() or not facts_path.exists():
            return 0
        new = {}
        with open(docs_path, "rb") as dfh, open(facts_path, "rb") as ffh:
            doff = foff = 0
            for line in dfh:
                try:
                    d = json.loads(line)
                    key = doc_key(d["id"], d["text"])
                    n = sum((d.get("fact_counts") or {}).values())
                except (ValueError, KeyError, TypeError, AttributeError):
                    return 0
                start = foff
                prefix = ('{"doc_id": ' + dumps(d["id"])).encode("utf-8", "backslashreplace")
                for _ in range(n):
                    fl = ffh.readline()
                    if not fl.startswith(prefix):
                        return 0   # facts.jsonl does not match documents.jsonl: do not reuse
                    foff += len(fl)
                new[bytes.fromhex(key)] = (-1, doff, len(line), start, foff - start)
                doff += len(line)
        self.kb_dir = kb_dir
        self.entries.update(new)
        return len(new)

    def add_shard(self, path: Path, fingerprint: str) -> int:
        header, records = iter_shard(path)
        if header is None or header.get("fingerprint") != fingerprint:
            return 0
        idx = len(self.sources)
        self.sources.append(Path(path))
        n = 0
        for off, length, rec in records:
            if "doc" in rec and "k" in rec:
                self.entries[bytes.fromhex(rec["k"])] = (idx, off, length)
                n += 1
        return n

    def _read(self, path, off, length) -> bytes:
        fh = self._fh.get(path)
        if fh is None:
            fh = self._fh[path] = open(path, "rb")
        fh.seek(off)
        return fh.read(length)

    def fetch(self, key: str, src=None):
        """``(facts_lines, doc_line, counts)`` of a done document, its source file/line updated from ``src``."""
        entry = self.entries.get(bytes.fromhex(key))
        if entry is None:
            raise KeyError(f"document {key} is not in the resume index; re-run extract with --force")
        if entry[0] == -1:
            _, doff, dlen, foff, flen = entry
            doc = json.loads(self._read(self.kb_dir / DOCUMENTS, doff, dlen))
            facts = self._read(self.kb_dir / FACTS, foff, flen).decode("utf-8")
            counts = {t: n for t, n in (doc.get("fact_counts") or {}).items() if n}
        else:
            idx, off, length = entry
            rec = parse_shard_line(self._read(self.sources[idx], off, length))
            facts, counts = rec["facts"], rec["c"]
            doc = json.loads(rec["doc"])
        if src and isinstance(doc.get("meta"), dict):
            doc["meta"].update(src)
        return facts, dumps(doc), counts

    def close(self):
        for fh in self._fh.values():
            fh.close()
        self._fh.clear()


class KBSession:
    """One ``extract`` run writing into a KB directory.

    Takes a lock (one run per KB at a time), finishes a merge that an earlier
    run was killed in, indexes what is already done (unless ``force``), hands
    out shard files and merges them into the public files.

    Parameters
    ----------
    kb_dir : str or Path
    fingerprint : str
        Identifies the pipeline (code, patterns, models, settings); results of
        another fingerprint are never reused.
    force : bool
        Redo every document.
    """

    def __init__(self, kb_dir, fingerprint: str, force: bool = False):
        self.dir = Path(kb_dir)
        self.shards = self.dir / SHARDS
        self.fingerprint = fingerprint
        self.force = force
        self.run_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{os.urandom(3).hex()}"
        self.index = ResumeIndex()
        self.recovered = False
        self._lock_fh = None
        self._merged = False

    # ---------------------------------------------------------- setup
    def __enter__(self):
        self.shards.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
            if (self.shards / _MERGE_DIR / MANIFEST).exists():
                self._finish_merge()          # a merge was committed but not fully renamed
                self.recovered = True
                self.shards.mkdir(parents=True, exist_ok=True)
            elif (self.shards / _MERGE_DIR).exists():
                shutil.rmtree(self.shards / _MERGE_DIR)
            if not self.force:
                try:
                    old = read_manifest(self.dir)
                except (OSError, ValueError):
                    old = None   # unreadable manifest: nothing is reused
                if isinstance(old, dict) and old.get("fingerprint") == self.fingerprint:
                    self.index.add_public(self.dir)
                for p in self.old_shards():
                    self.index.add_shard(p, self.fingerprint)
        except BaseException:
            self._unlock()
            raise
        return self

    def _lock(self):
        where = str(self.shards.resolve())
        if where in _HELD:
            raise RuntimeError(f"another extract is writing {self.dir} (in this process); wait for it to finish")
        self._lock_fh = open(self.shards / _LOCK, "a+")
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            return
        try:
            # a POSIX record lock: held by this process only (forked workers do not inherit it)
            fcntl.lockf(self._lock_fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_fh.close()
            self._lock_fh = None
            raise RuntimeError(f"another extract is writing {self.dir} (lock {self.shards / _LOCK}); "
                               "wait for it to finish") from None
        _HELD.add(where)
        self._held = where

    def _unlock(self):
        _HELD.discard(getattr(self, "_held", None))
        self._held = None
        if self._lock_fh is not None:
            self._lock_fh.close()
            self._lock_fh = None

    def old_shards(self) -> list:
        return sorted(p for p in self.shards.glob("*" + _SHARD_SUFFIX) if not p.name.startswith(self.run_id))

    def shard_path(self, tag: str) -> Path:
        """A new shard file name of this run (``tag`` tells the writer apart)."""
        return self.shards / f"{self.run_id}-{tag}{_SHARD_SUFFIX}"

    def new_shard(self, tag: str = "main") -> ShardWriter:
        return ShardWriter(self.shard_path(tag), self.shard_header())

    def shard_header(self) -> dict:
        return {"fingerprint": self.fingerprint, "run": self.run_id}

    # ---------------------------------------------------------- merge
    def merge(self, shard_paths, manifest: dict, warn=None) -> dict:
        """Stream ``shard_paths`` (in input order) into the public files; returns the counts.

        The first document of each id is kept; later ones go to ``errors.jsonl``
        (``duplicates`` counts them; ``errors`` counts every line of
        ``errors.jsonl``, duplicates included). ``warn`` receives an
        :class:`~pipeline.errors.InputError` for each duplicate.
        ``manifest`` is completed with the counts and written last.
        """
        mdir = self.shards / _MERGE_DIR
        if mdir.exists():
            shutil.rmtree(mdir)
        mdir.mkdir()
        counts = {"documents": 0, "processed": 0, "reused": 0, "errors": 0, "duplicates": 0,
                  "facts": {t: 0 for t in FACT_TYPES}}
        fc = counts["facts"]
        seen = SeenIds()

        def duplicate(doc_id, src, first):
            err = duplicate_error(doc_id, src, first)
            efh.write(dumps(err) + "\n")
            counts["errors"] += 1
            counts["duplicates"] += 1
            if warn is not None:
                from .errors import InputError
                warn(InputError(err["error"], err["file"] or "", err["line"]))

        with open_text(mdir / FACTS) as ffh, open_text(mdir / DOCUMENTS) as dfh, open_text(mdir / ERRORS) as efh:
            for path in shard_paths:
                header, records = iter_shard(path)
                if header is None:
                    raise ValueError(f"{path}: not a shard of this run; re-run extract")
                for _off, _n, rec in records:
                    doc_id = rec.get("id")
                    if "error" in rec:
                        err = rec["error"]
                        if doc_id is not None:   # the pipeline failed on this document: it still has its id
                            src = {"source_file": err.get("file"), "source_line": err.get("line")}
                            first = seen.add(doc_id, src)
                            if first is not None:
                                duplicate(doc_id, src, first)
                                continue
                        efh.write(dumps(err) + "\n")
                        counts["errors"] += 1
                        continue
                    if doc_id is not None:
                        first = seen.add(doc_id, rec.get("src"), rec.get("k"))
                        if first is not None:
                            duplicate(doc_id, rec.get("src"), first)
                            continue
                    if rec.get("dup"):   # the reader saw the id earlier (so did the merge, above)
                        duplicate(doc_id, rec.get("src"), {"file": None, "line": None})
                        continue
                    if rec.get("ref"):
                        facts, doc, c = self.index.fetch(rec["k"], rec.get("src"))
                        counts["reused"] += 1
                    else:
                        facts, doc, c = rec["facts"], rec["doc"], rec["c"]
                        counts["processed"] += 1
                    ffh.write(facts)
                    dfh.write(doc + "\n")
                    counts["documents"] += 1
                    for t, n in c.items():
                        fc[t] = fc.get(t, 0) + n
            for fh in (ffh, dfh, efh):
                fh.flush()
                os.fsync(fh.fileno())
        del seen
        self.index.close()
        manifest = dict(manifest)
        manifest.update(documents=counts["documents"], errors=counts["errors"], duplicates=counts["duplicates"],
                        facts=fc, processed=counts["processed"], reused=counts["reused"],
                        fingerprint=self.fingerprint)
        write_json_atomic(mdir / MANIFEST, manifest)   # the commit point
        self._finish_merge()
        self._merged = True
        return counts

    def _finish_merge(self):
        mdir = self.shards / _MERGE_DIR
        for name in (FACTS, DOCUMENTS, ERRORS, MANIFEST):   # the manifest last
            if (mdir / name).exists():
                os.replace(mdir / name, self.dir / name)
        fsync_dir(self.dir)
        self._cleanup()

    def _cleanup(self):
        """Remove the shards (all merged now) and the merge directory; keep anything else."""
        for p in self.shards.glob("*" + _SHARD_SUFFIX):
            p.unlink()
        shutil.rmtree(self.shards / _MERGE_DIR, ignore_errors=True)

    def __exit__(self, exc_type, exc, tb):
        self.index.close()
        if self._merged:
            try:
                (self.shards / _LOCK).unlink()
            except OSError:
                pass
            self._unlock()
            try:
                self.shards.rmdir()
            except OSError:
                pass
        else:
            self._unlock()
        return False


def iter_jsonl(path):
    """Yield objects of a JSONL file; a bad line raises ValueError with file and line."""
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{i}: not valid JSON ({exc.msg}); is the KB corrupt? re-run extract") from None


_FACT_COLUMNS = ["doc_id", "id", "type", "start", "end", "text", "value", "qualifier", "value_max",
                 "numerator", "denominator", "unit", "currency", "doc_type", "number", "issued",
                 "issuer", "topic", "confidence", "source", "sentence_start", "sentence_end", "sentence"]


def load(kb_dir, with_text: bool = False):
    """Load a KB into pandas.

    Parameters
    ----------
    kb_dir : str or Path
    with_text : bool, default=False
        Also load each document's full text (column ``text``).

    Returns
    -------
    facts : pandas.DataFrame
        One row per fact; ``type``/``topic``/``qualifier`` are categoricals,
        offsets are ints, values floats, ``issued`` a datetime; the sentence
        as ``sentence`` (text), ``sentence_start``, ``sentence_end``.
    documents : pandas.DataFrame
        One row per document, ``id`` plus the flattened ``meta`` fields and
        ``n_<type>`` fact counts; ``published`` as datetime.
    """
    import pandas as pd
    from .document import QUALIFIERS, TOPICS

    kb = Path(kb_dir)
    if not (kb / FACTS).exists():
        raise FileNotFoundError(f"{kb}: no {FACTS}; build a KB with: python -m pipeline extract INPUT --out {kb}")
    rows = []
    for f in iter_jsonl(kb / FACTS):
        sent = f.pop("sentence", None) or {}
        f["sentence"] = sent.get("text")
        f["sentence_start"], f["sentence_end"] = sent.get("start"), sent.get("end")
        if isinstance(f.get("review"), dict):
            f["review_status"] = f["review"].get("status")
            f.pop("review")
        rows.append(f)
    facts = pd.DataFrame(rows)
    for col in _FACT_COLUMNS:
        if col not in facts.columns:
            facts[col] = None
    extra = [c for c in facts.columns if c not in _FACT_COLUMNS]
    facts = facts[_FACT_COLUMNS + extra]
    facts["type"] = pd.Categorical(facts["type"], categories=list(FACT_TYPES))
    facts["topic"] = pd.Categorical(facts["topic"], categories=list(TOPICS))
    facts["qualifier"] = pd.Categorical(facts["qualifier"], categories=list(QUALIFIERS))
    for col in ("start", "end"):
        facts[col] = facts[col].astype("int64")
    for col in ("sentence_start", "sentence_end"):
        facts[col] = facts[col].astype("Int64")
    for col in ("value", "value_max", "numerator", "denominator", "confidence"):
        facts[col] = pd.to_numeric(facts[col], errors="coerce").astype("float64")
    facts["issued"] = pd.to_datetime(facts["issued"], errors="coerce", format="ISO8601")
    for col in ("doc_id", "id", "text", "unit", "currency", "doc_type", "number", "issuer", "source", "sentence"):
        facts[col] = facts[col].astype("string")

    docs_rows = []
    if (kb / DOCUMENTS).exists():
        for d in iter_jsonl(kb / DOCUMENTS):
            row = {"id": d["id"]}
            for k, v in (d.get("meta") or {}).items():
                row[k] = v if not isinstance(v, (dict, list)) else json.dumps(v, ensure_ascii=False)
            for t, n in (d.get("fact_counts") or {}).items():
                row[f"n_{t}"] = n
            row["n_chars"] = d.get("n_chars")
            if with_text:
                row["text"] = d.get("text")
            docs_rows.append(row)
    documents = pd.DataFrame(docs_rows)
    for col in ("id", "published", "province", "district", "province_2025", "title"):
        if col not in documents.columns:
            documents[col] = None
    documents["published_raw"] = documents["published"]
    documents["published"] = pd.to_datetime(documents["published"], errors="coerce", format="mixed")
    for col in ("id", "province", "district", "province_2025", "title"):
        documents[col] = documents[col].astype("string")
    for col in [c for c in documents.columns if c.startswith("n_")]:
        documents[col] = documents[col].fillna(0).astype("int64")
    return facts, documents


def read_manifest(kb_dir) -> Optional[dict]:
    p = Path(kb_dir) / MANIFEST
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None


# analysis helpers on top of load() (pipeline.analysis imports load lazily: no import cycle)
from .analysis import compare, indicators, pivot_by_place, shortcomings  # noqa: E402,F401
