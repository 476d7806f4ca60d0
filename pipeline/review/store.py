"""The review store: a KB directory read-only, and its corrections log (the only code touching it).

``KB_DIR/corrections.jsonl`` is append-only: one JSON object a line::

    {"id": "5f0c...", "reviewer": "lan", "time": "2024-05-01T09:12:03.120+00:00",
     "action": "edit", "doc_id": "d1", "fact_id": "d1:percentage:146-151",
     "before": {...the fact before...}, "after": {"value": 58.5}, "source": "app"}

Actions: ``accept``, ``reject``, ``edit`` (``after`` = changed fields, ``null``
removes one), ``span`` (``after`` = ``{start, end, text}``), ``add`` (``after`` =
the new fact; ``fact_id`` = its id), ``done`` (document level), ``undo``
(``target`` = the id of the action undone; undoing an undo redoes).

Storage rules
-------------
* Every append takes an exclusive ``fcntl.flock`` on the file, re-reads what
  other writers appended, validates against that fresh state, writes one
  line with a single ``write``, then ``flush`` + ``fsync`` (and fsyncs the
  directory when the file is new) before returning, so an acknowledged action
  survives a crash or ``kill -9``.
* A torn line (a writer killed mid-line) can only be the last one. Readers
  skip it and report it in :attr:`CorrectionLog.problems`; the next writer
  first ends it with a newline, so it never merges with a good line.
* The review state is the fold of the log over the machine's ``facts.jsonl``
  (which is never modified; see :mod:`pipeline.review.state` for the rules,
  reattachment after a new ``extract`` included). Concurrent reviewers never
  overwrite each other: both actions are kept. When an action carries
  ``base`` (the ``rev`` of the fact the client saw) and the fact changed
  since, it is refused (:class:`Conflict`, HTTP 409); without ``base`` the
  last writer wins, per field for edits.
"""
from __future__ import annotations

import fcntl
import json
import os
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Optional

from ..document import FACT_TYPES
from ..fileio import fsync_dir
from .state import (ACTIONS, Conflict, InvalidAction, KBNotFound, NotFound, ReviewError,  # noqa: F401 (re-exported)
                    ReviewState, apply_record, clean_fields, effective_ids, fact_key, fold)

CORRECTIONS = "corrections.jsonl"
_UNSET = object()


def now() -> str:
    """The current UTC time, ISO 8601 with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


# --------------------------------------------------------------------------- log
class CorrectionLog:
    """Append-only JSONL log with a file lock, fsync and torn-line recovery.

    Parameters
    ----------
    path : str or Path
        The ``corrections.jsonl`` file (created on first append).

    Attributes
    ----------
    records : list of dict
        Every good record read so far, in file order.
    problems : list of dict
        Bad lines skipped: ``{line, error, excerpt}``.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.records: list = []
        self.problems: list = []
        self._offset = 0
        self._lineno = 0
        self._ino = None
        self._mutex = threading.Lock()

    # reading ---------------------------------------------------------------
    def refresh(self) -> list:
        """Read what was appended since the last call; returns :attr:`records`."""
        with self._mutex:
            try:
                with open(self.path, "rb") as fh:
                    self._read_new(fh)
            except FileNotFoundError:
                self._reset(None)
            return self.records

    def _reset(self, ino) -> None:
        self.records, self.problems = [], []
        self._offset = self._lineno = 0
        self._ino = ino

    def _read_new(self, fh) -> None:
        st = os.fstat(fh.fileno())
        if st.st_ino != self._ino or st.st_size < self._offset:
            self._reset(st.st_ino)      # replaced or truncated: read it again
        fh.seek(self._offset)
        data = fh.read()
        pending = [p for p in self.problems if p.get("pending")]
        for p in pending:
            self.problems.remove(p)
        pos = 0
        while pos < len(data):
            nl = data.find(b"\n", pos)
            if nl < 0:                  # no newline yet: torn, or being written
                self.problems.append({"line": self._lineno + 1, "pending": True,
                                      "error": "incomplete last line (a writer was interrupted); ignored",
                                      "excerpt": data[pos:pos + 80].decode("utf-8", "replace")})
                break
            raw = data[pos:nl]
            pos = nl + 1
            self._lineno += 1
            self._offset += len(raw) + 1
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw.decode("utf-8"))
                if not isinstance(rec, dict) or rec.get("action") not in ACTIONS or not rec.get("id"):
                    raise ValueError("not a correction record")
            except (ValueError, UnicodeDecodeError) as exc:
                self.problems.append({"line": self._lineno, "error": f"unreadable line skipped ({exc})",
                                      "excerpt": raw[:80].decode("utf-8", "replace")})
                continue
            self.records.append(rec)

    # writing ---------------------------------------------------------------
    def append(self, build: Callable[[list], Iterable[dict]]) -> list:
        """Append the records ``build(records)`` returns, atomically with respect to other writers.

        ``build`` is called under the lock with every record written so far
        (this process's and others'); it validates and returns the new
        records, or raises to write nothing.

        Returns
        -------
        list of dict
            The records written (flushed and fsynced).
        """
        with self._mutex:
            created = not self.path.exists()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a+b") as fh:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
                try:
                    self._read_new(fh)
                    new = list(build(self.records))
                    if not new:
                        return []
                    payload = b"".join(json.dumps(r, ensure_ascii=False, allow_nan=False).encode("utf-8") + b"\n"
                                       for r in new)
                    size = os.fstat(fh.fileno()).st_size
                    if size:
                        fh.seek(size - 1)
                        if fh.read(1) != b"\n":     # a torn line: end it so ours stays whole
                            payload = b"\n" + payload
                    fh.seek(0, os.SEEK_END)
                    fh.write(payload)
                    fh.flush()
                    os.fsync(fh.fileno())
                    if created:
                        fsync_dir(self.path.parent)
                    self._read_new(fh)
                    return new
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# --------------------------------------------------------------------------- store
class ReviewStore:
    """A KB directory under review: the machine facts (read-only) and the corrections log.

    Parameters
    ----------
    kb_dir : str or Path
        A directory written by ``python -m pipeline extract``.
    reviewer : str, default="reviewer"
        Name used when an action does not say who made it.

    Raises
    ------
    KBNotFound
        When ``kb_dir`` has no ``facts.jsonl`` or ``documents.jsonl``.
    """

    def __init__(self, kb_dir, reviewer: str = "reviewer"):
        self.dir = Path(kb_dir)
        self.reviewer = reviewer or "reviewer"
        hint = "build one with: python -m pipeline extract INPUT --out KB_DIR"
        if not self.dir.is_dir():
            raise KBNotFound(f"{self.dir}: no such KB directory; {hint}")
        for name in ("facts.jsonl", "documents.jsonl"):
            if not (self.dir / name).is_file():
                raise KBNotFound(f"{self.dir}: not a KB directory ({name} is missing); {hint}")
        self.log = CorrectionLog(self.dir / CORRECTIONS)
        self._kb_version = None
        self._cache_key = None
        self._state: Optional[ReviewState] = None
        self._sentences: dict = {}
        self._lock = threading.RLock()
        self._load_kb()

    # KB (read-only) -----------------------------------------------------------
    def _version(self):
        out = []
        for name in ("facts.jsonl", "documents.jsonl"):
            s = (self.dir / name).stat()
            out.append((s.st_ino, s.st_mtime_ns, s.st_size))
        return tuple(out)

    def _load_kb(self) -> None:
        with self._lock:
            version = self._version()
            if version == self._kb_version:
                return
            docs, order = {}, []
            for d in _jsonl(self.dir / "documents.jsonl"):
                if d.get("id") not in docs:
                    order.append(d["id"])
                docs[d["id"]] = d
            machine: dict = {i: [] for i in order}
            for f in _jsonl(self.dir / "facts.jsonl"):
                if f.get("doc_id") in machine:
                    machine[f["doc_id"]].append(f)
            self.docs, self.order, self.machine = docs, order, machine
            self.texts = {i: docs[i].get("text") or "" for i in order}
            self._sentences = {}
            self._kb_version = version

    def state(self, records: Optional[list] = None) -> ReviewState:
        """The current review state (cached until the KB or the log changes)."""
        with self._lock:
            self._load_kb()
            recs = self.log.refresh() if records is None else records
            key = (self._kb_version, len(recs), recs[-1]["id"] if recs else None)
            if key != self._cache_key:
                self._state = fold(recs, self.machine, self.texts)
                self._cache_key = key
            return self._state

    def document_text(self, doc_id: str) -> str:
        self._load_kb()
        if doc_id not in self.docs:
            raise NotFound(f"unknown document {doc_id!r} in {self.dir}")
        return self.texts[doc_id]

    def sentences(self, doc_id: str) -> list:
        """``[start, end]`` of each sentence (the pipeline's segmenter)."""
        text = self.document_text(doc_id)
        if doc_id not in self._sentences:
            self._sentences[doc_id] = [[s.start, s.end] for s in segment(text)]
        return self._sentences[doc_id]

    # views --------------------------------------------------------------------
    def summaries(self) -> list:
        """One dict per document for the queue (input order)."""
        st = self.state()
        out = []
        for doc_id in self.order:
            d = self.docs[doc_id]
            meta = d.get("meta") or {}
            entries = list(st.facts.get(doc_id, {}).values())
            live = [e for e in entries if e["status"] != "rejected"]
            todo = [e for e in entries if e["status"] == "unreviewed" and e["machine"]]
            confs = [float(e["fact"].get("confidence", 1.0)) for e in (todo or [e for e in entries if e["machine"]])]
            reviewed = sum(1 for e in entries if e["status"] != "unreviewed")
            status = "done" if doc_id in st.done else ("in_progress" if doc_id in st.touched else "todo")
            counts: dict = {}
            for e in live:
                counts[e["fact"]["type"]] = counts.get(e["fact"]["type"], 0) + 1
            text = self.texts[doc_id]
            title = meta.get("title") or next((ln.strip() for ln in text.splitlines() if ln.strip()), doc_id)
            out.append({"id": doc_id, "title": title[:120], "province": meta.get("province"),
                        "district": meta.get("district"), "published": meta.get("published"),
                        "counts": counts, "topics": sorted({e["fact"].get("topic") for e in live} - {None}),
                        "n_facts": len(live), "n_reviewed": reviewed, "n_todo": len(todo),
                        "min_confidence": round(min(confs), 4) if confs else None, "status": status,
                        "reviewers": sorted(r for r in st.touched.get(doc_id, ()) if r)})
        return out

    def document(self, doc_id: str) -> dict:
        """The document with its text, sentences and current facts."""
        text = self.document_text(doc_id)
        st = self.state()
        facts = []
        for e in sorted(st.facts.get(doc_id, {}).values(), key=lambda e: (e["fact"]["start"], -e["fact"]["end"])):
            f = {k: v for k, v in e["fact"].items() if k != "sentence"}
            f.update(key=e["key"], status=e["status"], reviewer=e["reviewer"], time=e["time"], rev=e["rev"],
                     machine=e["machine"])
            facts.append(f)
        d = self.docs[doc_id]
        return {"id": doc_id, "meta": d.get("meta") or {}, "text": text, "sentences": self.sentences(doc_id),
                "facts": facts, "done": st.done.get(doc_id)}

    def progress(self) -> dict:
        st = self.state()
        n_facts = sum(len(v) for v in st.facts.values())
        reviewed = sum(1 for v in st.facts.values() for e in v.values() if e["status"] != "unreviewed")
        return {"done": len(st.done), "total": len(self.order), "facts_reviewed": reviewed, "facts_total": n_facts,
                "orphaned": len(st.orphaned), "log_problems": [dict(p) for p in self.log.problems]}

    def records(self, doc_id: Optional[str] = None) -> list:
        recs = self.log.refresh()
        return [r for r in recs if doc_id is None or r.get("doc_id") == doc_id]

    # actions --------------------------------------------------------------------
    def act(self, action: str, doc_id: str, fact_id: Optional[str] = None, *, reviewer: Optional[str] = None,
            base=_UNSET, fields: Optional[dict] = None, start=None, end=None, ftype: Optional[str] = None,
            source: str = "app") -> dict:
        """Validate one action against the current state and append it.

        Parameters
        ----------
        action : {"accept", "reject", "edit", "span", "add", "done"}
        doc_id : str
        fact_id : str, optional
            The fact (not for ``add`` and ``done``).
        reviewer : str, optional
        base : str or None, optional
            The ``rev`` the client saw; when given and stale, :class:`Conflict`.
        fields : dict, optional
            ``edit``/``add``: field values.
        start, end : int, optional
            ``span``/``add``: the new span.
        ftype : str, optional
            ``add``: the fact type.

        Returns
        -------
        dict
            The record written (fsynced).
        """
        spec = {"action": action, "doc_id": doc_id, "fact_id": fact_id, "base": base, "fields": fields,
                "start": start, "end": end, "type": ftype}
        return self.act_many([spec], reviewer=reviewer, source=source)[0]

    def act_many(self, specs: list, reviewer: Optional[str] = None, source: str = "app") -> list:
        """Append several actions under one lock and one fsync (all or nothing)."""
        reviewer = (reviewer or self.reviewer).strip() or self.reviewer

        folded = {}

        def build(records):
            st = self.state(records)         # updated in place below; the cache is reset until the write is done
            self._cache_key = None
            out = []
            for spec in specs:
                rec = self._record(st, spec, reviewer, source)
                apply_record(st, rec, self.texts)
                out.append(rec)
            folded["state"] = st
            return out

        with self._lock:
            self._load_kb()
            written = self.log.append(build)
            recs = self.log.records
            if written and recs and recs[-1]["id"] == written[-1]["id"]:
                self._state = folded["state"]
                self._cache_key = (self._kb_version, len(recs), recs[-1]["id"])
            return written

    def undo(self, reviewer: Optional[str] = None, action_id: Optional[str] = None, source: str = "app") -> dict:
        """Append an ``undo`` of ``action_id``, or of the reviewer's last action in force."""
        reviewer = (reviewer or self.reviewer).strip() or self.reviewer

        def build(records):
            live = effective_ids(records)
            by_id = {r["id"]: r for r in records}
            if action_id is None:
                mine = [r for r in records if r.get("reviewer") == reviewer and r["id"] in live
                        and r["action"] != "undo"]
                if not mine:
                    raise NotFound(f"{reviewer} has no action to undo")
                target = mine[-1]
            else:
                target = by_id.get(action_id)
                if target is None:
                    raise NotFound(f"unknown action id {action_id!r}")
                if target["id"] not in live:
                    raise Conflict(f"action {action_id} is already undone")
            return [{"id": uuid.uuid4().hex, "reviewer": reviewer, "time": now(), "action": "undo",
                     "doc_id": target.get("doc_id"), "fact_id": target.get("fact_id"),
                     "before": {"action": target["action"], "after": target.get("after")}, "after": None,
                     "target": target["id"], "source": source}]

        with self._lock:
            rec = self.log.append(build)[0]
            self._cache_key = None
        return rec

    def _record(self, st: ReviewState, spec: dict, reviewer: str, source: str) -> dict:
        action, doc_id = spec["action"], spec["doc_id"]
        if action not in ACTIONS or action == "undo":
            raise InvalidAction(f"unknown action {action!r}; use one of accept, reject, edit, span, add, done")
        text = self.document_text(doc_id)
        rec = {"id": uuid.uuid4().hex, "reviewer": reviewer, "time": now(), "action": action, "doc_id": doc_id,
               "fact_id": None, "before": None, "after": None, "source": source}
        base = spec.get("base", _UNSET)
        if action == "done":
            cur = st.done.get(doc_id)
            if base is not _UNSET and base != (cur or {}).get("rev"):
                raise Conflict(f"document {doc_id} changed since you loaded it; reload")
            rec["after"] = {"done": True}
            return rec
        if action == "add":
            ftype = spec.get("type")
            if ftype not in FACT_TYPES:
                raise InvalidAction(f"type {ftype!r} is not one of {', '.join(FACT_TYPES)}")
            s, e = _span(spec.get("start"), spec.get("end"), text)
            key = fact_key(doc_id, ftype, s, e)
            if st.entry(doc_id, key) is not None:
                raise Conflict(f"fact {key} already exists; select it and accept (or undo its rejection) instead")
            new = {"type": ftype, "start": s, "end": e, "text": text[s:e]}
            new.update({k: v for k, v in clean_fields(spec.get("fields") or {}, ftype).items() if v is not None})
            new.update(confidence=1.0, source=f"review:{reviewer}")
            rec.update(fact_id=key, after=new)
            return rec
        fid = spec.get("fact_id")
        entry = st.resolve(doc_id, fid) if fid else None
        if entry is None:
            raise NotFound(f"unknown fact {fid!r} in document {doc_id!r}")
        if base is not _UNSET and base != entry["rev"]:
            who = entry["reviewer"] or "someone"
            raise Conflict(f"fact {fid} was changed by {who} at {entry['time']} since you loaded it; "
                           "reload the document and try again")
        fact = entry["fact"]
        rec["fact_id"] = entry["key"]
        rec["before"] = {k: v for k, v in fact.items() if k not in ("sentence",)}
        rec["before"]["status"] = entry["status"]
        if action in ("accept", "reject"):
            rec["after"] = {"status": "accepted" if action == "accept" else "rejected"}
        elif action == "edit":
            changed = clean_fields(spec.get("fields") or {}, fact["type"])
            if not changed:
                raise InvalidAction("edit needs at least one field")
            rec["after"] = changed
        elif action == "span":
            s, e = _span(spec.get("start"), spec.get("end"), text)
            rec["after"] = {"start": s, "end": e, "text": text[s:e]}
        return rec


def _span(start, end, text: str):
    if isinstance(start, bool) or isinstance(end, bool) or not isinstance(start, int) or not isinstance(end, int):
        raise InvalidAction("start and end must be integers (character offsets)")
    if not (0 <= start < end <= len(text)):
        raise InvalidAction(f"span {start}-{end} is outside the document (0-{len(text)}) or empty")
    if not text[start:end].strip():
        raise InvalidAction("the span is only white space")
    return start, end


def _jsonl(path: Path):
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise ReviewError(f"{path}:{i}: not valid JSON ({exc.msg}); re-run extract") from None


def segment(text: str) -> list:
    """Sentences of ``text`` by the pipeline's segmenter."""
    from .. import get_pipeline
    from ..document import Document
    return get_pipeline(names=("segment",))(Document(id="_", text=text)).sentences
