// KB review: the queue and the document view. Plain DOM; text is only ever set as text
// (createTextNode / textContent), never parsed as HTML, so article content stays inert.
"use strict";

const TYPE_KEYS = ["percentage", "ratio", "count", "money", "legal_ref", "shortcoming"];
const S = { info: null, doc: null, sel: null, queue: [], f: {}, chain: Promise.resolve(), clickCycle: null };
const $ = (q) => document.querySelector(q);

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "value") el.value = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of kids.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const kbd = (k) => h("kbd", null, k);

async function api(method, path, body) {
  const opt = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) { opt.headers["Content-Type"] = "application/json"; opt.body = JSON.stringify(body); }
  const r = await fetch(path, opt);
  const data = await r.json().catch(() => ({}));
  if (!r.ok) {
    const e = new Error(typeof data.detail === "string" ? data.detail : (r.status + " " + r.statusText));
    e.status = r.status; throw e;
  }
  return data;
}

// one action at a time, in order; errors become a message
function run(fn) {
  S.chain = S.chain.then(fn).catch((e) => toast(e.message || String(e), true));
  return S.chain;
}

let toastTimer = null;
function toast(msg, err) {
  const t = $("#toast");
  t.textContent = msg;
  t.className = "show" + (err ? " err" : "");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.className = ""; }, err ? 5000 : 1800);
}

function reviewer() { return ($("#reviewer").value || "").trim() || (S.info && S.info.reviewer) || "reviewer"; }

function setProgress(p) {
  if (!p) return;
  $("#progress").max = Math.max(1, p.total);
  $("#progress").value = p.done;
  let text = `${p.done} / ${p.total} documents done · ${p.facts_reviewed} / ${p.facts_total} facts reviewed`;
  if (p.orphaned) text += ` · ${p.orphaned} orphaned corrections`;
  if (p.log_problems && p.log_problems.length) text += ` · ${p.log_problems.length} bad log line(s) skipped`;
  $("#progress-text").textContent = text;
}

// ------------------------------------------------------------------ queue
const FILTERS = ["type", "topic", "province", "status", "sort", "q"];

function select(name, label, options, all) {
  const s = h("select", { id: "f-" + name, "aria-label": label,
    onchange: () => { S.f[name] = s.value; saveFilters(); loadQueue(); } },
    all ? h("option", { value: "" }, all) : null,
    options.map(([v, t]) => h("option", { value: v }, t)));
  s.value = S.f[name] || (all ? "" : options[0][0]);
  return s;
}
function saveFilters() { localStorage.setItem("review.filters", JSON.stringify(S.f)); }

function showQueue() {
  S.doc = null;
  const info = S.info;
  const q = h("input", { id: "f-q", placeholder: "search id or title", value: S.f.q || "",
    oninput: () => { S.f.q = q.value; saveFilters(); clearTimeout(q._t); q._t = setTimeout(loadQueue, 250); } });
  const bar = h("div", { class: "filters" },
    select("type", "fact type", info.types.map((t) => [t, t]), "all types"),
    select("topic", "topic", info.topics.map((t) => [t, t]), "all topics"),
    select("province", "province", [], "all provinces"),
    select("status", "review status", [["open", "not done"], ["todo", "to do"], ["in_progress", "in progress"], ["done", "done"]], "any status"),
    h("label", { class: "muted" }, "sort ", select("sort", "sort", [["confidence", "lowest confidence first"], ["order", "input order"], ["facts", "most facts first"]])),
    q, h("span", { class: "muted", id: "qcount" }));
  $("#main").replaceChildren(bar, h("div", { id: "qwrap" }, h("p", { class: "muted" }, "Loading…")));
  return loadQueue();
}

async function loadQueue() {
  const p = new URLSearchParams();
  for (const k of FILTERS) if (S.f[k]) p.set(k, S.f[k]);
  const data = await api("GET", "/api/docs?" + p.toString());
  S.queue = data.docs.map((d) => d.id);
  setProgress(data.progress);
  const prov = $("#f-province");
  if (prov) {
    const keep = S.f.province || "";
    prov.replaceChildren(h("option", { value: "" }, "all provinces"), data.provinces.map((v) => h("option", { value: v }, v)));
    prov.value = keep;
  }
  $("#qcount").textContent = `${data.total} document(s)`;
  const rows = data.docs.map((d) => h("tr", { dataset: { id: d.id }, onclick: () => { location.hash = "#/doc/" + encodeURIComponent(d.id); } },
    h("td", null, h("span", { class: "badge " + d.status }, d.status.replace("_", " "))),
    h("td", null, h("div", null, d.title), h("div", { class: "muted" }, d.id, d.published ? " · " + d.published : "")),
    h("td", null, [d.province, d.district].filter(Boolean).join(" / ")),
    h("td", null, Object.entries(d.counts).map(([t, n]) => h("span", { class: "chip " + t }, `${t} ${n}`))),
    h("td", null, d.min_confidence === null ? "–" : d.min_confidence.toFixed(2)),
    h("td", null, `${d.n_reviewed} reviewed, ${d.n_todo} to do`)));
  const table = h("table", { class: "queue" },
    h("thead", null, h("tr", null, ["status", "document", "province", "facts", "min conf.", "reviewed"].map((x) => h("th", null, x)))),
    h("tbody", null, rows));
  $("#qwrap").replaceChildren(data.docs.length ? table : h("p", { class: "muted" }, "No document matches these filters."),
    h("p", { class: "muted" }, "Open a document: click it. Keys in a document: press ", kbd("?"), " for the list."));
}

// ------------------------------------------------------------------ document
async function openDoc(id, keepSel) {
  const d = await api("GET", "/api/doc?id=" + encodeURIComponent(id));
  showDoc(d, keepSel ? S.sel : null);
}

function showDoc(d, selKey) {
  d.cps = Array.from(d.text);   // offsets are Python code points, not UTF-16 units
  S.doc = d;
  const keys = d.facts.map((f) => f.key);
  if (selKey && keys.includes(selKey)) S.sel = selKey;
  else if (!S.sel || !keys.includes(S.sel)) {
    const todo = d.facts.find((f) => f.status === "unreviewed");
    S.sel = todo ? todo.key : (d.facts[0] ? d.facts[0].key : null);
  }
  renderDoc();
}

function cur() { return S.doc && S.doc.facts.find((f) => f.key === S.sel); }

function renderDoc() {
  const d = S.doc;
  const meta = d.meta || {};
  const head = h("div", { class: "dochead" },
    h("h2", null, meta.title || (d.text.split("\n").find((x) => x.trim()) || d.id).slice(0, 90)),
    h("span", { class: "muted" }, [d.id, meta.province, meta.district, meta.published].filter(Boolean).join(" · ")),
    d.done ? h("span", { class: "badge done" }, `done (${d.done.reviewer})`) : null);
  const legend = h("div", { class: "legend", "aria-label": "legend" },
    TYPE_KEYS.map((t, i) => h("span", { class: "chip " + t }, `${i + 1} ${t}`)),
    h("span", { class: "st un" }, "unreviewed"), h("span", { class: "st ok" }, "accepted / edited / added"),
    h("span", { class: "st no" }, "rejected"), h("span", { class: "muted" }, "▏ = sentence start"));
  const left = h("section", null, head, legend, renderText(d), keysBox());
  $("#main").replaceChildren(h("div", { class: "docview" }, left, renderPanel(d)));
  const sel = document.querySelector(".seg.sel, .seg.sel-sc");
  if (sel && sel.scrollIntoView) {
    const r = sel.getBoundingClientRect();
    if (r.top < 60 || r.bottom > window.innerHeight) sel.scrollIntoView({ block: "center" });
  }
}

function covering(a, b) {
  return S.doc.facts.filter((f) => f.start <= a && f.end >= b)
    .sort((x, y) => (x.type === "shortcoming") - (y.type === "shortcoming") || (x.end - x.start) - (y.end - y.start)
      || (x.status === "rejected") - (y.status === "rejected"));
}

function renderText(d) {
  const t = d.cps, n = t.length;
  const pts = new Set([0, n]);
  for (const [s, e] of d.sentences) { pts.add(s); pts.add(e); }
  for (const f of d.facts) { pts.add(f.start); pts.add(f.end); }
  const P = [...pts].filter((x) => x >= 0 && x <= n).sort((a, b) => a - b);
  const box = h("div", { class: "text", id: "text", lang: "vi" });
  const sel = cur();
  let si = 0, curSent = null;
  for (let i = 0; i < P.length - 1; i++) {
    const a = P[i], b = P[i + 1];
    while (si < d.sentences.length && d.sentences[si][1] <= a) si++;
    const inSent = si < d.sentences.length && d.sentences[si][0] <= a && b <= d.sentences[si][1];
    let parent = box;
    if (inSent) {
      if (!curSent || curSent.si !== si) {
        curSent = { si, el: h("span", { class: "sent", title: `sentence ${si + 1}`, dataset: { i: si } }) };
        box.append(curSent.el);
      }
      parent = curSent.el;
    } else curSent = null;
    const seg = h("span", { class: "seg", dataset: { start: a, end: b } }, t.slice(a, b).join(""));
    const cov = covering(a, b);
    const num = cov.find((f) => f.type !== "shortcoming");
    const sc = cov.find((f) => f.type === "shortcoming");
    if (num) seg.classList.add("f", num.type, num.status);
    if (sc) seg.classList.add("sc", sc.status === "rejected" ? "sc-rejected" : (sc.status === "unreviewed" ? "sc-un" : "sc-ok"));
    if (sel && cov.includes(sel)) seg.classList.add(sel.type === "shortcoming" ? "sel-sc" : "sel");
    parent.append(seg);
  }
  box.addEventListener("click", onTextClick);
  return box;
}

function onTextClick(ev) {
  const s = window.getSelection();
  if (s && !s.isCollapsed) return;   // selecting text to add a fact
  const seg = ev.target.closest(".seg");
  if (!seg) return;
  const cov = covering(+seg.dataset.start, +seg.dataset.end);
  if (!cov.length) return;
  const i = cov.findIndex((f) => f.key === S.sel);
  S.sel = cov[(i + 1) % cov.length].key;   // clicking again cycles through overlapping facts
  renderDoc();
}

function fieldInput(name, f) {
  const val = f[name] === undefined || f[name] === null ? "" : String(f[name]);
  const opts = name === "qualifier" ? S.info.qualifiers : name === "topic" ? S.info.topics : null;
  const attrs = { id: "fld-" + name, name, dataset: { orig: val }, onkeydown: formKey };
  if (opts) return withValue(h("select", attrs, h("option", { value: "" }, "—"), opts.map((o) => h("option", { value: o }, o))), val);
  return withValue(h("input", Object.assign(attrs, { autocomplete: "off", spellcheck: "false",
    placeholder: name === "issued" ? "YYYY-MM-DD" : "" })), val);
}
function withValue(el, v) { el.value = v; return el; }

function formKey(ev) {
  if (ev.key === "Enter") { ev.preventDefault(); saveEdits(); }
  else if (ev.key === "Escape") { ev.preventDefault(); ev.target.blur(); }
}

function renderPanel(d) {
  const f = cur();
  const factBox = h("div", { class: "box", id: "factbox" });
  if (!f) factBox.append(h("h3", null, "No fact selected"), h("p", { class: "muted" }, "Click a highlighted span, or select text to add a missed fact."));
  else {
    const fields = (S.info.type_fields[f.type] || []);
    factBox.append(
      h("h3", null, h("span", { class: "chip " + f.type }, f.type), " ",
        h("span", { class: "badge " + f.status, id: "fact-status" }, f.status),
        f.reviewer ? h("span", { class: "muted" }, ` by ${f.reviewer}`) : null),
      h("div", { class: "facttext", id: "fact-text" }, f.text),
      h("div", { class: "span-ctl" }, `span ${f.start}–${f.end}`,
        h("button", { type: "button", title: "start one character left ([)", onclick: () => moveSpan(-1, 0) }, "[ ◀"),
        h("button", { type: "button", title: "start one character right (])", onclick: () => moveSpan(1, 0) }, "▶ ]"),
        h("button", { type: "button", title: "end one character left ({)", onclick: () => moveSpan(0, -1) }, "{ ◀"),
        h("button", { type: "button", title: "end one character right (})", onclick: () => moveSpan(0, 1) }, "▶ }"),
        h("button", { type: "button", title: "use the selected text as the span (s)", onclick: spanFromSelection }, "= selection ", kbd("s"))),
      h("form", { class: "form", id: "fact-form", onsubmit: (e) => { e.preventDefault(); saveEdits(); } },
        fields.map((name) => [h("label", { for: "fld-" + name }, name), fieldInput(name, f)])),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "good", id: "btn-accept", onclick: () => act("accept") }, "✓ Accept ", kbd("a")),
        h("button", { type: "button", class: "bad", id: "btn-reject", onclick: () => act("reject") }, "✗ Reject ", kbd("r")),
        h("button", { type: "button", class: "primary", id: "btn-save", onclick: saveEdits }, "Save edits ", kbd("Enter"))),
      h("p", { class: "muted" }, `confidence ${Number(f.confidence ?? 1).toFixed(2)} · ${f.source || ""}`));
  }
  const addBox = h("div", { class: "box", id: "addbox" }, h("h3", null, "Add a missed fact"),
    h("div", { class: "muted", id: "add-preview" }, "Select text in the document, then press its number."),
    h("div", { class: "addbar" }, TYPE_KEYS.map((t, i) => h("button", { type: "button", id: "add-" + t, onclick: () => addFact(t) }, kbd(String(i + 1)), " " + t))));
  const docBox = h("div", { class: "box" }, h("h3", null, "Document"),
    h("div", { class: "actions" },
      h("button", { type: "button", class: d.done ? "" : "good", id: "btn-done", disabled: !!d.done, onclick: () => act("done") },
        d.done ? "Done ✓" : "Mark done ", d.done ? null : kbd("d")),
      h("button", { type: "button", onclick: nextDoc }, "Next document ", kbd("n")),
      h("button", { type: "button", onclick: () => { location.hash = "#/"; } }, "Queue ", kbd("q"))));
  const list = h("ul", { class: "factlist", id: "factlist" }, d.facts.map((x) => h("li", {
    class: x.key === S.sel ? "cur" : "", dataset: { key: x.key }, onclick: () => { S.sel = x.key; renderDoc(); } },
    h("span", { class: "chip " + x.type }, x.type.slice(0, 5)),
    h("span", { class: "t" }, x.text), h("span", { class: "badge " + x.status }, x.status))));
  return h("aside", { class: "panel" }, factBox, addBox, docBox,
    h("div", { class: "box" }, h("h3", null, `Facts (${d.facts.length})`), list));
}

function keysBox() {
  return h("div", { class: "box", id: "keys" }, h("h3", null, "Keyboard"), h("div", { class: "keys" },
    [["j / k", "next / previous fact"], ["a", "accept"], ["r", "reject"], ["e", "edit the first field; Enter saves"],
     ["[ ]", "move the start left / right"], ["{ }", "move the end left / right"], ["s", "span = selected text"],
     ["1–6", "add the selected text as that type"], ["d", "mark the document done"], ["u", "undo your last action"],
     ["n / q", "next document / queue"], ["Esc", "leave a field"]].map(([k, t]) => [h("span", null, kbd(k)), h("span", null, t)])));
}

// ------------------------------------------------------------------ selection
function posOf(node, off) {
  if (node.nodeType === Node.TEXT_NODE) {
    const seg = node.parentElement && node.parentElement.closest(".seg");
    return seg ? +seg.dataset.start + Array.from(node.data.slice(0, off)).length : null;
  }
  const cpLen = (el) => Array.from(el.textContent).length;
  if (node.classList && node.classList.contains("seg")) return +node.dataset.start + (off > 0 ? cpLen(node) : 0);
  const kids = node.childNodes;
  if (off < kids.length) {
    const k = kids[off];
    const seg = k.nodeType === 1 ? (k.classList.contains("seg") ? k : k.querySelector(".seg")) : null;
    if (seg) return +seg.dataset.start;
  }
  if (off > 0 && kids[off - 1] && kids[off - 1].nodeType === 1) {
    const k = kids[off - 1];
    const segs = k.classList.contains("seg") ? [k] : k.querySelectorAll(".seg");
    if (segs.length) { const last = segs[segs.length - 1]; return +last.dataset.start + cpLen(last); }
  }
  return null;
}

function selectedSpan() {
  const s = window.getSelection();
  const box = $("#text");
  if (!s || !box || s.rangeCount === 0 || s.isCollapsed) return null;
  const r = s.getRangeAt(0);
  if (!box.contains(r.commonAncestorContainer)) return null;
  let a = posOf(r.startContainer, r.startOffset), b = posOf(r.endContainer, r.endOffset);
  if (a === null || b === null) return null;
  if (a > b) [a, b] = [b, a];
  const t = S.doc.cps;
  while (a < b && /\s/.test(t[a])) a++;
  while (b > a && /\s/.test(t[b - 1])) b--;
  return a < b ? { start: a, end: b, text: t.slice(a, b).join("") } : null;
}

document.addEventListener("selectionchange", () => {
  const p = $("#add-preview");
  if (!p || !S.doc) return;
  const sp = selectedSpan();
  p.textContent = sp ? `“${sp.text.length > 120 ? sp.text.slice(0, 120) + "…" : sp.text}” (${sp.start}–${sp.end}): press 1–6 or click a type`
    : "Select text in the document, then press its number.";
});

// ------------------------------------------------------------------ actions
function parseNum(s) {
  const m = s.match(/\d[\d.,]*/);
  if (!m) return null;
  let x = m[0].replace(/[.,]+$/, "");
  x = x.replace(/\.(?=\d{3}(?!\d))/g, "").replace(",", ".");
  const v = parseFloat(x);
  return isNaN(v) ? null : v;
}

function guessFields(type, text) {
  const v = parseNum(text);
  if (type === "ratio") {
    const m = text.match(/(\d[\d.,]*)\s*(?:\/|trong)\s*(\d[\d.,]*)/);
    return m ? { numerator: parseNum(m[1]), denominator: parseNum(m[2]) } : {};
  }
  if (type === "money" && v !== null) {
    const scale = /tỷ/i.test(text) ? 1e9 : /triệu/i.test(text) ? 1e6 : /(nghìn|ngàn)/i.test(text) ? 1e3 : 1;
    return { value: v * scale, currency: /USD|\$/.test(text) ? "USD" : "VND" };
  }
  if (type === "percentage" || type === "count") return v === null ? {} : { value: v };
  if (type === "legal_ref") {
    const m = text.match(/^(.*?)\s+(?:số\s+)?(\S*\d\S*)$/);
    return m ? { doc_type: m[1].replace(/\s+số$/, ""), number: m[2] } : {};
  }
  return {};
}

function afterAction(r, selKey, msg) {
  if (r.progress) setProgress(r.progress);
  if (r.document) showDoc(r.document, selKey);
  if (msg) toast(msg);
}

function act(action, extra, selKey, msg) {
  return run(async () => {
    const d = S.doc;
    if (!d) return;
    const body = Object.assign({ action, doc_id: d.id, reviewer: reviewer() }, extra || {});
    let next = selKey;
    if (["accept", "reject", "edit", "span"].includes(action)) {
      const f = cur();
      if (!f) throw new Error("select a fact first (click a highlighted span)");
      body.fact_id = f.key; body.base = f.rev;
      if (action === "accept" || action === "reject") {
        const i = d.facts.indexOf(f);
        const later = d.facts.slice(i + 1).find((x) => x.status === "unreviewed");
        next = later ? later.key : f.key;
      } else next = f.key;
    }
    if (action === "done") body.base = d.done ? d.done.rev : null;
    try {
      const r = await api("POST", "/api/actions", body);
      afterAction(r, next || (r.record && r.record.fact_id), msg || `${action}: saved`);
    } catch (e) {
      if (e.status === 409) await openDoc(d.id, true);
      throw e;
    }
  });
}

function saveEdits() {
  const f = cur();
  if (!f) return;
  const fields = {};
  for (const el of document.querySelectorAll("#fact-form [name]")) {
    if (el.value.trim() !== el.dataset.orig) fields[el.name] = el.value.trim() === "" ? null : el.value.trim();
  }
  if (!Object.keys(fields).length) { toast("nothing changed"); return; }
  act("edit", { fields }, null, "edit: saved");
}

function moveSpan(ds, de) {
  const f = cur();
  if (!f) return;
  act("span", { start: f.start + ds, end: f.end + de }, null, `span: ${f.start + ds}–${f.end + de}`);
}

function spanFromSelection() {
  const sp = selectedSpan();
  if (!sp) { toast("select the right text in the document first", true); return; }
  act("span", { start: sp.start, end: sp.end });
}

function addFact(type) {
  const sp = selectedSpan();
  if (!sp) { toast("select the missed text in the document first", true); return; }
  window.getSelection().removeAllRanges();
  act("add", { type, start: sp.start, end: sp.end, fields: guessFields(type, sp.text) }, null, `added ${type}`);
}

function undo() {
  return run(async () => {
    const r = await api("POST", "/api/undo", { reviewer: reviewer() });
    if (r.progress) setProgress(r.progress);
    const what = r.record.before ? r.record.before.action : "action";
    if (S.doc && r.document && r.document.id === S.doc.id) showDoc(r.document, r.record.fact_id);
    else if (r.record.doc_id) location.hash = "#/doc/" + encodeURIComponent(r.record.doc_id);
    else await loadQueue();
    toast(`undone: ${what}`);
  });
}

async function nextDoc() {
  if (!S.queue.length) {
    const data = await api("GET", "/api/docs?status=open");
    S.queue = data.docs.map((x) => x.id);
  }
  const i = S.doc ? S.queue.indexOf(S.doc.id) : -1;
  const next = S.queue[i + 1];
  if (next) location.hash = "#/doc/" + encodeURIComponent(next);
  else { toast("last document of the queue"); location.hash = "#/"; }
}

function step(delta) {
  const fs = S.doc.facts;
  if (!fs.length) return;
  const i = fs.findIndex((f) => f.key === S.sel);
  S.sel = fs[(i + delta + fs.length) % fs.length].key;
  renderDoc();
}

document.addEventListener("keydown", (ev) => {
  const tag = (ev.target.tagName || "").toLowerCase();
  if (tag === "input" || tag === "select" || tag === "textarea") return;
  if (ev.ctrlKey && ev.key === "z") { ev.preventDefault(); undo(); return; }
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const k = ev.key;
  if (k === "u") { undo(); return; }
  if (k === "?") { const el = $("#keys"); if (el) el.scrollIntoView(); return; }
  if (!S.doc) return;
  const n = "123456".indexOf(k);
  const map = {
    j: () => step(1), k: () => step(-1), a: () => act("accept"), r: () => act("reject"), d: () => act("done"),
    n: nextDoc, q: () => { location.hash = "#/"; }, s: spanFromSelection,
    "[": () => moveSpan(-1, 0), "]": () => moveSpan(1, 0), "{": () => moveSpan(0, -1), "}": () => moveSpan(0, 1),
    e: () => { const el = document.querySelector("#fact-form [name]"); if (el) el.focus(); },
  };
  if (n >= 0 && k.length === 1) { ev.preventDefault(); addFact(TYPE_KEYS[n]); }
  else if (map[k]) { ev.preventDefault(); map[k](); }
});

// ------------------------------------------------------------------ start
function route() {
  const hsh = location.hash || "#/";
  if (hsh.startsWith("#/doc/")) return run(() => openDoc(decodeURIComponent(hsh.slice(6)), true));
  return run(showQueue);
}

async function start() {
  if (new URLSearchParams(location.search).has("token")) history.replaceState(null, "", location.pathname + location.hash);
  try { S.f = JSON.parse(localStorage.getItem("review.filters") || "{}"); } catch (e) { S.f = {}; }
  S.info = await api("GET", "/api/info");
  $("#kb").textContent = S.info.kb.split("/").filter(Boolean).pop() || S.info.kb;
  $("#kb").title = S.info.kb;
  const rv = $("#reviewer");
  rv.value = localStorage.getItem("review.reviewer") || S.info.reviewer;
  rv.addEventListener("change", () => localStorage.setItem("review.reviewer", rv.value.trim()));
  $("#undo").addEventListener("click", undo);
  setProgress(S.info.progress);
  window.addEventListener("hashchange", route);
  route();
}
start().catch((e) => toast(e.message || String(e), true));
