"""Subcommands of the review workflow: ``review``, ``apply``, ``export``, ``import``, ``agreement``."""
from __future__ import annotations

import json
import os


def _review(args) -> int:
    from .app import serve
    serve(args.kb_dir, host=args.host, port=args.port, reviewer=args.reviewer, token=args.token)
    return 0


def _apply(args) -> int:
    from ..curate import apply
    print(apply(args.kb_dir, args.out)["text"])
    return 0


def _export(args) -> int:
    from ..curate import export
    print(export(args.kb_dir, args.format, args.out, docs=args.docs)["text"])
    return 0


def _import(args) -> int:
    from ..curate import import_file
    print(import_file(args.file, args.format, args.kb, reviewer=args.reviewer)["text"])
    return 0


def _agreement(args) -> int:
    from ..curate import agreement
    report = agreement(args.kb_dir)
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if k != "text"}, ensure_ascii=False, indent=2))
    else:
        print(report["text"])
    return 0


def add_commands(sub) -> None:
    """Register the review subcommands on an ``argparse`` subparsers object."""
    from ..curate import DOC_SELECTIONS, FORMATS, IMPORT_FORMATS

    r = sub.add_parser("review", help="correct a KB's facts in a local web app",
                       description="Serve the review app over KB_DIR. Every action is appended to "
                                   "KB_DIR/corrections.jsonl (fsynced before the app answers); facts.jsonl is "
                                   "never modified. Binds to 127.0.0.1; another --host needs --token.",
                       epilog="Example: python -m pipeline review kb/ --reviewer lan  (then open http://127.0.0.1:8765/)")
    r.add_argument("kb_dir", metavar="KB_DIR", help="KB directory written by extract")
    r.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    r.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    r.add_argument("--reviewer", default=os.environ.get("USER") or "reviewer",
                   help="default reviewer name recorded on actions (default: $USER)")
    r.add_argument("--token", default=os.environ.get("REVIEW_TOKEN"), metavar="SECRET",
                   help="require this token on every request (needed for a non-local --host; env REVIEW_TOKEN)")
    r.set_defaults(func=_review)

    a = sub.add_parser("apply", help="write the curated KB (corrections applied)",
                       description="Apply KB_DIR/corrections.jsonl to the machine facts and write a curated KB: "
                                   "each fact gets review = {status, reviewer, time}; rejected facts are kept "
                                   "with status rejected; corrections whose fact disappeared are reported.",
                       epilog="Example: python -m pipeline apply kb/ --out kb-curated/")
    a.add_argument("kb_dir", metavar="KB_DIR")
    a.add_argument("--out", required=True, metavar="CURATED_DIR", help="directory of the curated KB")
    a.set_defaults(func=_apply)

    e = sub.add_parser("export", help="export curated facts (gold, Label Studio, doccano, Prodigy)",
                       description="Export the curated facts of KB_DIR (rejected facts left out).",
                       epilog="Example: python -m pipeline export kb/ --format label-studio --out tasks.json")
    e.add_argument("kb_dir", metavar="KB_DIR")
    e.add_argument("--format", required=True, choices=FORMATS)
    e.add_argument("--out", required=True, metavar="FILE")
    e.add_argument("--docs", choices=DOC_SELECTIONS, default=None,
                   help="documents to export (default: reviewed for gold, all otherwise)")
    e.set_defaults(func=_export)

    i = sub.add_parser("import", help="import Label Studio / doccano annotations as corrections",
                       description="Compare the annotations in FILE with the KB's current facts and append the "
                                   "differences to KB_DIR/corrections.jsonl (export then import changes nothing).",
                       epilog="Example: python -m pipeline import export.json --format label-studio --kb kb/")
    i.add_argument("file", metavar="FILE")
    i.add_argument("--format", required=True, choices=IMPORT_FORMATS)
    i.add_argument("--kb", required=True, metavar="KB_DIR")
    i.add_argument("--reviewer", default=None, help="name recorded on the corrections (default: the annotator)")
    i.set_defaults(func=_import)

    g = sub.add_parser("agreement", help="agreement between reviewers",
                       description="For documents reviewed by two or more reviewers: per-type span F1 between "
                                   "each pair and Cohen's kappa on shortcoming sentences.",
                       epilog="Example: python -m pipeline agreement kb/ --json")
    g.add_argument("kb_dir", metavar="KB_DIR")
    g.add_argument("--json", action="store_true", help="print the report as JSON")
    g.set_defaults(func=_agreement)
