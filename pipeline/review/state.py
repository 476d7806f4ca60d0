"""The review state: the fold of the corrections over the machine's facts, and field checks.

Pure functions over records (no file access; :mod:`pipeline.review.store`
reads and writes the log). The rules:

* An ``undo`` record cancels its ``target``; undoing an undo redoes. Records
  cancelled this way are left out of the fold (they stay in the log).
* Per fact: ``accept`` / ``reject`` set the decision (last one wins); ``edit``
  sets fields (per field, last one wins; ``null`` removes a field); ``span``
  moves the fact. A fact edited or moved is ``edited``; a fact added by a
  reviewer stays ``added`` whatever is done to it after, except ``reject``.
* Corrections name facts by id (``doc:type:start-end``). When the id is gone
  (a new ``extract`` moved or dropped the fact) the record is reattached to a
  machine fact of the same type whose span overlaps and whose text is the
  same, else to the only fact of that type with that text (else, for a span
  fix, to a fact at the corrected span); otherwise it is *orphaned*. Added
  facts follow their text the same way.
"""
from __future__ import annotations

import re
from typing import Optional

from ..document import FACT_FIELDS, QUALIFIERS, TOPICS
from ..errors import PipelineError

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

def fact_key(doc_id: str, ftype: str, start: int, end: int) -> str:
    """The KB id of a fact: ``"{doc_id}:{type}:{start}-{end}"``."""
    return f"{doc_id}:{ftype}:{start}-{end}"

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
        apply_record(st, rec, texts)
    return st


def apply_record(st: ReviewState, rec: dict, texts: dict) -> None:
    """Fold one record in force (not an undo) into ``st``."""
    doc_id = rec.get("doc_id")
    if doc_id not in texts:
        st.orphaned.append(rec)
        return
    st.effective.add(rec["id"])
    st.touched.setdefault(doc_id, set()).add(rec.get("reviewer"))
    if rec["action"] == "done":
        st.done[doc_id] = {"reviewer": rec.get("reviewer"), "time": rec.get("time"), "rev": rec["id"]}
    elif rec["action"] == "add":
        _fold_add(st, rec, texts[doc_id])
    elif rec["action"] in FACT_ACTIONS:
        _fold_fact_action(st, rec, texts[doc_id])


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
