"""Run extraction over inputs into a KB directory (the ``extract`` command's engine)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from . import __version__, get_pipeline
from .document import Document
from .errors import InputError
from .kb import KBWriter
from .read import iter_inputs


def run_extract(inputs, out, strict=False, shortcoming_threshold=None, patterns=None, quiet=False, stdin=None) -> dict:
    """Extract every input document into ``out``; returns a summary dict (with ``text``)."""
    t0 = time.time()
    nlp = get_pipeline(patterns=patterns, shortcoming_threshold=shortcoming_threshold)
    with KBWriter(out) as kb:
        for item in iter_inputs(inputs, stdin=stdin):
            if isinstance(item, InputError):
                if not quiet:
                    print(f"warning: {item}", file=sys.stderr)
                kb.add_error(item.to_record())
                continue
            kb.add(nlp(item))
        elapsed = time.time() - t0
        manifest = {
            "package": "pipeline", "version": __version__,
            "pattern_hash": nlp.patterns.hash, "pipeline": list(nlp.names),
            "inputs": [str(i) for i in inputs], "documents": kb.counts["documents"],
            "errors": kb.counts["errors"], "facts": kb.counts["facts"],
            "elapsed_seconds": round(elapsed, 3),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        kb.commit(manifest)
    n = kb.counts["documents"]
    facts = kb.counts["facts"]
    text = (f"{n} documents, {sum(facts.values())} facts "
            f"({', '.join(f'{k} {v}' for k, v in facts.items())}), {kb.counts['errors']} bad records "
            f"in {elapsed:.1f}s -> {Path(out)}")
    if kb.counts["errors"]:
        text += f"\nbad records are listed in {Path(out) / 'errors.jsonl'}"
    return {"documents": n, "facts": facts, "errors": kb.counts["errors"], "elapsed": elapsed, "text": text}
