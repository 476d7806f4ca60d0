"""Highlight a document's facts with spaCy's displaCy, in a notebook or as an HTML file.

:func:`render` draws a KB document with displaCy's entity renderer
(``style="ent"``, ``manual=True``): each fact is a coloured mark labelled with
its type, and a legend lists the colours and how many facts of each type the
document has. Shortcomings are whole sentences that often contain numeric
facts; displaCy's entity style cannot nest marks, so a shortcoming sentence is
drawn as a continuous red underline with a tinted background, the facts inside
it keep their own colour on top, and the ``shortcoming`` label sits at the end
of the sentence.

The document text is shown exactly: every character of it is in the markup,
HTML-escaped (a ``<script>`` in a document stays inert text), line breaks are
``<br>`` and the text block uses ``white-space: pre-wrap`` so runs of spaces
survive. Hovering a fact shows its value, qualifier, unit, topic and
confidence.

Examples
--------
>>> from pipeline.analysis import example_frames
>>> html = render("d1", example_frames())
>>> "45,5%" in html and "fact-percentage" in html
True
>>> save_html("d1", "kb/", "d1.html")          # doctest: +SKIP
PosixPath('d1.html')
"""
from __future__ import annotations

import html as _html
import math
from pathlib import Path
from typing import Iterable, Optional

from .document import FACT_TYPES

__all__ = ["render", "save_html", "COLORS", "HTML"]

#: Background colour of each fact type (``shortcoming``: the sentence tint).
COLORS = {
    "percentage": "#7aecec",
    "ratio": "#bfeeb7",
    "count": "#feca74",
    "money": "#c7b8fc",
    "legal_ref": "#f0c8e8",
    "shortcoming": "#ffe3e3",
}
#: Underline colour of shortcoming sentences.
SHORTCOMING_LINE = "#d9534f"

_FACT_TPL = ('<mark class="fact fact-{label}" style="background: {bg}; padding: 0.2em 0.35em; '
             'border-radius: 0.35em; line-height: 1;{extra}" title="{tip}">{text}'
             '<span class="fact-label" style="font-size: 0.7em; font-weight: bold; margin-left: 0.4em; '
             'vertical-align: middle; text-transform: uppercase;">{badge}</span></mark>')
_SC_TPL = ('<mark class="fact fact-{label}" style="background: {bg}; padding: 0.2em 0; '
           'border-bottom: 3px solid ' + SHORTCOMING_LINE + ';" title="{tip}">{text}{badge}</mark>')
_SC_BADGE = ('<span class="fact-label" style="font-size: 0.7em; font-weight: bold; margin-left: 0.4em; '
             'vertical-align: middle; text-transform: uppercase; color: ' + SHORTCOMING_LINE + ';">'
             'shortcoming</span>')
_IN_SC = " border-bottom: 3px solid " + SHORTCOMING_LINE + "; border-radius: 0.35em 0.35em 0 0;"
_TIP_FIELDS = ("value", "value_max", "qualifier", "numerator", "denominator", "unit", "currency",
               "doc_type", "number", "issued", "issuer", "topic", "confidence", "source")


class HTML(str):
    """Rendered markup: a ``str`` that Jupyter displays as HTML.

    It is the cell's output when it is the last expression; elsewhere it is
    an ordinary string (write it to a file, embed it, test it).
    """

    def _repr_html_(self) -> str:
        return str(self)


def _esc(value) -> str:
    return _html.escape(str(value), quote=True)


def _present(val) -> bool:
    if val is None:
        return False
    try:
        import pandas as pd
        if pd.isna(val):
            return False
    except (TypeError, ValueError):
        pass
    return not (isinstance(val, float) and math.isnan(val))


def _fmt(val) -> str:
    if isinstance(val, float) and val.is_integer() and abs(val) < 1e15:
        return str(int(val))
    if hasattr(val, "strftime"):
        return val.strftime("%Y-%m-%d")
    return str(val)


def _tip(fact: dict) -> str:
    parts = [fact["type"]]
    parts += [f"{k}={_fmt(fact[k])}" for k in _TIP_FIELDS if _present(fact.get(k))]
    return " · ".join(parts)


def _document(doc_id: str, kb):
    """The document row (with text) and its facts, from a KB path or a loaded pair."""
    from .analysis import as_frames

    facts, docs = as_frames(kb, with_text=True)
    if "text" not in docs.columns:
        raise ValueError("the documents frame has no 'text' column; load the KB with load(kb_dir, with_text=True)")
    rows = docs[docs["id"] == doc_id]
    if rows.empty:
        known = ", ".join(map(str, docs["id"].head(10)))
        raise KeyError(f"document {doc_id!r} is not in the KB (first ids: {known})")
    doc = rows.iloc[0].to_dict()
    text = doc.get("text")
    if not isinstance(text, str):
        raise ValueError(f"document {doc_id!r} has no text in the KB")
    dfacts = facts[facts["doc_id"] == doc_id].drop_duplicates(["type", "start", "end"])
    return doc, text, [r for r in dfacts.to_dict("records")]


def _non_overlapping(facts: list) -> tuple[list, int]:
    """Greedy left-to-right selection (longer first at equal start); returns (kept, n_dropped)."""
    kept, last_end, dropped = [], -1, 0
    for f in sorted(facts, key=lambda f: (f["start"], -(f["end"] - f["start"]))):
        if f["start"] >= last_end:
            kept.append(f)
            last_end = f["end"]
        else:
            dropped += 1
    return kept, dropped


def _pieces(sc: dict, inner: list) -> list:
    """The parts of shortcoming ``sc`` not covered by ``inner`` facts, as (start, end)."""
    out, pos = [], sc["start"]
    for f in inner:
        if f["start"] > pos:
            out.append((pos, min(f["start"], sc["end"])))
        pos = max(pos, f["end"])
    if pos < sc["end"]:
        out.append((pos, sc["end"]))
    return [(s, e) for s, e in out if e > s]


def _ents(text: str, facts: list, colors: dict) -> tuple[list, int]:
    """displaCy ``ents`` for the facts (shortcomings split around the facts they contain)."""
    scs, dropped_sc = _non_overlapping([f for f in facts if f["type"] == "shortcoming"])
    others, dropped = _non_overlapping([f for f in facts if f["type"] != "shortcoming"])
    ents = []
    for f in others:
        in_sc = any(s["start"] < f["end"] and f["start"] < s["end"] for s in scs)
        ents.append({"start": int(f["start"]), "end": int(f["end"]), "label": f["type"],
                     "params": {"bg": colors.get(f["type"], "#ddd"), "tip": _esc(_tip(f)),
                                "badge": _esc(f["type"]), "extra": _IN_SC if in_sc else ""}})
    sc_ents = []
    for sc in scs:
        inner = [f for f in others if f["start"] < sc["end"] and sc["start"] < f["end"]]
        pieces = _pieces(sc, inner)
        tip = _esc(_tip(sc))
        for i, (s, e) in enumerate(pieces):
            sc_ents.append({"start": s, "end": e, "label": "shortcoming",
                            "params": {"bg": colors.get("shortcoming", "#fee"), "tip": tip,
                                       "badge": _SC_BADGE if i == len(pieces) - 1 else "", "extra": ""}})
    return ents + sc_ents, dropped + dropped_sc


class _Template(str):
    """A displaCy entity template that picks the shortcoming or fact markup per label."""

    def format(self, **kw):  # noqa: A003 - the interface displaCy calls
        tpl = _SC_TPL if kw.get("label") == "shortcoming" else _FACT_TPL
        return tpl.format(**kw)


def _legend(counts: dict, colors: dict) -> str:
    items = []
    for t in FACT_TYPES:
        style = f"background: {colors.get(t, '#ddd')}; padding: 0.1em 0.5em; border-radius: 0.35em;"
        if t == "shortcoming":
            style += f" border-bottom: 3px solid {SHORTCOMING_LINE};"
        items.append(f'<span class="legend-item legend-{t}" style="{style} margin-right: 0.6em; '
                     f'white-space: nowrap;">{t} ({counts.get(t, 0)})</span>')
    return ('<div class="fact-legend" style="font-size: 0.85em; line-height: 2.2; margin: 0.4em 0 0.8em 0;">'
            + "".join(items) + "</div>")


def _header(doc: dict, doc_id: str) -> str:
    title = doc.get("title") if _present(doc.get("title")) else doc_id
    meta = []
    for key in ("province", "district", "published"):
        val = doc.get(key)
        if _present(val):
            meta.append(f"{key}: {_esc(_fmt(val))}")
    sub = f'<div class="fact-meta" style="color: #555; font-size: 0.85em;">{_esc(doc_id)}'
    sub += (" · " + " · ".join(meta) if meta else "") + "</div>"
    return f'<h3 class="fact-title" style="margin: 0 0 0.2em 0;">{_esc(title)}</h3>{sub}'


def render(doc_id: str, kb, jupyter: Optional[bool] = None, page: bool = False,
           types: Optional[Iterable[str]] = None, min_confidence: Optional[float] = None,
           colors: Optional[dict] = None, legend: bool = True) -> HTML:
    """Render one document with its facts highlighted by type.

    Parameters
    ----------
    doc_id : str
        The document id.
    kb : str, Path or (DataFrame, DataFrame)
        A KB directory, or the ``(facts, documents)`` pair of
        ``pipeline.kb.load(kb_dir, with_text=True)`` (faster when rendering
        many documents).
    jupyter : bool, optional
        ``None`` (default): return markup that Jupyter shows as HTML when it
        is a cell's value. ``True``: also display it right away (useful in a
        loop; end the line with ``;`` to avoid showing it twice). ``False``:
        return a plain ``str``.
    page : bool, default=False
        A complete HTML page (``<!DOCTYPE html>``, UTF-8) instead of a fragment.
    types : iterable of str, optional
        Highlight only these fact types.
    min_confidence : float, optional
        Highlight only facts at least this confident.
    colors : dict, optional
        Override :data:`COLORS` per type.
    legend : bool, default=True
        Show the colour legend with the fact counts.

    Returns
    -------
    HTML
        The markup (a ``str``; a plain ``str`` when ``jupyter=False``).

    Raises
    ------
    KeyError
        When ``doc_id`` is not in the KB.
    ValueError
        When the documents were loaded without text.

    Examples
    --------
    >>> from pipeline.analysis import example_frames
    >>> kb = example_frames()
    >>> out = render("d2", kb, jupyter=False)
    >>> "62%" in out and "money (1)" in out
    True
    >>> render("d2", kb, page=True, jupyter=False).startswith("<!DOCTYPE html>")
    True
    """
    from spacy import displacy

    doc, text, facts = _document(doc_id, kb)
    if types is not None:
        types = {types} if isinstance(types, str) else set(types)
        facts = [f for f in facts if f["type"] in types]
    if min_confidence is not None:
        facts = [f for f in facts if _present(f.get("confidence")) and f["confidence"] >= min_confidence]
    cols = dict(COLORS, **(colors or {}))
    ents, dropped = _ents(text, facts, cols)
    body = displacy.render({"text": text, "ents": ents, "title": None}, style="ent", manual=True,
                           jupyter=False, options={"template": _Template(_FACT_TPL), "colors": cols})
    # displaCy wraps the text in a div; make white space show as written (a CR is kept as a character reference
    # so that the HTML parser does not turn it into an extra line break)
    body = body.replace('style="line-height: 2.5; direction: ltr"',
                        'style="line-height: 2.2; direction: ltr; white-space: pre-wrap"', 1)
    body = body.replace("\r", "&#13;")
    counts = {}
    for f in facts:
        counts[f["type"]] = counts.get(f["type"], 0) + 1
    parts = [_header(doc, doc_id)]
    if legend:
        parts.append(_legend(counts, cols))
    if dropped:
        parts.append(f'<div class="fact-note" style="color: #a00; font-size: 0.8em;">{dropped} overlapping '
                     f'fact(s) not highlighted</div>')
    parts.append(body)
    markup = '<div class="fact-doc" style="font-family: sans-serif; max-width: 60em;">' + "".join(parts) + "</div>"
    if page:
        markup = ('<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
                  f'<title>{_esc(doc_id)}</title>\n</head>\n<body style="padding: 2rem;">\n{markup}\n</body>\n</html>\n')
    if jupyter is False:
        return str(markup)
    out = HTML(markup)
    if jupyter:
        from IPython.display import HTML as IPyHTML, display
        display(IPyHTML(out))
    return out


def save_html(doc_id: str, kb, path, **kwargs) -> Path:
    """Write :func:`render` of one document as a standalone UTF-8 HTML page.

    Parameters
    ----------
    doc_id : str
    kb : str, Path or (DataFrame, DataFrame)
        As for :func:`render`.
    path : str or Path
        Output file (parent directories are created).
    **kwargs
        Passed to :func:`render` (``types``, ``min_confidence``, ``colors``, ``legend``).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs.update(page=True, jupyter=False)
    path.write_text(render(doc_id, kb, **kwargs), encoding="utf-8")
    return path
