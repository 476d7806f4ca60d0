"""The read stage: inputs (``.jsonl``, ``.jsonl.gz``, ``.txt``, directories, stdin) -> Documents.

Bad input never stops a run: a line that is not JSON, lacks ``text``, or has
bytes that are not UTF-8, and a file that does not exist, become
:class:`~pipeline.errors.InputError` items (with file and line) in the stream,
which the caller writes to ``errors.jsonl``.
"""
from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path
from typing import Iterable, Iterator, Union

from .document import Document
from .errors import InputError

Item = Union[Document, InputError]
_SUFFIXES = (".jsonl", ".jsonl.gz", ".txt", ".json")


def iter_inputs(inputs: Iterable[str], stdin=None) -> Iterator[Item]:
    """Documents (and input errors) from every path in ``inputs``; ``-`` is stdin."""
    for raw in inputs:
        if raw == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            if isinstance(stream, io.TextIOBase):
                stream = (line.encode("utf-8") for line in stream)
            yield from read_jsonl_lines(stream, "<stdin>")
            continue
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and _kind(p))
            if not files:
                yield InputError(f"directory has no .jsonl, .jsonl.gz or .txt files", str(path))
            for p in files:
                yield from read_path(p)
        elif path.exists():
            yield from read_path(path)
        else:
            yield InputError("file does not exist; check the path", str(path))


def _kind(path: Path):
    name = path.name.lower()
    if name.endswith(".jsonl.gz") or name.endswith(".json.gz"):
        return "jsonl.gz"
    if name.endswith(".jsonl") or name.endswith(".ndjson"):
        return "jsonl"
    if name.endswith(".txt"):
        return "txt"
    return None


def read_path(path: Path) -> Iterator[Item]:
    """Documents of one file (jsonl, jsonl.gz or txt)."""
    kind = _kind(path)
    try:
        if kind == "txt":
            data = path.read_bytes()
            try:
                text = data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else data.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield InputError(f"not valid UTF-8 at byte {exc.start}; convert the file to UTF-8 (iconv -f cp1258 -t utf-8)",
                                 str(path), 1)
                return
            yield Document(id=path.stem, text=text, meta={"source_file": str(path)})
        elif kind == "jsonl.gz":
            with gzip.open(path, "rb") as fh:
                yield from read_jsonl_lines(fh, str(path))
        elif kind == "jsonl":
            with open(path, "rb") as fh:
                yield from read_jsonl_lines(fh, str(path))
        else:
            yield InputError("unknown file type; use .jsonl, .jsonl.gz or .txt", str(path))
    except (OSError, EOFError) as exc:
        yield InputError(f"cannot read file ({exc})", str(path))


def read_jsonl_lines(stream, name: str) -> Iterator[Item]:
    """Documents from a binary stream of JSON lines."""
    for lineno, raw in enumerate(stream, 1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield InputError(f"line is not valid UTF-8 (byte {exc.start}); re-encode the file as UTF-8",
                             name, lineno, raw[:200].decode("utf-8", "replace"))
            continue
        if lineno == 1 and line.startswith("\ufeff"):
            line = line[1:]
        yield parse_record(line, name, lineno)


def parse_record(line: str, name: str = "<string>", lineno: int = 1) -> Item:
    """One JSON line -> Document, or an InputError saying what is wrong."""
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        return InputError(f"not valid JSON ({exc.msg} at column {exc.colno})", name, lineno, line[:200])
    if not isinstance(rec, dict):
        return InputError("a line must be a JSON object with 'id' and 'text'", name, lineno, line[:200])
    if "text" not in rec:
        return InputError("record has no 'text' field", name, lineno, {k: rec[k] for k in list(rec)[:5] if k != "facts"})
    text = rec["text"]
    if text is None:
        text = ""
    if not isinstance(text, str):
        return InputError(f"'text' must be a string, not {type(text).__name__}", name, lineno, {"id": rec.get("id")})
    doc_id = rec.get("id")
    doc_id = str(doc_id) if doc_id not in (None, "") else f"{Path(name).name}:{lineno}"
    meta = {k: v for k, v in rec.items() if k not in ("id", "text", "facts", "meta")}
    if isinstance(rec.get("meta"), dict):
        for k, v in rec["meta"].items():
            meta.setdefault(k, v)
    meta["source_file"], meta["source_line"] = name, lineno
    return Document(id=doc_id, text=text, meta=meta)
