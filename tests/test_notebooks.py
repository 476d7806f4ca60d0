"""The notebooks run top to bottom on the sample KB (and on a KB with next to nothing in it), and are committed stripped.

Each notebook is executed with nbclient in a ``python3`` kernel (ipykernel from
this environment), with ``notebooks/`` as working directory and the parameter
environment variables (``KB_DIR``, ``GOLD_PATH``, ``EXPORT_DIR``) pointing at
temporary files; any cell error fails the test.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebooks extra is not installed (pip install -e '.[notebooks]')")
nbclient = pytest.importorskip("nbclient", reason="the notebooks extra is not installed (pip install -e '.[notebooks]')")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SAMPLES = ROOT / "corpus" / "samples"
GOLD = SAMPLES / "gold.jsonl"
NAMES = ("explore", "evaluate")
#: Minimum number of figures each notebook draws on the sample KB.
MIN_FIGURES = {"explore": 3, "evaluate": 2}


def _kernel_available() -> bool:
    try:
        from jupyter_client.kernelspec import KernelSpecManager
        KernelSpecManager().get_kernel_spec("python3")
        import ipykernel  # noqa: F401
    except Exception:
        return False
    return True


needs_kernel = pytest.mark.skipif(not _kernel_available(),
                                  reason="no python3 Jupyter kernel: pip install ipykernel into this environment")
needs_samples = pytest.mark.skipif(not GOLD.exists(), reason=f"{GOLD.relative_to(ROOT)} does not exist yet")


@pytest.fixture(scope="module")
def sample_kb(tmp_path_factory):
    """The KB `make run` builds, in a temporary directory."""
    if not GOLD.exists():
        pytest.skip(f"{GOLD.relative_to(ROOT)} does not exist yet")
    from pipeline.run import run_extract
    out = tmp_path_factory.mktemp("sample") / "kb"
    summary = run_extract([str(SAMPLES)], str(out), quiet=True)
    assert summary["documents"] > 0
    return out


@pytest.fixture(scope="module")
def bare_kb(tmp_path_factory):
    """A KB of two short hand-written texts: no place, no date, no shortcoming, hardly a fact."""
    from pipeline.run import run_extract
    src = tmp_path_factory.mktemp("bare-src")
    (src / "a.txt").write_text("Bản tin ngắn\nHôm nay không có số liệu nào.\n", encoding="utf-8")
    (src / "b.txt").write_text("Tỷ lệ hồ sơ trực tuyến đạt 50%.\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("bare") / "kb"
    run_extract([str(src)], str(out), quiet=True)
    return out


def execute(name: str, env: dict, monkeypatch):
    """Run notebooks/<name>.ipynb in a fresh kernel; returns the executed notebook."""
    for key, value in env.items():
        monkeypatch.setenv(key, str(value))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=120, startup_timeout=60,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError (with the cell and traceback) when a cell fails
    return nb


def outputs(nb, mime: str) -> list:
    return [o["data"][mime] for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if mime in o.get("data", {})]


@needs_kernel
@needs_samples
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_on_the_sample_kb(name, sample_kb, tmp_path, monkeypatch):
    nb = execute(name, {"KB_DIR": sample_kb, "GOLD_PATH": GOLD, "EXPORT_DIR": tmp_path}, monkeypatch)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    assert len(outputs(nb, "image/png")) >= MIN_FIGURES[name]
    if name == "explore":
        assert any('class="fact-doc"' in h for h in outputs(nb, "text/html"))
        assert list(tmp_path.glob("*.html")), "save_html wrote nothing to EXPORT_DIR"


@needs_kernel
@needs_samples
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_on_a_nearly_empty_kb(name, bare_kb, tmp_path, monkeypatch):
    execute(name, {"KB_DIR": bare_kb, "GOLD_PATH": GOLD, "EXPORT_DIR": tmp_path}, monkeypatch)


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_is_stripped(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    for i, cell in enumerate(nb.cells):
        assert "execution" not in cell.get("metadata", {}), f"cell {i} keeps execution timings"
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} has outputs: clear them before committing (see docs/notebooks.md)"
            assert cell.execution_count is None, f"cell {i} has an execution count"


@pytest.mark.parametrize("name", NAMES)
def test_parameter_cell_defaults_to_the_make_run_kb(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    params = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1 and params[0].cell_type == "code"
    assert 'KB_DIR = os.environ.get("KB_DIR", "../kb")' in params[0].source
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code is params[0]
