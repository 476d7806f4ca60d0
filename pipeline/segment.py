"""The segment stage: sentences by the guidelines' rule, words on demand, spaCy Docs.

- :class:`SentenceSegmenter` (component ``segment``) splits at line breaks and
  at ``. ! ? …`` + white space + an upper-case letter, digit or quote, not after
  an abbreviation (``patterns/sentences.yml``). Spans exclude surrounding
  white space and keep the final mark.
- :func:`words` runs underthesea's ``word_tokenize`` on a span and maps every
  word back to offsets in the original text (underthesea rewrites characters:
  ``Ð`` -> ``Đ``, tone placement, NFC), so offsets stay exact.
- :func:`words_of` segments many short texts (the words after numbers),
  straight through underthesea's CRF when they are plain syllables.
- :func:`to_spacy` builds a spaCy ``Doc`` whose text is the original text.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

import regex

from .document import Document, Sentence
from .patterns import PatternSet

_WS = " \t\r\n\u00a0\u200b\u2009\u202f\ufeff\u3000"


class SentenceSegmenter:
    """Pipeline component ``segment``: sets ``doc.sentences``."""

    name = "segment"
    assigns = ("doc.sentences",)

    def __init__(self, patterns: PatternSet):
        data = patterns.spec("sentences").data
        abbrs = sorted(data.get("abbreviations", []), key=len, reverse=True)
        abbr = "|".join(regex.escape(a) for a in abbrs)
        end = data.get("end_marks", r"[.!?…]")
        nxt = data.get("next_start", r"[\p{Lu}\d\"“]")
        # an end mark run, not preceded by an abbreviation, followed by blank + a sentence start
        self._boundary = regex.compile(
            rf"(?<!(?<![\p{{L}}.])(?:{abbr}))(?:{end})+[\"”’»)]*(?=[ \t\u00a0\u200b]+(?:{nxt})|[ \t\u00a0\u200b]*$)"
        )

    def __call__(self, doc: Document) -> Document:
        doc.sentences = list(split_sentences(doc.text, self._boundary))
        return doc


def split_sentences(text: str, boundary) -> list:
    """Sentences of ``text`` as :class:`Sentence` objects (offsets into ``text``)."""
    out = []
    pos = 0
    n = len(text)
    for line in regex.finditer(r"[^\r\n]+", text):
        lstart, lend = line.span()
        cut = lstart
        for m in boundary.finditer(text, lstart, lend):
            _add(out, text, cut, m.end())
            cut = m.end()
        _add(out, text, cut, lend)
        pos = lend
    del pos, n
    return out


def _add(out, text, start, end):
    while start < end and text[start] in _WS:
        start += 1
    while end > start and text[end - 1] in _WS:
        end -= 1
    if end > start:
        out.append(Sentence(start, end, text[start:end]))


# ---------------------------------------------------------------- words
def _fold(ch: str) -> str:
    """The base letter of a character, lower-cased (Ð/Đ -> d, ế -> e)."""
    if ch in "ĐđÐð":
        return "d"
    base = unicodedata.normalize("NFD", ch)[0]
    return base.lower()


def _skeleton(s: str, offset: int = 0):
    """Base letters of ``s`` (no white space, no combining marks) and their offsets."""
    chars, offs = [], []
    for i, ch in enumerate(s):
        if ch in _WS or ch == "_" or ch.isspace() or unicodedata.category(ch) in ("Mn", "Cf"):
            continue
        chars.append(_fold(ch))
        offs.append(offset + i)
    return chars, offs


_SURROGATE = regex.compile("[\ud800-\udfff]")


@lru_cache(maxsize=1)
def _tokenizer():
    try:
        from underthesea import word_tokenize
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise ImportError("underthesea is needed for word segmentation: pip install underthesea") from exc
    return word_tokenize


def words(text: str, start: int = 0, end: int | None = None) -> list:
    """Vietnamese words of ``text[start:end]`` as ``(start, end)`` offsets.

    Uses underthesea's ``word_tokenize`` and aligns its output with the
    original characters, whatever underthesea normalised.
    """
    end = len(text) if end is None else end
    chunk = text[start:end]
    if not chunk.strip():
        return []
    if _SURROGATE.search(chunk):  # lone surrogates (from JSON escapes) crash the tokenizer: same-length stand-in
        chunk = _SURROGATE.sub("\ufffd", chunk)
    tokens = _tokenizer()(chunk)
    src, src_off = _skeleton(chunk, start)
    out = []
    i = 0
    for tok in tokens:
        tchars, _ = _skeleton(tok)
        if not tchars:
            continue
        j = i + len(tchars)
        if src[i:j] != tchars:  # unexpected rewrite: resynchronise on the first letter
            k = _find(src, tchars, i)
            if k < 0:
                continue
            i, j = k, k + len(tchars)
        s_off, e_off = src_off[i], src_off[j - 1] + 1
        while e_off < end and unicodedata.category(text[e_off]) == "Mn":
            e_off += 1
        out.append((s_off, e_off))
        i = j
    return out


@lru_cache(maxsize=1)
def _crf():
    """underthesea's word-segmentation CRF and its token normaliser, or None.

    Reached through ``underthesea.pipeline.word_tokenize`` (the model is a
    module global that ``word_tokenize`` loads on first use); None when that
    layout changes, and :func:`words_of` then falls back to :func:`words`.
    """
    try:
        import underthesea.pipeline.word_tokenize as wt
        from underthesea.pipeline.text_normalize import token_normalize
        from underthesea.pipeline.text_normalize.character_normalize import normalize_characters_in_text

        _tokenizer()("khởi động")
        model = wt.word_tokenize_model
        model.predict([["a"]])
    except Exception:  # pragma: no cover - depends on underthesea's internals
        return None

    @lru_cache(maxsize=65536)
    def normal(token: str) -> str:
        return token_normalize(normalize_characters_in_text(token))

    @lru_cache(maxsize=32768)  # the same few words follow numbers again and again
    def tags_of(tokens: tuple) -> tuple:
        return tuple(model.predict([[t] for t in tokens]))

    return normal, tags_of


def _plain_tokens(window: str):
    """White-space tokens of ``window`` when underthesea's tokenizer would give
    exactly these (every token all letters or all digits, NFC), else None."""
    if not unicodedata.is_normalized("NFC", window):
        return None
    out = []
    pos = 0
    for tok in window.split():
        if not (tok.isalpha() or tok.isdecimal()) or "ʺ" in tok:  # isdigit() would pass "²"
            return None
        start = window.index(tok, pos)
        pos = start + len(tok)
        out.append((start, pos, tok))
    return out


def words_of(windows: list) -> list:
    """Vietnamese words of several short texts (the few words after each number of a document).

    Returns, for each text, its words as ``(start, end)`` offsets into that
    text. A text made of plain syllables (letters or digits between white
    space, the usual case for the few words after a number) goes straight to
    underthesea's CRF word segmenter, alone (its words do not depend on the
    other texts), with the tokens underthesea's own tokenizer would give and
    its token normalisation; the tags of recent texts are cached (the same
    few words follow numbers again and again). Any other text goes through
    :func:`words` (all of them in one call, separated by ``;``, which the
    model never joins to a word). This skips underthesea's
    regular-expression tokenizer and the character alignment of
    :func:`words`, which cost more than the CRF on short texts.
    """
    crf = _crf()
    result = [[] for _ in windows]
    plain, other = [], []
    for i, w in enumerate(windows):
        toks = _plain_tokens(w) if crf is not None else None
        if toks is None:
            other.append(i)
        elif toks:
            plain.append((i, toks))
    if plain:
        normal, tags_of = crf
        for i, toks in plain:
            tags = tags_of(tuple(normal(tok) for _a, _b, tok in toks))
            spans = result[i]
            for tag, (a, b, _tok) in zip(tags, toks):
                if tag == "I-W" and spans:
                    spans[-1] = (spans[-1][0], b)
                else:
                    spans.append((a, b))
    if other:
        sep = " ; "  # underthesea never joins a word across ";" (it does across ".")
        starts, off = [], 0
        for i in other:
            starts.append(off)
            off += len(windows[i]) + len(sep)
        big = sep.join(windows[i] for i in other)
        toks = words(big) if big.strip(" .;") else []
        j = 0
        for a, b in toks:
            while j + 1 < len(starts) and a >= starts[j + 1]:
                j += 1
            i = other[j]
            if a >= starts[j] and b <= starts[j] + len(windows[i]):
                result[i].append((a - starts[j], b - starts[j]))
    return result


def _find(src, pat, frm):
    n = len(pat)
    for k in range(frm, len(src) - n + 1):
        if src[k:k + n] == pat:
            return k
    return -1


# ---------------------------------------------------------------- spaCy
_TOKEN = regex.compile(r"\d+(?:[.,]\d+)*|[\p{L}\p{M}\d_]+|[^\s\p{L}\p{M}\d]|\s+")


@lru_cache(maxsize=1)
def _vocab():
    from spacy.vocab import Vocab
    return Vocab()


def to_spacy(doc: Document):
    """A spaCy ``Doc`` over the original text, with facts as ``doc.ents`` / ``doc.spans['facts']``.

    Tokens split at white space and punctuation so every fact boundary is a
    token boundary; ``Doc.text`` equals ``doc.text`` exactly.
    """
    from spacy.tokens import Doc as SpacyDoc

    words_, spaces = [], []
    for m in _TOKEN.finditer(doc.text):
        tok = m.group()
        if tok.isspace():
            if tok == " " and words_ and not spaces[-1] and not words_[-1].isspace():
                spaces[-1] = True
                continue
            if words_ and not spaces[-1] and not words_[-1].isspace() and tok[0] == " ":
                spaces[-1] = True
                tok = tok[1:]
        words_.append(tok)
        spaces.append(False)
    sdoc = SpacyDoc(_vocab(), words=words_, spaces=spaces)
    assert sdoc.text == doc.text
    spans = []
    for f in doc.facts:
        span = sdoc.char_span(f.start, f.end, label=f.type, alignment_mode="expand")
        if span is not None:
            spans.append(span)
    sdoc.spans["facts"] = spans
    from spacy.util import filter_spans
    sdoc.ents = filter_spans([s for s in spans if s.label_ != "shortcoming"])
    sent_starts = {s.start for s in doc.sentences}
    for tok in sdoc:
        tok.is_sent_start = tok.idx in sent_starts if tok.i else True
    return sdoc
