"""The review app's HTTP API: every action, errors, concurrency, crash, token and host checks."""
from __future__ import annotations

import json
import threading

import pytest
from fastapi.testclient import TestClient

from pipeline.cli import main
from pipeline.review.app import STATIC, check_bind, create_app
from pipeline.review.routes import get_store
from pipeline.review.store import ReviewError, ReviewStore

try:
    from test_review_store import DOCS, fid, make_kb
except ImportError:  # tests run as a package
    from tests.test_review_store import DOCS, fid, make_kb


def make_client(store, **kw) -> TestClient:
    app = create_app(**kw)
    app.dependency_overrides[get_store] = lambda: store
    return TestClient(app)


@pytest.fixture
def kb(tmp_path):
    return make_kb(tmp_path / "kb")


@pytest.fixture
def client(kb):
    with make_client(ReviewStore(kb, reviewer="tester")) as c:
        yield c


def post(c, **body):
    return c.post("/api/actions", json=body)


def log(kb) -> list:
    return [json.loads(x) for x in (kb / "corrections.jsonl").read_text(encoding="utf-8").splitlines()]


def test_api_queue_filters_sorts_and_counts(client):
    r = client.get("/api/docs").json()
    assert r["total"] == 3 and r["progress"] == {**r["progress"], "done": 0, "total": 3}
    assert [d["id"] for d in r["docs"]] == ["d2", "d1", "d3"]          # lowest confidence first
    assert r["provinces"] == ["Lâm Đồng", "Đắk Nông"]
    assert [d["id"] for d in client.get("/api/docs?type=money").json()["docs"]] == ["d2"]
    assert [d["id"] for d in client.get("/api/docs?topic=email").json()["docs"]] == ["d1"]
    assert {d["id"] for d in client.get("/api/docs?province=Lâm Đồng").json()["docs"]} == {"d2", "d3"}
    post(client, action="done", doc_id="d3")
    assert [d["id"] for d in client.get("/api/docs?status=done").json()["docs"]] == ["d3"]
    assert {d["id"] for d in client.get("/api/docs?status=open").json()["docs"]} == {"d1", "d2"}
    assert client.get("/api/docs?sort=order").json()["docs"][0]["id"] == "d1"
    assert client.get("/api/info").json()["progress"]["done"] == 1


def test_api_document_view_has_text_sentences_and_facts(client):
    d = client.get("/api/doc", params={"id": "d1"}).json()
    assert d["text"] == DOCS[0][1]
    assert len(d["sentences"]) == 3 and d["sentences"][0][0] == 0
    assert [f["type"] for f in d["facts"]][:2] == ["percentage", "ratio"]
    assert all(f["status"] == "unreviewed" and f["rev"] is None for f in d["facts"])


def test_api_every_action_is_logged_and_applied(client, kb):
    text = DOCS[0][1]
    r = post(client, action="accept", doc_id="d1", fact_id=fid("d1", "percentage", "85,5%"), reviewer="lan")
    assert r.status_code == 200 and r.json()["record"]["action"] == "accept"
    assert post(client, action="reject", doc_id="d1", fact_id=fid("d1", "count", "139")).status_code == 200
    r = post(client, action="edit", doc_id="d1", fact_id=fid("d1", "percentage", "50%"),
             fields={"value": "49,5", "qualifier": "about"})
    assert r.status_code == 200
    sc = fid("d1", "shortcoming", "Tỷ lệ sử dụng thư điện tử còn thấp, chưa đạt 50%.")
    assert post(client, action="span", doc_id="d1", fact_id=sc, start=text.index("Tỷ lệ sử dụng"),
                end=len(text) - 1).status_code == 200
    s = text.index("2023")
    r = post(client, action="add", doc_id="d1", type="count", start=s, end=s + 4, fields={"unit": "năm"})
    assert r.status_code == 200 and r.json()["record"]["fact_id"] == f"d1:count:{s}-{s + 4}"
    r = post(client, action="done", doc_id="d1")
    assert r.status_code == 200 and r.json()["document"]["done"]["reviewer"] == "tester"
    facts = {f["key"]: f for f in r.json()["document"]["facts"]}
    assert facts[fid("d1", "percentage", "85,5%")]["status"] == "accepted"
    assert facts[fid("d1", "count", "139")]["status"] == "rejected"
    assert facts[fid("d1", "percentage", "50%")]["value"] == 49.5
    assert facts[sc]["end"] == len(text) - 1
    assert facts[f"d1:count:{s}-{s + 4}"]["status"] == "added"
    assert [x["action"] for x in log(kb)] == ["accept", "reject", "edit", "span", "add", "done"]
    assert log(kb)[0]["reviewer"] == "lan" and log(kb)[1]["reviewer"] == "tester"


def test_api_undo_appends_an_undo_record(client, kb):
    f = fid("d2", "money", "2,5 tỷ đồng")
    post(client, action="reject", doc_id="d2", fact_id=f, reviewer="lan")
    r = client.post("/api/undo", json={"reviewer": "lan"})
    assert r.status_code == 200
    assert {x["key"]: x for x in r.json()["document"]["facts"]}[f]["status"] == "unreviewed"
    assert [x["action"] for x in log(kb)] == ["reject", "undo"] and log(kb)[1]["target"] == log(kb)[0]["id"]
    assert client.post("/api/undo", json={"reviewer": "lan"}).status_code == 404   # nothing left to undo


def test_api_errors_speak_to_people(client):
    r = post(client, action="accept", doc_id="d1", fact_id="d1:count:0-1")
    assert r.status_code == 404 and "unknown fact 'd1:count:0-1'" in r.json()["detail"]
    r = client.get("/api/doc", params={"id": "nope"})
    assert r.status_code == 404 and "unknown document" in r.json()["detail"]
    r = post(client, action="edit", doc_id="d1", fact_id=fid("d1", "count", "139"), fields={"topic": "sport"})
    assert r.status_code == 422 and "topic 'sport' is not one of" in r.json()["detail"]
    assert post(client, action="explode", doc_id="d1").status_code == 422
    r = post(client, action="span", doc_id="d1", fact_id=fid("d1", "count", "139"), start=3, end=2)
    assert r.status_code == 422


def test_api_stale_base_gets_409_and_writes_nothing(kb):
    store = ReviewStore(kb)
    with make_client(store) as tab1, make_client(ReviewStore(kb)) as tab2:
        f = fid("d1", "ratio", "12/12")
        base = {x["key"]: x for x in tab2.get("/api/doc", params={"id": "d1"}).json()["facts"]}[f]["rev"]
        assert post(tab1, action="edit", doc_id="d1", fact_id=f, fields={"unit": "xã"}, base=base).status_code == 200
        r = post(tab2, action="reject", doc_id="d1", fact_id=f, base=base)
        assert r.status_code == 409 and "reload" in r.json()["detail"]
        assert len(log(kb)) == 1
        r = post(tab2, action="reject", doc_id="d1", fact_id=f)      # no base: last writer wins
        assert r.status_code == 200
    assert ReviewStore(kb).state().resolve("d1", f)["status"] == "rejected"


def test_api_two_reviewers_at_once_never_overwrite_each_other(kb):
    clients = [make_client(ReviewStore(kb)) for _ in range(2)]
    targets = [("d1", fid("d1", "count", "139")), ("d2", fid("d2", "count", "3"))]
    errors = []

    def work(i):
        doc, f = targets[i]
        for j in range(15):
            r = post(clients[i], action="edit", doc_id=doc, fact_id=f, fields={"unit": f"r{i}-{j}"}, reviewer=f"r{i}")
            if r.status_code != 200:
                errors.append(r.text)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(log(kb)) == 30
    st = ReviewStore(kb).state()
    assert st.resolve(*targets[0])["fact"]["unit"] == "r0-14" and st.resolve(*targets[1])["fact"]["unit"] == "r1-14"


def test_api_crash_between_actions_keeps_acknowledged_state(kb):
    with make_client(ReviewStore(kb)) as c:
        assert post(c, action="accept", doc_id="d3", fact_id=fid("d3", "count", "580")).status_code == 200
    with open(kb / "corrections.jsonl", "ab") as fh:     # the server died while writing the next one
        fh.write(b'{"id": "partial", "action": "reje')
    with make_client(ReviewStore(kb)) as c:               # restart
        info = c.get("/api/info").json()
        assert info["progress"]["log_problems"][0]["line"] == 2
        d = c.get("/api/doc", params={"id": "d3"}).json()
        assert d["facts"][0]["status"] == "accepted"
        assert post(c, action="done", doc_id="d3").status_code == 200
    assert [x["action"] for x in ReviewStore(kb).records()] == ["accept", "done"]


def test_api_token_required_when_set(kb):
    with make_client(ReviewStore(kb), token="s3cret") as c:
        r = c.get("/api/info")
        assert r.status_code == 401 and "token" in r.json()["detail"]
        assert c.get("/").status_code == 401
        assert c.get("/api/info", headers={"X-Review-Token": "s3cret"}).status_code == 200
        assert c.get("/api/info", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/api/info", headers={"X-Review-Token": "wrong"}).status_code == 401
        r = c.get("/?token=s3cret")                       # first load sets the cookie
        assert r.status_code == 200 and "review_token" in r.headers.get("set-cookie", "")
        assert c.get("/api/info").status_code == 200      # the cookie is enough afterwards
        assert post(c, action="done", doc_id="d1").status_code == 200


def test_api_public_host_needs_token(kb, capsys):
    with pytest.raises(ReviewError, match="--token"):
        check_bind("0.0.0.0", None)
    check_bind("0.0.0.0", "s3cret")
    check_bind("127.0.0.1", None)
    assert main(["review", str(kb), "--host", "0.0.0.0", "--token", ""]) == 1
    assert "Error: binding to 0.0.0.0" in capsys.readouterr().err
    assert main(["review", str(kb.parent / "missing")]) == 1
    assert "Error: " in capsys.readouterr().err


def test_api_local_mode_checks_host_and_json(kb):
    with make_client(ReviewStore(kb), allowed_hosts=("127.0.0.1", "localhost")) as c:
        assert c.get("/api/info", headers={"Host": "evil.example:8765"}).status_code == 400
        assert c.get("/api/info", headers={"Host": "127.0.0.1:8765"}).status_code == 200
        r = c.post("/api/actions", content="action=done&doc_id=d1", headers={
            "Host": "127.0.0.1", "Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 415                       # no cross-site form posts


def test_api_serves_the_page_offline_with_csp(client):
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "script-src 'self'" in r.headers["content-security-policy"]
    for name in ("index.html", "app.js", "app.css"):
        body = (STATIC / name).read_text(encoding="utf-8")
        assert "http://" not in body and "https://" not in body, f"{name} must not load anything from the network"
        assert client.get(f"/static/{name}" if name != "index.html" else "/").status_code == 200
    js = (STATIC / "app.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in js, f"app.js must build the DOM from text, not {sink}"
