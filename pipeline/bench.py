"""``python -m pipeline bench``: throughput and memory of ``extract`` against bare word segmentation.

On the same N documents (default: the first 2000 of
``../shared/corpus/bench/vn-news.jsonl``; any JSONL with ``text`` works) it
measures, each in a fresh process:

(a) the full ``extract`` (``--workers 1``, and ``--workers N`` when asked),
(b) bare underthesea ``word_tokenize`` over every non-blank line of the texts,

and prints docs/s of each, the ratio (a)/(b), the speed-up of N workers and
the peak RSS (resident memory) of every run. Start-up (imports, pattern
compilation, model loading) is excluded from docs/s and reported apart.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = _ROOT.parent / "shared" / "corpus" / "bench" / "vn-news.jsonl"


def add_commands(subparsers) -> None:
    """Register ``bench`` (called from :func:`pipeline.cli._command_groups`)."""
    b = subparsers.add_parser(
        "bench", help="measure extract throughput (docs/s), the ratio to bare word_tokenize, and peak RSS",
        description="Run the full extract and bare underthesea word_tokenize on the same N documents, each in a "
                    "fresh process, and print docs/s, the ratio, the speed-up of --workers N and peak RSS.",
        epilog="Example: python -m pipeline bench --docs 2000 --workers 2")
    b.add_argument("--docs", type=int, default=2000, metavar="N", help="documents to use (default 2000)")
    b.add_argument("--workers", type=int, default=1, metavar="N",
                   help="also run extract with N worker processes and report the speed-up (0 = all cores)")
    b.add_argument("--input", default=None, metavar="FILE",
                   help=f"JSONL with 'text' (default: {DEFAULT_INPUT}); documents are repeated (new ids) "
                        "when N is larger than the file")
    b.add_argument("--no-baseline", action="store_true", help="skip (b), bare word_tokenize (slow: ~70 docs/s)")
    b.add_argument("--json", action="store_true", help="print the figures as JSON")
    b.add_argument("--keep", default=None, metavar="DIR", help="keep the input sample and the KBs in DIR")
    b.set_defaults(func=_bench_command)


def _bench_command(args) -> int:
    res = run_bench(docs=args.docs, workers=args.workers, input_path=args.input,
                    baseline=not args.no_baseline, keep=args.keep, log=None if args.json else _log)
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=2))
    else:
        print(format_report(res))
    return 0


def _log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the measurements
def machine() -> dict:
    """Cores, memory and CPU model of this machine."""
    info = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    if hasattr(os, "sched_getaffinity"):
        info["nproc"] = len(os.sched_getaffinity(0))
    try:
        import psutil
        info["memory_gib"] = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:  # pragma: no cover
        pass
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:  # pragma: no cover
        pass
    if hasattr(os, "getloadavg"):
        info["load_average_at_start"] = round(os.getloadavg()[0], 2)
    return info


def make_sample(src: Path, n: int, dest: Path) -> dict:
    """The first ``n`` documents of ``src`` in ``dest`` (repeated with new ids when ``src`` is shorter)."""
    written = nbytes = 0
    rounds = 0
    with open(dest, "w", encoding="utf-8") as out:
        while written < n:
            rounds += 1
            got = 0
            with open(src, encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    if written >= n:
                        break
                    if not line.strip():
                        continue
                    if rounds > 1:
                        try:
                            rec = json.loads(line)
                        except ValueError:
                            continue
                        rec["id"] = f"{rec.get('id', got)}#{rounds}"
                        line = json.dumps(rec, ensure_ascii=False) + "\n"
                    out.write(line)
                    nbytes += len(line.encode("utf-8"))
                    written += 1
                    got += 1
            if not got:
                raise ValueError(f"{src} has no documents")
    return {"docs": written, "bytes": nbytes, "repeated": rounds > 1}


def _measure(cmd, env=None) -> dict:
    """Run ``cmd``; wall time and peak RSS (largest process, and sum over the process tree)."""
    import psutil
    busy0, own0 = _busy_cpu(), _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    ps = psutil.Process(proc.pid)
    peak_sum = peak_one = 0
    while proc.poll() is None:
        try:
            procs = [ps] + ps.children(recursive=True)
            rss = []
            for p in procs:
                try:
                    rss.append(p.memory_info().rss)
                except psutil.Error:
                    pass
            if rss:
                peak_sum = max(peak_sum, sum(rss))
                peak_one = max(peak_one, max(rss))
        except psutil.Error:
            pass
        time.sleep(0.05)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    other = None
    if busy0 is not None and own0 is not None:
        # CPU time the rest of the machine used meanwhile, as a share of all cores
        other = max(0.0, (_busy_cpu() - busy0) - (_children_cpu() - own0)) / (wall * (os.cpu_count() or 1))
    if proc.returncode:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{err.decode(errors='replace')[-2000:]}")
    return {"wall_s": round(wall, 3), "other_cpu_share": None if other is None else round(other, 3),
            "peak_rss_mb": round(peak_one / 2**20, 1),
            "peak_rss_tree_mb": round(peak_sum / 2**20, 1), "stdout": out.decode("utf-8", "replace")}


def _busy_cpu():
    """CPU seconds all cores spent busy since boot (None without psutil)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover
        return None
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def _children_cpu():
    try:
        import resource
    except ImportError:  # pragma: no cover
        return None
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _extract_run(sample: Path, kb: Path, workers: int) -> dict:
    cmd = [sys.executable, "-m", "pipeline", "extract", str(sample), "--out", str(kb), "--quiet", "--force",
           "--workers", str(workers)]
    m = _measure(cmd, env=_env())
    man = json.loads((kb / "manifest.json").read_text(encoding="utf-8"))
    t = man.get("timings", {})
    secs = t.get("extract") or man.get("elapsed_seconds")
    if man.get("peak_rss_mb"):   # the process's own getrusage peak (polling may miss a short one)
        m["peak_rss_mb"] = max(m["peak_rss_mb"], man["peak_rss_mb"])
    m.update(docs=man["documents"], seconds=secs, docs_per_s=round(man["processed"] / secs, 1),
             startup_s=round(t.get("load", 0.0), 2), merge_s=t.get("merge"),
             facts=sum(man["facts"].values()), errors=man["errors"])
    m.pop("stdout", None)
    return m


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def baseline_main(path: str) -> None:
    """(b): word_tokenize over every non-blank line of every text of ``path``; prints JSON."""
    from underthesea import word_tokenize
    word_tokenize("Khởi động bộ tách từ.")   # load the model before timing
    n = lines = 0
    t0 = time.perf_counter()
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            try:
                text = json.loads(raw).get("text") or ""
            except ValueError:
                continue
            for line in text.splitlines():
                if line.strip():
                    word_tokenize(line)
                    lines += 1
            n += 1
    secs = time.perf_counter() - t0
    print(json.dumps({"docs": n, "lines": lines, "seconds": round(secs, 3), "self_peak_rss_mb": _self_peak_mb()}))


def _self_peak_mb():
    try:
        import resource
    except ImportError:  # pragma: no cover
        return None
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)   # KiB on Linux


def _baseline_run(sample: Path) -> dict:
    cmd = [sys.executable, "-c", f"from pipeline.bench import baseline_main; baseline_main({str(sample)!r})"]
    m = _measure(cmd, env=_env())
    res = json.loads(m.pop("stdout").strip().splitlines()[-1])
    m.update(res, docs_per_s=round(res["docs"] / res["seconds"], 1))
    if res.get("self_peak_rss_mb"):
        m["peak_rss_mb"] = max(m["peak_rss_mb"], res["self_peak_rss_mb"])
    return m


def run_bench(docs: int = 2000, workers: int = 1, input_path=None, baseline: bool = True, keep=None, log=None) -> dict:
    """Run the benchmark; returns the figures (see the module docstring)."""
    from .parallel import resolve_workers
    src = Path(input_path) if input_path else DEFAULT_INPUT
    if not src.exists():
        raise FileNotFoundError(f"{src} not found; give a JSONL file with --input")
    workers = resolve_workers(workers)
    tmp = tempfile.TemporaryDirectory(prefix="pipeline-bench-") if keep is None else None
    work = Path(keep) if keep else Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    log = log or (lambda m: None)
    try:
        sample = work / "sample.jsonl"
        res = {"machine": machine(), "input": str(src), "sample": make_sample(src, docs, sample)}
        log(f"bench: {res['sample']['docs']} documents ({res['sample']['bytes'] / 2**20:.1f} MB) of {src.name}")
        log("(a) extract, 1 process ...")
        res["extract"] = _extract_run(sample, work / "kb-1", 1)
        if workers > 1:
            log(f"(a) extract, {workers} workers ...")
            res[f"extract_workers_{workers}"] = r = _extract_run(sample, work / f"kb-{workers}", workers)
            r["speedup"] = round(r["docs_per_s"] / res["extract"]["docs_per_s"], 2)
            res["workers"] = workers
        if baseline:
            log("(b) bare word_tokenize ...")
            res["word_tokenize"] = _baseline_run(sample)
            res["ratio"] = round(res["extract"]["docs_per_s"] / res["word_tokenize"]["docs_per_s"], 2)
        return res
    finally:
        if tmp is not None:
            tmp.cleanup()


def format_report(res: dict) -> str:
    m = res["machine"]
    s = res["sample"]
    lines = [f"bench: {s['docs']} documents ({s['bytes'] / 2**20:.1f} MB) of {res['input']}"
             + (" (repeated with new ids)" if s.get("repeated") else ""),
             f"machine: {m.get('nproc')} cores, {m.get('cpu', '?')}, {m.get('memory_gib', '?')} GiB, "
             f"Python {m.get('python')}; load average at start {m.get('load_average_at_start', '?')}"]
    a = res["extract"]
    lines.append(f"(a) full extract, 1 process : {a['docs_per_s']:8.1f} docs/s  ({a['seconds']:.2f} s; start-up "
                 f"{a['startup_s']:.1f} s, wall {a['wall_s']:.1f} s)  peak RSS {a['peak_rss_mb']:.0f} MB")
    w = res.get("workers")
    if w:
        r = res[f"extract_workers_{w}"]
        lines.append(f"(a) full extract, {w} workers : {r['docs_per_s']:8.1f} docs/s  ({r['seconds']:.2f} s)  "
                     f"speed-up {r['speedup']:.2f}x  peak RSS {r['peak_rss_mb']:.0f} MB per process, "
                     f"{r['peak_rss_tree_mb']:.0f} MB summed over processes")
    if "word_tokenize" in res:
        b = res["word_tokenize"]
        lines.append(f"(b) bare word_tokenize      : {b['docs_per_s']:8.1f} docs/s  ({b['seconds']:.2f} s, "
                     f"{b['lines']} lines)  peak RSS {b['peak_rss_mb']:.0f} MB")
        lines.append(f"ratio (a)/(b): {res['ratio']:.2f}x (target >= 5x)")
    busy = [r.get("other_cpu_share") for r in res.values() if isinstance(r, dict)]
    busy = [x for x in busy if x is not None and x > 0.1]
    if busy:
        lines.append(f"note: other processes used up to {100 * max(busy):.0f}% of the machine's CPU during a run: "
                     "docs/s, and above all the speed-up of workers, are understated; re-run on an idle machine")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    import argparse
    p = argparse.ArgumentParser(prog="python -m pipeline.bench")
    add_commands(p.add_subparsers(dest="cmd"))
    a = p.parse_args(["bench"] + sys.argv[1:])
    sys.exit(a.func(a))
