"""Curate a KB with its reviewers' corrections: apply, export, import, agreement.

* :func:`apply` writes a curated KB (same layout as ``extract``'s) where every
  fact carries ``review = {status, reviewer, time}``: ``accepted``, ``edited``
  (new fields / span), ``added``, ``rejected`` (kept, so consumers can drop
  them) or ``unreviewed``. In a document marked done, facts nobody touched
  count as accepted (``review.implicit = true``). Documents get
  ``meta.review_done``. Corrections whose fact vanished after a new
  ``extract`` are reported as ``orphaned``.
* :func:`export` writes the curated facts as gold JSONL, Label Studio tasks,
  doccano JSONL or Prodigy JSONL; :func:`import_file` reads Label Studio or
  doccano annotations back and appends the differences as corrections, so
  export then import changes nothing.
* :func:`agreement` compares reviewers who reviewed the same documents:
  per-type span F1 and Cohen's kappa on shortcoming sentences.

The corrections themselves are read and written only through
:class:`pipeline.review.store.ReviewStore`.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
from pathlib import Path
from typing import Iterable, Optional

from .document import FACT_FIELDS, FACT_TYPES, TOPICS
from .fileio import commit, discard, temp_for, write_json_atomic, write_text_atomic
from .kb import DOCUMENTS, ERRORS, FACTS, MANIFEST, dumps, read_manifest
from .review.state import ReviewError, ReviewState, clean_fields, fact_key, fold
from .review.store import ReviewStore

FORMATS = ("gold", "label-studio", "doccano", "prodigy")
IMPORT_FORMATS = ("label-studio", "doccano")
DOC_SELECTIONS = ("all", "reviewed", "done")
_FACT_ORDER = ("doc_id", "id", "type", "start", "end", "text") + FACT_FIELDS + ("sentence", "confidence", "source")


# --------------------------------------------------------------------------- curated facts
def curated_facts(store: ReviewStore, st: ReviewState, doc_id: str) -> list:
    """The facts of one document with the corrections applied, each with ``review``.

    Parameters
    ----------
    store : ReviewStore
    st : ReviewState
        ``store.state()``.
    doc_id : str

    Returns
    -------
    list of dict
        KB fact lines, sorted by span; rejected facts included.
    """
    done = st.done.get(doc_id)
    text = store.texts[doc_id]
    sents = None
    out = []
    for e in st.facts.get(doc_id, {}).values():
        f = dict(e["fact"])
        status, reviewer, when = e["status"], e["reviewer"], e["time"]
        review = {"status": status, "reviewer": reviewer, "time": when}
        if status == "unreviewed" and done:
            review = {"status": "accepted", "reviewer": done["reviewer"], "time": done["time"], "implicit": True}
        f["doc_id"] = doc_id
        f["id"] = fact_key(doc_id, f["type"], f["start"], f["end"])
        if f["id"] != e["key"]:
            review["machine_id"] = e["key"]
        f["text"] = text[f["start"]:f["end"]]
        sent = f.get("sentence")
        if not (isinstance(sent, dict) and sent.get("start", 1) <= f["start"] and f["end"] <= sent.get("end", -1)):
            if sents is None:
                sents = store.sentences(doc_id)
            f["sentence"] = _sentence_of(sents, text, f["start"], f["end"])
        f.setdefault("confidence", 1.0)
        f.setdefault("source", "")
        line = {k: f[k] for k in _FACT_ORDER if k in f and f[k] is not None}
        line.update({k: v for k, v in f.items() if k not in line and k not in _FACT_ORDER and k != "review"})
        line["review"] = review
        out.append(line)
    out.sort(key=lambda x: (x["start"], x["end"], x["type"]))
    return out


def _sentence_of(sents: list, text: str, start: int, end: int) -> Optional[dict]:
    for s, e in sents:
        if s <= start < e:
            return {"start": s, "end": e, "text": text[s:e]}
    return None


def _open_store(kb_dir) -> ReviewStore:
    return ReviewStore(kb_dir)


def doc_ids(store: ReviewStore, st: ReviewState, which: str = "all") -> list:
    """Document ids in input order: ``all``, ``reviewed`` (done or acted on) or ``done``."""
    if which not in DOC_SELECTIONS:
        raise ReviewError(f"--docs must be one of {', '.join(DOC_SELECTIONS)}, not {which!r}")
    if which == "done":
        return [d for d in store.order if d in st.done]
    if which == "reviewed":
        return [d for d in store.order if d in st.done or d in st.touched]
    return list(store.order)


# --------------------------------------------------------------------------- apply
def apply(kb_dir, out_dir) -> dict:
    """Write the curated KB of ``kb_dir`` to ``out_dir``.

    Parameters
    ----------
    kb_dir : str or Path
        A KB directory (``facts.jsonl``, ``documents.jsonl``, ``corrections.jsonl``).
    out_dir : str or Path
        The curated KB directory to write (created; its files are replaced atomically).

    Returns
    -------
    dict
        ``{documents, done, facts: {status: n}, corrections, orphaned: [...], reattached, text}``.
    """
    store = _open_store(kb_dir)
    src, out = Path(kb_dir).resolve(), Path(out_dir).resolve()
    if src == out:
        raise ReviewError(f"--out {out_dir} is the KB itself; the machine's facts are never modified, "
                          "write the curated KB to another directory")
    st = store.state()
    records = store.records()
    statuses: dict = {}
    n_done = 0
    out.mkdir(parents=True, exist_ok=True)
    with _AtomicFiles(out, (FACTS, DOCUMENTS, ERRORS)) as files:
        for doc_id in store.order:
            facts = curated_facts(store, st, doc_id)
            for f in facts:
                statuses[f["review"]["status"]] = statuses.get(f["review"]["status"], 0) + 1
                files[FACTS].write(dumps(f) + "\n")
            d = dict(store.docs[doc_id])
            meta = dict(d.get("meta") or {})
            meta["review_done"] = doc_id in st.done
            if doc_id in st.done:
                n_done += 1
                meta["review_done_by"] = st.done[doc_id]["reviewer"]
            reviewers = sorted(r for r in st.touched.get(doc_id, ()) if r)
            if reviewers:
                meta["reviewed_by"] = reviewers
            counts = {t: 0 for t in FACT_TYPES}
            for f in facts:
                if f["review"]["status"] != "rejected":
                    counts[f["type"]] = counts.get(f["type"], 0) + 1
            d["meta"], d["fact_counts"] = meta, counts
            line = {k: d[k] for k in ("id", "meta", "fact_counts", "n_chars", "n_sentences", "text") if k in d}
            line.update({k: v for k, v in d.items() if k not in line})
            files[DOCUMENTS].write(dumps(line) + "\n")
        errors_src = Path(kb_dir) / ERRORS
        if errors_src.exists():
            files[ERRORS].write(errors_src.read_text(encoding="utf-8"))
        orphaned = [_brief(r) for r in st.orphaned]
        manifest = dict(read_manifest(kb_dir) or {})
        fingerprint = manifest.pop("fingerprint", None)    # an extract into the curated dir must not reuse it
        manifest["review"] = {
            "source_kb": str(src), "source_fingerprint": fingerprint, "corrections": len(records), "in_force": len(st.effective),
            "documents_done": n_done, "facts": statuses, "orphaned": orphaned,
            "reattached": len(st.reattached), "log_problems": list(store.log.problems),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
    write_json_atomic(out / MANIFEST, manifest)
    total = sum(statuses.values())
    text = (f"{len(store.order)} documents ({n_done} done), {total} facts: "
            + ", ".join(f"{k} {statuses[k]}" for k in ("accepted", "edited", "added", "rejected", "unreviewed")
                        if k in statuses)
            + f"; {len(records)} corrections, {len(st.reattached)} reattached to re-extracted facts, "
              f"{len(orphaned)} orphaned -> {out}")
    for o in orphaned[:20]:
        text += f"\n  orphaned: {o['action']} by {o['reviewer']} on {o['fact_id'] or o['doc_id']} ({o['time']})"
    if len(orphaned) > 20:
        text += f"\n  ... {len(orphaned) - 20} more in {out / MANIFEST}"
    for p in store.log.problems:
        text += f"\n  warning: corrections.jsonl line {p['line']}: {p['error']}"
    return {"documents": len(store.order), "done": n_done, "facts": statuses, "corrections": len(records),
            "orphaned": orphaned, "reattached": len(st.reattached), "text": text}


def _brief(rec: dict) -> dict:
    return {k: rec.get(k) for k in ("id", "action", "reviewer", "time", "doc_id", "fact_id")}


class _AtomicFiles:
    """Text files written under temporary names and renamed into place together on success."""

    def __init__(self, directory: Path, names: Iterable[str]):
        self.dir, self.names, self.files = Path(directory), list(names), {}

    def __enter__(self):
        for name in self.names:
            self.files[name] = temp_for(self.dir / name)   # the normal file mode (a KB is meant to be shared)
        return {k: v[0] for k, v in self.files.items()}

    def __exit__(self, exc_type, exc, tb):
        for name, (fh, tmp) in self.files.items():
            if exc_type is None:
                commit(fh, tmp, self.dir / name)
            else:
                discard(fh, tmp)
        return False


# --------------------------------------------------------------------------- export
LABEL_STUDIO_CONFIG = """<View>
  <Labels name="label" toName="text">
{labels}
  </Labels>
  <Text name="text" value="$text"/>
  <View visibleWhen="region-selected">
    <Header value="Topic"/>
    <Choices name="topic" toName="text" perRegion="true" choice="single-radio">
{topics}
    </Choices>
    <Header value="Fields (JSON, e.g. {{&quot;value&quot;: 33.2, &quot;qualifier&quot;: &quot;over&quot;}})"/>
    <TextArea name="fields" toName="text" perRegion="true" maxSubmissions="1" editable="true"/>
  </View>
</View>
"""
_LS_COLORS = {"percentage": "#fde68a", "ratio": "#bfdbfe", "count": "#bbf7d0", "money": "#fbcfe8",
              "legal_ref": "#ddd6fe", "shortcoming": "#fca5a5"}


def label_studio_config() -> str:
    """The Label Studio labeling config matching :func:`export` ``label-studio`` tasks."""
    labels = "\n".join(f'    <Label value="{t}" background="{_LS_COLORS[t]}"/>' for t in FACT_TYPES)
    topics = "\n".join(f'      <Choice value="{t}"/>' for t in TOPICS)
    return LABEL_STUDIO_CONFIG.format(labels=labels, topics=topics)


def _gold_fact(f: dict) -> dict:
    g = {k: f[k] for k in ("type", "start", "end", "text")}
    g.update({k: f[k] for k in FACT_FIELDS if f.get(k) is not None})
    return g


def _live(facts: list) -> list:
    return [f for f in facts if f["review"]["status"] != "rejected"]


def export(kb_dir, fmt: str, out, docs: Optional[str] = None) -> dict:
    """Export the curated facts of ``kb_dir``.

    Parameters
    ----------
    kb_dir : str or Path
    fmt : {"gold", "label-studio", "doccano", "prodigy"}
    out : str or Path
        Output file (JSONL; a JSON list for Label Studio, whose labeling config
        is written beside it as ``<out>.config.xml``).
    docs : {"all", "reviewed", "done"}, optional
        Which documents; default ``reviewed`` for gold, ``all`` otherwise.

    Returns
    -------
    dict
        ``{documents, facts, text}``.
    """
    if fmt not in FORMATS:
        raise ReviewError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    store = _open_store(kb_dir)
    st = store.state()
    ids = doc_ids(store, st, docs or ("reviewed" if fmt == "gold" else "all"))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    n_facts = 0
    items = []
    for i, doc_id in enumerate(ids, 1):
        text = store.texts[doc_id]
        meta = store.docs[doc_id].get("meta") or {}
        live = _live(curated_facts(store, st, doc_id))
        n_facts += len(live)
        if fmt == "gold":
            items.append({"id": doc_id, "text": text,
                          "meta": {k: meta[k] for k in ("published", "province", "district") if meta.get(k)},
                          "facts": [_gold_fact(f) for f in live]})
        elif fmt == "doccano":
            items.append({"id": i, "doc_id": doc_id, "text": text,
                          "label": [[f["start"], f["end"], f["type"]] for f in live]})
        elif fmt == "prodigy":
            items.append({"text": text, "spans": [{"start": f["start"], "end": f["end"], "label": f["type"]} for f in live],
                          "answer": "accept" if doc_id in st.done else "ignore",
                          "meta": {"doc_id": doc_id, **{k: meta[k] for k in ("title", "province") if meta.get(k)}}})
        else:
            items.append(_ls_task(i, doc_id, text, meta, live, st))
    if fmt == "label-studio":
        write_text_atomic(out, json.dumps(items, ensure_ascii=False, indent=1) + "\n")
        write_text_atomic(Path(str(out) + ".config.xml"), label_studio_config())
    else:
        write_text_atomic(out, "".join(dumps(x) + "\n" for x in items))
    text = f"{len(ids)} documents, {n_facts} facts -> {out} ({fmt})"
    if fmt == "label-studio":
        text += f"; labeling config: {out}.config.xml"
    return {"documents": len(ids), "facts": n_facts, "text": text}


def _utf16_offsets(text: str):
    """Code-point offset -> UTF-16 offset (Label Studio counts like JavaScript), or None when equal."""
    if all(ord(c) < 0x10000 for c in text):
        return None
    out, n = [0], 0
    for c in text:
        n += 2 if ord(c) >= 0x10000 else 1
        out.append(n)
    return out


def _region_id(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


def _ls_regions(text: str, facts: list, origin: str) -> list:
    u16 = _utf16_offsets(text)
    res = []
    for f in facts:
        rid = _region_id(f["id"])
        s, e = (u16[f["start"]], u16[f["end"]]) if u16 else (f["start"], f["end"])
        base = {"id": rid, "to_name": "text", "origin": origin}
        res.append(dict(base, from_name="label", type="labels",
                        value={"start": s, "end": e, "text": f["text"], "labels": [f["type"]]}))
        if f.get("topic"):
            res.append(dict(base, from_name="topic", type="choices", value={"start": s, "end": e, "choices": [f["topic"]]}))
        fields = {k: f[k] for k in FACT_FIELDS if k != "topic" and f.get(k) is not None}
        if fields:
            res.append(dict(base, from_name="fields", type="textarea",
                            value={"start": s, "end": e, "text": [json.dumps(fields, ensure_ascii=False)]}))
    return res


def _ls_task(i: int, doc_id: str, text: str, meta: dict, live: list, st: ReviewState) -> dict:
    machine = [f for f in live if f["review"]["status"] != "added"]
    confs = [f.get("confidence", 1.0) for f in machine]
    task = {"id": i, "data": {"text": text, "doc_id": doc_id, "title": meta.get("title") or "",
                              "province": meta.get("province") or ""},
            "predictions": [{"model_version": "pipeline", "score": min(confs) if confs else 1.0,
                             "result": _ls_regions(text, live, "prediction")}]}
    done = st.done.get(doc_id)
    if done:
        task["annotations"] = [{"result": _ls_regions(text, live, "manual"), "was_cancelled": False,
                                "ground_truth": False, "created_at": done["time"], "updated_at": done["time"],
                                "meta": {"reviewer": done["reviewer"]}}]
    return task


# --------------------------------------------------------------------------- import
def import_file(path, fmt: str, kb_dir, reviewer: Optional[str] = None) -> dict:
    """Append the differences between annotations in ``path`` and the KB's current state as corrections.

    Parameters
    ----------
    path : str or Path
        A Label Studio export (JSON list of tasks, or JSONL) or a doccano JSONL file.
    fmt : {"label-studio", "doccano"}
    kb_dir : str or Path
    reviewer : str, optional
        Name recorded on the corrections (default: the annotation's author, else the format name).

    Returns
    -------
    dict
        ``{documents, skipped, actions: {action: n}, text}``.
    """
    if fmt not in IMPORT_FORMATS:
        raise ReviewError(f"cannot import {fmt!r}; import one of {', '.join(IMPORT_FORMATS)}")
    path = Path(path)
    if not path.is_file():
        raise ReviewError(f"{path}: no such file")
    store = _open_store(kb_dir)
    by_text: dict = {}
    for d in store.order:
        by_text.setdefault(store.texts[d], []).append(d)
    items = _read_tasks(path, fmt)
    actions: dict = {}
    n_docs, skipped = 0, []
    for n, item in enumerate(items, 1):
        parsed = _parse_ls(item) if fmt == "label-studio" else _parse_doccano(item)
        if parsed is None:
            skipped.append(f"item {n}: no annotation")
            continue
        doc_id, text, target, who, mark_done = parsed
        if doc_id not in store.docs:
            cands = by_text.get(text or "", [])
            if len(cands) != 1:
                skipped.append(f"item {n}: document {doc_id!r} is not in {store.dir}")
                continue
            doc_id = cands[0]
        doc_text = store.texts[doc_id]
        if text is not None and text != doc_text:
            skipped.append(f"item {n} ({doc_id}): its text differs from the KB's; not imported")
            continue
        specs = _diff(store.state(), doc_id, doc_text, target, mark_done)
        n_docs += 1
        if specs:
            for rec in store.act_many(specs, reviewer=reviewer or who or fmt, source=f"import:{fmt}"):
                actions[rec["action"]] = actions.get(rec["action"], 0) + 1
    text = (f"{n_docs} documents compared, {sum(actions.values())} corrections appended"
            + (f" ({', '.join(f'{k} {v}' for k, v in sorted(actions.items()))})" if actions else "")
            + f" -> {store.log.path}")
    for s in skipped[:20]:
        text += f"\n  skipped {s}"
    return {"documents": n_docs, "skipped": skipped, "actions": actions, "text": text}


def _read_tasks(path: Path, fmt: str) -> list:
    raw = path.read_text(encoding="utf-8")
    if fmt == "label-studio" and raw.lstrip().startswith("["):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ReviewError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        return data
    out = []
    for i, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ReviewError(f"{path}:{i}: not valid JSON ({exc.msg})") from None
    return out


def _from_utf16(text: str, s: int, e: int):
    u16 = _utf16_offsets(text)
    if u16 is None:
        return s, e
    back = {v: i for i, v in enumerate(u16)}
    return back.get(s, s), back.get(e, e)


def _parse_ls(task: dict):
    data = task.get("data") or {}
    anns = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
    if not anns:
        return None
    ann = max(enumerate(anns), key=lambda ia: (ia[1].get("updated_at") or ia[1].get("created_at") or "", ia[0]))[1]
    text = data.get("text")
    regions: dict = {}
    for r in ann.get("result") or []:
        v = r.get("value") or {}
        reg = regions.setdefault(r.get("id") or f"{v.get('start')}-{v.get('end')}", {"fields": {}})
        if r.get("type") == "labels" and v.get("labels"):
            s, e = int(v["start"]), int(v["end"])
            if text is not None and v.get("text") is not None and text[s:e] != v["text"]:
                s, e = _from_utf16(text, s, e)
            reg.update(type=v["labels"][0], start=s, end=e)
        elif r.get("type") == "choices" and r.get("from_name") == "topic" and v.get("choices"):
            reg["fields"]["topic"] = v["choices"][0]
        elif r.get("type") == "textarea" and r.get("from_name") == "fields" and v.get("text"):
            blob = v["text"][-1] if isinstance(v["text"], list) else v["text"]
            try:
                extra = json.loads(blob)
            except json.JSONDecodeError:
                raise ReviewError(f"task {task.get('id')}: fields {blob!r} are not JSON (write {{\"value\": 33.2}})") from None
            if isinstance(extra, dict):
                reg["fields"].update(extra)
    target = [{"type": r["type"], "start": r["start"], "end": r["end"], "fields": r["fields"]}
              for r in regions.values() if "type" in r]
    who = ann.get("completed_by")
    if isinstance(who, dict):
        who = who.get("email") or who.get("username") or who.get("id")
    if who is None:
        who = (ann.get("meta") or {}).get("reviewer")
    if isinstance(who, int):
        who = f"label-studio-user-{who}"
    return data.get("doc_id"), text, target, who, True


def _parse_doccano(item: dict):
    labels = item.get("label", item.get("labels"))
    if labels is None:
        return None
    target = []
    for lab in labels:
        if isinstance(lab, dict):
            s, e, t = lab.get("start_offset", lab.get("start")), lab.get("end_offset", lab.get("end")), lab.get("label")
        else:
            s, e, t = lab
        target.append({"type": t, "start": int(s), "end": int(e), "fields": None})
    doc_id = item.get("doc_id") or (item.get("meta") or {}).get("doc_id")
    return doc_id, item.get("text"), target, None, False


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def _diff(st: ReviewState, doc_id: str, text: str, target: list, mark_done: bool) -> list:
    """Action specs turning the current facts of a document into ``target``."""
    live, rejected = {}, {}
    for e in st.facts.get(doc_id, {}).values():
        f = e["fact"]
        k = (f["type"], f["start"], f["end"])
        (rejected if e["status"] == "rejected" else live)[k] = e
    specs = []
    seen = set()
    for t in target:
        if t["type"] not in FACT_TYPES:
            raise ReviewError(f"document {doc_id}: unknown label {t['type']!r}; labels must be {', '.join(FACT_TYPES)}")
        k = (t["type"], t["start"], t["end"])
        if k in seen:
            continue
        seen.add(k)
        fields = clean_fields(t["fields"], t["type"]) if t["fields"] is not None else None
        entry = live.pop(k, None)
        if entry is None and k in rejected:
            entry = rejected.pop(k)
            specs.append({"action": "accept", "doc_id": doc_id, "fact_id": entry["key"]})
        if entry is not None:
            if fields:
                changed = {n: v for n, v in fields.items() if not _same(entry["fact"].get(n), v)}
                if changed:
                    specs.append({"action": "edit", "doc_id": doc_id, "fact_id": entry["key"], "fields": changed})
            continue
        specs.append({"action": "add", "doc_id": doc_id, "type": t["type"], "start": t["start"], "end": t["end"],
                      "fields": {n: v for n, v in (fields or {}).items() if v is not None}})
    for e in live.values():
        specs.append({"action": "reject", "doc_id": doc_id, "fact_id": e["key"]})
    if mark_done and doc_id not in st.done:
        specs.append({"action": "done", "doc_id": doc_id})
    return specs


# --------------------------------------------------------------------------- agreement
def _kappa(a: list, b: list) -> Optional[float]:
    """Cohen's kappa of two binary label lists (None when chance agreement is 1)."""
    n = len(a)
    if not n:
        return None
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    if pe >= 1.0:
        return None
    return (po - pe) / (1 - pe)


def _covers(facts: list, s: int, e: int) -> bool:
    for f in facts:
        ov = min(e, f["end"]) - max(s, f["start"])
        if ov > 0 and ov * 2 >= min(e - s, f["end"] - f["start"]):
            return True
    return False


def agreement(kb_dir) -> dict:
    """Agreement between reviewers on the documents they both reviewed.

    A reviewer *reviewed* a document when they acted on it (or marked it done);
    their version of it is the machine facts with only their own actions
    applied (facts they left alone count as kept).

    Returns
    -------
    dict
        ``{"reviewers": [...], "pairs": [{"a", "b", "documents", "types": {type: {"f1", "a", "b", "both"}},
        "micro_f1", "shortcoming_kappa": {"kappa", "sentences", "agree"}}], "text"}``.
    """
    store = _open_store(kb_dir)
    store.state()
    records = store.records()
    names = sorted({r.get("reviewer") for r in records if r.get("action") != "undo" and r.get("reviewer")})
    views = {n: fold(records, store.machine, store.texts, reviewer=n) for n in names}
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            shared = [d for d in store.order if d in views[a].touched and d in views[b].touched]
            if shared:
                pairs.append(_pair(store, views, a, b, shared))
    report = {"reviewers": names, "pairs": pairs}
    if len(names) < 2:
        report["text"] = f"{len(names)} reviewer(s) in {store.log.path}; agreement needs two who reviewed the same documents"
    elif not pairs:
        report["text"] = f"reviewers {', '.join(names)} never reviewed the same document; nothing to compare"
    else:
        report["text"] = format_agreement(report)
    return report


def _pair(store: ReviewStore, views: dict, a: str, b: str, shared: list) -> dict:
    types = {t: {"a": 0, "b": 0, "both": 0} for t in FACT_TYPES}
    la, lb = [], []
    for d in shared:
        fa = [e["fact"] for e in views[a].facts.get(d, {}).values() if e["status"] != "rejected"]
        fb = [e["fact"] for e in views[b].facts.get(d, {}).values() if e["status"] != "rejected"]
        for t in FACT_TYPES:
            sa = {(f["start"], f["end"]) for f in fa if f["type"] == t}
            sb = {(f["start"], f["end"]) for f in fb if f["type"] == t}
            types[t]["a"] += len(sa)
            types[t]["b"] += len(sb)
            types[t]["both"] += len(sa & sb)
        sca = [f for f in fa if f["type"] == "shortcoming"]
        scb = [f for f in fb if f["type"] == "shortcoming"]
        for s, e in store.sentences(d):
            la.append(int(_covers(sca, s, e)))
            lb.append(int(_covers(scb, s, e)))
    for row in types.values():
        n = row["a"] + row["b"]
        row["f1"] = round(2 * row["both"] / n, 4) if n else None
    tot = sum(r["a"] + r["b"] for r in types.values())
    micro = round(2 * sum(r["both"] for r in types.values()) / tot, 4) if tot else None
    k = _kappa(la, lb)
    return {"a": a, "b": b, "documents": len(shared), "types": types, "micro_f1": micro,
            "shortcoming_kappa": {"kappa": None if k is None else round(k, 4), "sentences": len(la),
                                  "agree": sum(x == y for x, y in zip(la, lb))}}


def format_agreement(report: dict) -> str:
    lines = []
    for p in report["pairs"]:
        lines.append(f"{p['a']} vs {p['b']}: {p['documents']} shared document(s)")
        lines.append(f"  {'type':<12} {'F1':>6} {'both':>5} {p['a'][:8]:>8} {p['b'][:8]:>8}")
        for t, r in p["types"].items():
            f1 = "-" if r["f1"] is None else f"{r['f1']:.3f}"
            lines.append(f"  {t:<12} {f1:>6} {r['both']:>5} {r['a']:>8} {r['b']:>8}")
        micro = "-" if p["micro_f1"] is None else f"{p['micro_f1']:.3f}"
        lines.append(f"  {'micro':<12} {micro:>6}")
        k = p["shortcoming_kappa"]
        kv = "undefined (every sentence got the same label)" if k["kappa"] is None else f"{k['kappa']:.3f}"
        lines.append(f"  shortcoming sentences: Cohen's kappa {kv} ({k['agree']}/{k['sentences']} agree)")
    return "\n".join(lines)
