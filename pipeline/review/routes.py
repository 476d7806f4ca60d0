"""The review app's JSON API. Storage comes in through :func:`get_store` (tests override it).

Endpoints
---------
``GET  /api/info``                      KB, reviewer, fact types, topics, fields, progress
``GET  /api/docs``                      the queue (filters: type, topic, province, status; sort)
``GET  /api/doc?id=DOC``                one document: text, sentences, facts with review state
``POST /api/actions``                   accept | reject | edit | span | add | done
``POST /api/undo``                      undo the reviewer's last action (or ``action_id``)
``GET  /api/corrections?doc_id=DOC``    the log (newest last)
"""
from __future__ import annotations

from typing import Any, Literal, Optional

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from ..document import FACT_TYPES, QUALIFIERS, TOPICS
from .state import TYPE_FIELDS, NotFound
from .store import ReviewStore

router = APIRouter(prefix="/api")


def get_store(request: Request) -> ReviewStore:
    """The store of this app (``app.state.store``); tests replace it via ``dependency_overrides``."""
    return request.app.state.store


class Action(BaseModel):
    """One reviewer action. ``base`` (the fact's ``rev`` as loaded) turns on the stale-edit check."""

    action: Literal["accept", "reject", "edit", "span", "add", "done"]
    doc_id: str
    fact_id: Optional[str] = None
    reviewer: Optional[str] = Field(default=None, max_length=80)
    base: Optional[str] = None
    fields: dict[str, Any] = Field(default_factory=dict)
    start: Optional[int] = None
    end: Optional[int] = None
    type: Optional[str] = None


class Undo(BaseModel):
    reviewer: Optional[str] = Field(default=None, max_length=80)
    action_id: Optional[str] = None


@router.get("/info")
def info(store: ReviewStore = Depends(get_store)) -> dict:
    return {"kb": str(store.dir), "reviewer": store.reviewer, "types": list(FACT_TYPES),
            "topics": list(TOPICS), "qualifiers": list(QUALIFIERS),
            "type_fields": {k: list(v) for k, v in TYPE_FIELDS.items()}, "progress": store.progress()}


@router.get("/docs")
def docs(store: ReviewStore = Depends(get_store),
         type: Optional[str] = None, topic: Optional[str] = None, province: Optional[str] = None,
         status: Optional[Literal["todo", "in_progress", "done", "open"]] = None,
         q: Optional[str] = None,
         sort: Literal["confidence", "order", "facts"] = "confidence",
         offset: int = Query(0, ge=0), limit: int = Query(500, ge=1, le=5000)) -> dict:
    items = store.summaries()
    provinces = sorted({d["province"] for d in items if d["province"]})
    if type:
        items = [d for d in items if d["counts"].get(type)]
    if topic:
        items = [d for d in items if topic in d["topics"]]
    if province:
        items = [d for d in items if d["province"] == province]
    if status == "open":
        items = [d for d in items if d["status"] != "done"]
    elif status:
        items = [d for d in items if d["status"] == status]
    if q:
        ql = q.lower()
        items = [d for d in items if ql in d["id"].lower() or ql in (d["title"] or "").lower()]
    if sort == "confidence":
        items.sort(key=lambda d: (d["status"] == "done", d["min_confidence"] is None, d["min_confidence"] or 0))
    elif sort == "facts":
        items.sort(key=lambda d: -d["n_facts"])
    return {"total": len(items), "docs": items[offset:offset + limit], "provinces": provinces,
            "progress": store.progress()}


@router.get("/doc")
def doc(id: str, store: ReviewStore = Depends(get_store)) -> dict:
    return store.document(id)


@router.post("/actions")
def act(body: Action, store: ReviewStore = Depends(get_store)) -> dict:
    extra = {"base": body.base} if "base" in body.model_fields_set else {}
    rec = store.act(body.action, body.doc_id, body.fact_id, reviewer=body.reviewer, fields=body.fields,
                    start=body.start, end=body.end, ftype=body.type, **extra)
    return {"record": rec, "document": store.document(body.doc_id), "progress": store.progress()}


@router.post("/undo")
def undo(body: Undo, store: ReviewStore = Depends(get_store)) -> dict:
    rec = store.undo(body.reviewer, body.action_id)
    out = {"record": rec, "progress": store.progress()}
    if rec.get("doc_id"):
        try:
            out["document"] = store.document(rec["doc_id"])
        except NotFound:
            pass
    return out


@router.get("/corrections")
def corrections(doc_id: Optional[str] = None, store: ReviewStore = Depends(get_store)) -> dict:
    return {"records": store.records(doc_id), "problems": store.log.problems}
