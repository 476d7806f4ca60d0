"""The corrections log of a KB directory, and the review state folded from it.

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
  (which is never modified). Concurrent reviewers never overwrite each
  other: both actions are kept. When an action carries ``base`` (the ``rev``
  of the fact the client saw) and the fact changed since, it is refused
  (:class:`Conflict`, HTTP 409); without ``base`` the last writer wins, per
  field for edits.
* Corrections name facts by id (``doc:type:start-end``). After a new
  ``extract`` into the same KB, a correction whose id is gone is reattached to
  a fact of the same type whose span overlaps and whose text is the same,
  else to the only fact of that type with that text; otherwise it is
  *orphaned* (reported, not applied).
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Optional

from ..document import FACT_FIELDS, FACT_TYPES, QUALIFIERS, TOPICS
from ..errors import PipelineError

CORRECTIONS = "corrections.jsonl"
ACTIONS = ("accept", "reject", "edit", "span", "add", "done", "undo")
FACT_ACTIONS = ("accept", "reject", "edit", "span")
STATUSES = ("unreviewed", "accepted", "edited", "added", "rejected")

#: Fields shown and edited per fact type (all of FACT_FIELDS may be edited).
TYPE_FIELDS = {
    "percentage": ("value", "qualifier", "value_max", "topic"),
    "ratio": ("numerator", "denominator", "unit", "topic"),
    "count": ("value", "unit", "topic"),
    "money": ("value", "currency", "topic"),
    "legal_ref": ("doc_type", "number", "issued", "issuer"),
    "shortcoming": ("topic",),
}
_NUMBER_FIELDS = ("value", "value_max", "numerator", "denominator")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UNSET = object()


class ReviewError(PipelineError):
    """Base class of review errors (the CLI prints ``Error: ...``; the app answers 4xx)."""

    status = 400


class KBNotFound(ReviewError, FileNotFoundError):
    """The directory is not a KB (no facts.jsonl / documents.jsonl)."""

    status = 404


class NotFound(ReviewError, LookupError):
    """Unknown document, fact or action id."""

    status = 404


class Conflict(ReviewError):
    """The fact changed since the client read it (stale ``base``), or already exists."""

    status = 409


class InvalidAction(ReviewError, ValueError):
    """A malformed action (bad field value, span out of the text ...)."""

    status = 422


def now() -> str:
    """The current UTC time, ISO 8601 with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def fact_key(doc_id: str, ftype: str, start: int, end: int) -> str:
    """The KB id of a fact: ``"{doc_id}:{type}:{start}-{end}"``."""
    return f"{doc_id}:{ftype}:{start}-{end}"


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
                        _fsync_dir(self.path.parent)
                    self._read_new(fh)
                    return new
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- fold
def effective_ids(records: list) -> set:
    """Ids of records in force: not undone by an undo that is itself in force."""
    undoers: dict = {}
    for r in records:
        if r.get("action") == "undo" and r.get("target"):
            undoers.setdefault(r["target"], []).append(r["id"])
    live: dict = {}
    for r in reversed(records):     # an undo always comes after what it undoes
        live[r["id"]] = not any(live.get(u, False) for u in undoers.get(r["id"], ()))
    return {k for k, v in live.items() if v}


class ReviewState:
    """The fold of the corrections over the machine facts.

    Attributes
    ----------
    facts : dict
        ``doc_id -> {fact_key -> entry}``; an entry is ``{"key", "fact", "machine",
        "status", "reviewer", "time", "rev", "actions"}`` where ``fact`` is the
        current fact dict and ``rev`` the id of the last action applied to it.
    done : dict
        ``doc_id -> {"reviewer", "time", "rev"}`` for documents marked done.
    orphaned : list of dict
        Records whose document or fact no longer exists.
    reattached : list of dict
        ``{"record", "from", "to"}`` for records applied to a re-extracted fact.
    effective : set
        Ids of the records in force (not undone).
    touched : dict
        ``doc_id -> set of reviewers`` who acted on the document.
    """

    def __init__(self):
        self.facts: dict = {}
        self.done: dict = {}
        self.orphaned: list = []
        self.reattached: list = []
        self.effective: set = set()
        self.touched: dict = {}
        self._alias: dict = {}

    def entry(self, doc_id: str, key: str) -> Optional[dict]:
        return self.facts.get(doc_id, {}).get(key)

    def resolve(self, doc_id: str, fact_id: str) -> Optional[dict]:
        """The entry a fact id refers to now (following reattachments)."""
        key = self._alias.get((doc_id, fact_id), fact_id)
        return self.entry(doc_id, key)


def fold(records: list, machine: dict, texts: dict, reviewer: Optional[str] = None) -> ReviewState:
    """Fold corrections over machine facts.

    Parameters
    ----------
    records : list of dict
        The log, in order.
    machine : dict
        ``doc_id -> list of fact dicts`` from ``facts.jsonl``.
    texts : dict
        ``doc_id -> document text``.
    reviewer : str, optional
        Only this reviewer's actions (for agreement).

    Returns
    -------
    ReviewState
    """
    st = ReviewState()
    for doc_id, facts in machine.items():
        st.facts[doc_id] = {f["id"]: {"key": f["id"], "fact": dict(f), "machine": True, "status": "unreviewed",
                                      "reviewer": None, "time": None, "rev": None, "actions": 0}
                            for f in facts}
    st.effective = effective_ids(records)
    for rec in records:
        if rec["id"] not in st.effective or rec["action"] == "undo":
            continue
        if reviewer is not None and rec.get("reviewer") != reviewer:
            continue
        doc_id = rec.get("doc_id")
        if doc_id not in texts:
            st.orphaned.append(rec)
            continue
        st.touched.setdefault(doc_id, set()).add(rec.get("reviewer"))
        if rec["action"] == "done":
            st.done[doc_id] = {"reviewer": rec.get("reviewer"), "time": rec.get("time"), "rev": rec["id"]}
        elif rec["action"] == "add":
            _fold_add(st, rec, texts[doc_id])
        elif rec["action"] in FACT_ACTIONS:
            _fold_fact_action(st, rec, texts[doc_id])
    return st


def _stamp(entry: dict, rec: dict) -> None:
    entry["reviewer"], entry["time"], entry["rev"] = rec.get("reviewer"), rec.get("time"), rec["id"]
    entry["actions"] += 1


def _fold_add(st: ReviewState, rec: dict, text: str) -> None:
    doc_id = rec["doc_id"]
    new = dict(rec.get("after") or {})
    start, end = _relocate_text(text, new.get("text", ""), new.get("start"), new.get("end"))
    if start is None:
        st.orphaned.append(rec)
        return
    new.update(start=start, end=end, doc_id=doc_id)
    key = fact_key(doc_id, new["type"], start, end)
    docs = st.facts.setdefault(doc_id, {})
    entry = docs.get(key)
    if entry is not None:       # the machine now finds it too: the added fields win
        for k in FACT_FIELDS:
            if k in new:
                entry["fact"][k] = new[k]
        entry["status"] = "accepted"
    else:
        new["id"] = key
        entry = {"key": key, "fact": new, "machine": False, "status": "added",
                 "reviewer": None, "time": None, "rev": None, "actions": 0}
        docs[key] = entry
    if rec.get("fact_id") != key:
        st.reattached.append({"record": rec["id"], "from": rec.get("fact_id"), "to": key})
    st._alias[(doc_id, rec.get("fact_id"))] = key
    _stamp(entry, rec)


def _fold_fact_action(st: ReviewState, rec: dict, text: str) -> None:
    doc_id, fid = rec["doc_id"], rec.get("fact_id")
    entry = st.resolve(doc_id, fid)
    if entry is None:
        key = _reattach(st.facts.get(doc_id, {}), rec)
        if key is None:
            st.orphaned.append(rec)
            return
        st._alias[(doc_id, fid)] = key
        st.reattached.append({"record": rec["id"], "from": fid, "to": key})
        entry = st.facts[doc_id][key]
    fact, action, after = entry["fact"], rec["action"], rec.get("after") or {}
    if action == "reject":
        entry["status"] = "rejected"
    else:
        if action == "edit":
            for k, v in after.items():
                if k not in FACT_FIELDS:
                    continue
                if v is None:
                    fact.pop(k, None)
                else:
                    fact[k] = v
        elif action == "span":
            s, e = after.get("start"), after.get("end")
            if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text)):
                st.orphaned.append(rec)
                return
            fact.update(start=s, end=e, text=text[s:e])
        if action in ("edit", "span"):
            entry["edited"] = True
        if not entry["machine"]:
            entry["status"] = "added"
        else:
            entry["status"] = "edited" if entry.get("edited") else "accepted"
    _stamp(entry, rec)


def _overlap(a0, a1, b0, b1) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _reattach(entries: dict, rec: dict) -> Optional[str]:
    """Key of the fact a correction on a vanished fact id belongs to, or None."""
    before = rec.get("before") or {}
    ftype, s, e, txt = before.get("type"), before.get("start"), before.get("end"), before.get("text")
    if ftype is None or s is None:
        m = re.match(r"^.*:([a-z_]+):(\d+)-(\d+)$", rec.get("fact_id") or "")
        if not m:
            return None
        ftype, s, e = m.group(1), int(m.group(2)), int(m.group(3))
    same = [x for x in entries.values() if x["machine"] and x["fact"]["type"] == ftype]
    if txt is not None:
        near = [x for x in same if x["fact"]["text"] == txt and _overlap(s, e, x["fact"]["start"], x["fact"]["end"])]
        if near:
            return max(near, key=lambda x: _overlap(s, e, x["fact"]["start"], x["fact"]["end"]))["key"]
        anywhere = [x for x in same if x["fact"]["text"] == txt]
        if len(anywhere) == 1:
            return anywhere[0]["key"]
    if rec.get("action") == "span":     # the machine now finds the corrected span
        a = rec.get("after") or {}
        for x in same:
            if (x["fact"]["start"], x["fact"]["end"]) == (a.get("start"), a.get("end")):
                return x["key"]
    return None


def _relocate_text(text: str, snippet: str, start, end):
    """Where an added span is now: same offsets, else the same text overlapping, else the only occurrence."""
    if not isinstance(start, int) or not isinstance(end, int):
        return None, None
    if text[start:end] == snippet:
        return start, end
    if not snippet:
        return None, None
    hits = [m.start() for m in re.finditer(re.escape(snippet), text)]
    close = [h for h in hits if _overlap(start, end, h, h + len(snippet))]
    if close:
        h = min(close, key=lambda h: abs(h - start))
        return h, h + len(snippet)
    if len(hits) == 1:
        return hits[0], hits[0] + len(snippet)
    return None, None


# --------------------------------------------------------------------------- values
def clean_fields(fields: dict, ftype: str) -> dict:
    """Validate and coerce edited fields; ``None`` or ``""`` means remove.

    Raises
    ------
    InvalidAction
        On an unknown field or a bad value (the message says what is allowed).
    """
    out = {}
    for k, v in (fields or {}).items():
        if k not in FACT_FIELDS:
            raise InvalidAction(f"field {k!r} cannot be edited; editable fields: {', '.join(FACT_FIELDS)}")
        if v is None or (isinstance(v, str) and not v.strip()):
            out[k] = None
            continue
        if k in _NUMBER_FIELDS:
            out[k] = _number(k, v, ftype)
        elif k == "qualifier":
            if v not in QUALIFIERS:
                raise InvalidAction(f"qualifier {v!r} is not one of {', '.join(QUALIFIERS)}")
            out[k] = v
        elif k == "topic":
            if v not in TOPICS:
                raise InvalidAction(f"topic {v!r} is not one of {', '.join(TOPICS)}")
            out[k] = v
        elif k == "issued":
            if not isinstance(v, str) or not _DATE.match(v.strip()):
                raise InvalidAction(f"issued {v!r} must be an ISO date YYYY-MM-DD")
            out[k] = v.strip()
        else:
            if not isinstance(v, str):
                raise InvalidAction(f"{k} must be text, not {type(v).__name__}")
            out[k] = v.strip()
    return out


def _number(name: str, v, ftype: str):
    if isinstance(v, bool):
        raise InvalidAction(f"{name} must be a number")
    if isinstance(v, str):
        s = v.strip().replace(" ", "")
        if "," in s and "." in s:
            s = s.replace(".", "")
        s = s.replace(",", ".")
        try:
            v = float(s)
        except ValueError:
            raise InvalidAction(f"{name} {v!r} is not a number (write 33,2 or 33.2)") from None
    if not isinstance(v, (int, float)) or v != v or v in (float("inf"), float("-inf")):
        raise InvalidAction(f"{name} must be a finite number")
    if (name in ("numerator", "denominator") or (name == "value" and ftype == "count")) and float(v).is_integer():
        return int(v)
    return float(v)


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

        def build(records):
            recs = list(records)
            out = []
            for spec in specs:
                st = self.state(recs)
                rec = self._record(st, spec, reviewer, source)
                recs.append(rec)
                out.append(rec)
            return out

        with self._lock:
            self._load_kb()
            written = self.log.append(build)
            self._cache_key = None
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
