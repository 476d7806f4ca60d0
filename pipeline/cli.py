"""The command line: subcommands only, no logic beyond argument handling."""
from __future__ import annotations

import argparse
import json
import sys
import time

from . import __version__
from .errors import PipelineError


def _extract(args) -> int:
    from .run import run_extract
    try:
        summary = run_extract(args.inputs, args.out, strict=args.strict,
                              shortcoming_threshold=args.shortcoming_threshold,
                              patterns=args.patterns, quiet=args.quiet, workers=args.workers, dask=args.dask,
                              force=args.force, log_interval=args.log_interval,
                              models=False if args.no_models else args.models)
    except KeyboardInterrupt:
        print(f"Interrupted: {args.out} was not changed; the documents done so far are kept in "
              f"{args.out}/.shards and the next extract into it resumes from them.", file=sys.stderr)
        return 130
    if not args.quiet:
        print(summary["text"])
    return 1 if (args.strict and summary["errors"]) else 0


def _evaluate(args) -> int:
    from .evaluate import evaluate, format_report
    report = evaluate(args.gold, args.kb)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False))
    else:
        print(format_report(report, max_errors=args.max_errors))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Extract facts (percentages, counts, ratios, money, legal references, shortcomings) "
                    "from Vietnamese e-government reports into a JSONL knowledge base.",
        epilog="Example: python -m pipeline extract corpus/samples --out kb/ && "
               "python -m pipeline evaluate --gold corpus/samples/gold.jsonl --kb kb/")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    e = sub.add_parser("extract", help="extract facts from documents into a KB directory",
                       description="Read documents (.jsonl, .jsonl.gz, .txt, directories of them, or - for JSONL on "
                                   "stdin) and write KB_DIR/facts.jsonl, documents.jsonl, errors.jsonl, manifest.json. "
                                   "Bad records go to errors.jsonl with file and line; so do documents whose id an "
                                   "earlier document of the run has (the first one is kept). Documents already in "
                                   "KB_DIR with the same id and text, extracted with the same code, patterns, models "
                                   "and settings, are not extracted again.",
                       epilog="Examples: python -m pipeline extract articles.jsonl.gz more/ --out kb/ ; "
                              "python -m pipeline extract articles.jsonl --out kb/ --models retrained/ "
                              "(models written by: python -m pipeline train ... --out retrained/)")
    e.add_argument("inputs", nargs="+", metavar="INPUT", help="input files or directories; - reads JSONL from stdin")
    e.add_argument("--out", required=True, metavar="KB_DIR", help="output KB directory")
    e.add_argument("--strict", action="store_true",
                   help="exit non-zero when any input record was bad or a duplicate id (the KB is written all the same)")
    e.add_argument("--shortcoming-threshold", type=float, default=None, metavar="X",
                   help="probability above which a sentence is a shortcoming (default: the model card's threshold; "
                        "not with --no-models)")
    e.add_argument("--patterns", default=None, metavar="DIR", help="pattern directory (default: the bundled patterns/)")
    m = e.add_mutually_exclusive_group()
    m.add_argument("--models", default=None, metavar="DIR",
                   help="trained models to use: a directory holding shortcoming.skops and topic.skops (with their "
                        ".json cards), as written by `python -m pipeline train ... --out DIR` (default: the bundled "
                        "models/, or the lexicon when there are none); changing the models re-extracts a resumed KB")
    m.add_argument("--no-models", action="store_true",
                   help="use the cue-lexicon baseline for shortcomings and topics instead of trained models")
    e.add_argument("--quiet", action="store_true", help="print nothing but errors (no progress, no summary)")
    e.add_argument("--workers", type=int, default=None, metavar="N",
                   help="local worker processes (default 1; 0 = all cores); the output is the same for any N. "
                        "With --dask local: the cluster's workers (default all cores); with a scheduler "
                        "address: wait for N workers before starting")
    e.add_argument("--dask", default=None, metavar="ADDRESS",
                   help="run on a Dask cluster: a scheduler address (tcp://host:8786) or 'local' for a "
                        "LocalCluster of single-threaded worker processes; needs pip install '.[dask]'")
    e.add_argument("--force", action="store_true",
                   help="redo every document (default: skip documents already in KB_DIR with the same id and text)")
    e.add_argument("--log-interval", type=float, default=10.0, metavar="SECONDS",
                   help="seconds between progress lines when stderr is not a terminal (default 10)")
    e.set_defaults(func=_extract)

    v = sub.add_parser("evaluate", help="score a KB against a gold file",
                       description="Score KB_DIR against GOLD.jsonl as the annotation guidelines say: P/R/F1 per "
                                   "type and micro, qualifier/issued/topic/metadata accuracy, misses and spurious facts.",
                       epilog="Example: python -m pipeline evaluate --gold corpus/samples/gold.jsonl --kb kb/ --json")
    v.add_argument("--gold", required=True, help="gold file (JSONL, gold format)")
    v.add_argument("--kb", required=True, help="KB directory written by extract")
    v.add_argument("--json", action="store_true", help="print the full report as JSON")
    v.add_argument("--max-errors", type=int, default=50, help="misses/spurious listed (default 50; -1 for all)")
    v.set_defaults(func=_evaluate)
    for add_commands in _command_groups():
        add_commands(sub)
    return p


def _command_groups():
    """Subcommand groups defined beside their features (each module's ``add_commands(subparsers)``)."""
    groups = []
    # each feature module registers its own subcommands here, one line each
    from .review.cli import add_commands as _review; groups.append(_review)
    from .bench import add_commands as _bench; groups.append(_bench)
    from .train import add_commands as _train; groups.append(_train)
    return groups


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except (PipelineError, ValueError, FileNotFoundError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted: nothing was written to the KB (it is only replaced when a run completes).", file=sys.stderr)
        return 130
