"""Quality floors on the real dev articles (../shared; skipped when absent)."""
import json

import pytest

from pipeline.evaluate import evaluate
from pipeline.run import run_extract


@pytest.fixture(scope="module")
def dev_report(tmp_path_factory, request):
    from conftest import DEV_GOLD
    if not DEV_GOLD.exists():
        pytest.skip(f"{DEV_GOLD} is absent (it ships beside the project in CI only)")
    tmp = tmp_path_factory.mktemp("dev")
    inp = tmp / "in.jsonl"
    with open(DEV_GOLD, encoding="utf-8") as src, open(inp, "w", encoding="utf-8") as dst:
        for line in src:
            d = json.loads(line)
            dst.write(json.dumps({"id": d["id"], "text": d["text"]}, ensure_ascii=False) + "\n")
    run_extract([str(inp)], str(tmp / "kb"), quiet=True)
    return evaluate(DEV_GOLD, tmp / "kb")


def test_dev_numeric_legal_f1(dev_report):
    assert dev_report["micro_numeric_legal"]["f1"] >= 0.95


def test_dev_qualifier_and_issued(dev_report):
    assert dev_report["qualifier_accuracy"]["accuracy"] >= 0.95
    assert dev_report["issued_accuracy"]["accuracy"] >= 0.95


@pytest.mark.parametrize("field", ["published", "province", "district"])
def test_dev_metadata(dev_report, field):
    assert dev_report["metadata_accuracy"][field]["accuracy"] >= 0.90
