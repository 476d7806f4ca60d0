"""KB writing and loading into pandas."""
import json

import pandas as pd
import pytest

import pipeline
from pipeline.run import run_extract


@pytest.fixture
def kb(tmp_path):
    inp = tmp_path / "in.jsonl"
    rows = [
        {"id": "d1", "text": "UBND huyện Tuy Đức, tỉnh Đắk Nông cho biết tỷ lệ đạt 85,5%; có 12/12 xã và 64 tài khoản. "
                             "Theo Quyết định số 12/QĐ-UBND ngày 5/3/2023 của UBND tỉnh. Kinh phí 2,5 tỷ đồng. "
                             "Việc sử dụng chữ ký số còn nhiều hạn chế."},
        {"id": "d2", "text": ""},
    ]
    inp.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "kb"
    run_extract([str(inp)], str(out), quiet=True)
    return out


def test_kb_load_dtypes(kb):
    facts, docs = pipeline.kb.load(kb)
    assert set(facts["type"].cat.categories) == set(pipeline.FACT_TYPES)
    assert facts["start"].dtype == "int64" and facts["value"].dtype == "float64"
    assert str(facts["issued"].dtype).startswith("datetime64")
    assert facts.loc[facts["type"] == "legal_ref", "issued"].iloc[0] == pd.Timestamp("2023-03-05")
    assert list(docs["id"]) == ["d1", "d2"]
    assert docs.loc[docs["id"] == "d2", "n_percentage"].iloc[0] == 0
    facts2, docs2 = pipeline.kb.load(kb, with_text=True)
    assert docs2.loc[docs2["id"] == "d2", "text"].iloc[0] == ""


def test_kb_empty_text_is_a_document_without_facts(kb):
    docs = [json.loads(l) for l in (kb / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    d2 = next(d for d in docs if d["id"] == "d2")
    assert sum(d2["fact_counts"].values()) == 0


def test_kb_load_missing_dir_says_how_to_build(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m pipeline extract"):
        pipeline.kb.load(tmp_path / "nothing")


def test_kb_api_extract_many_and_to_dict():
    docs = list(pipeline.extract_many([{"id": "a", "text": "Đạt 50%."}, "Có 3 xã.", pipeline.Document("c", "")]))
    assert [d.id for d in docs] == ["a", "1", "c"]
    d = docs[0].to_dict()
    assert d["id"] == "a" and d["fact_counts"]["percentage"] == 1
    assert docs[0].facts_dicts()[0]["doc_id"] == "a"
