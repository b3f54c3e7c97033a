// lsmock's dashboard: reads the admin API and renders it. Every value is put in the page
// as text (never as HTML), so nothing a request carries can run here.
"use strict";

const admin = "/__lsmock/";
const $ = (id) => document.getElementById(id);

// With --admin-token, open the page as /__lsmock/#token=<token>: the fragment never leaves
// the browser, and the page sends it as a Bearer token.
const token = new URLSearchParams(location.hash.slice(1)).get("token");

async function api(path, init = {}) {
  if (token) init.headers = Object.assign({}, init.headers, {Authorization: "Bearer " + token});
  const r = await fetch(admin + path, init);
  const body = r.status === 204 ? null : await r.json();
  if (!r.ok) throw Object.assign(new Error((body && body.message) || r.statusText), {body});
  return body;
}

// el builds an element; strings become text nodes.
function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// The page refreshes every second. Rebuilding a table would replace the button a person is
// about to click, so sync keeps each row (by key) and rewrites only the cells that changed.
// rows are [key, element] pairs, built fresh and detached; a kept row takes their contents.
const emptyKey = Symbol("empty");
function sync(parent, rows) {
  const old = new Map([...parent.children].map((e) => [e.syncKey, e]));
  const placed = rows.map(([key, fresh]) => {
    const kept = old.get(key);
    old.delete(key);
    if (!kept) {
      fresh.syncKey = key;
      return fresh;
    }
    patch(kept, fresh);
    return kept;
  });
  for (const gone of old.values()) gone.remove();
  placed.forEach((e, i) => { if (parent.children[i] !== e) parent.insertBefore(e, parent.children[i] || null); });
}

// patch makes e look like fresh: its attributes, and each child that differs replaced. e keeps
// its own listeners (they depend only on its key).
function patch(e, fresh) {
  for (const a of [...e.attributes]) if (!fresh.hasAttribute(a.name)) e.removeAttribute(a.name);
  for (const a of fresh.attributes) if (e.getAttribute(a.name) !== a.value) e.setAttribute(a.name, a.value);
  const had = [...e.childNodes], want = [...fresh.childNodes];
  want.forEach((c, i) => {
    if (!had[i]) e.append(c);
    else if (!had[i].isEqualNode(c)) had[i].replaceWith(c);
  });
  for (const extra of had.slice(want.length)) extra.remove();
}

// fill syncs a table's rows, or shows why there are none.
function fill(tbody, rows, empty) {
  sync(tbody, rows.length ? rows : [[emptyKey, el("tr", {}, el("td", {colspan: 8, class: "muted"}, empty))]]);
}

function statusClass(s) { return s >= 500 ? "err" : s >= 400 ? "warn" : "ok"; }

function setStatus(text, cls) {
  const s = $("status");
  s.textContent = text;
  s.className = cls || "muted";
}

let pins = {global: [], sessions: {}};
let scenarios = [];
let shownRequest = null;

function session() { return $("session").value.trim(); }
function sessionPath(s, rest) { return "sessions/" + encodeURIComponent(s) + rest; }

// A session that no request has named yet may be a credential, so lsmock lists it by its
// label, key: and the first 12 hex digits of SHA-256: the page matches the box by either.
let sessionLabel = "";
async function updateLabel() {
  const s = session();
  if (!s || !crypto.subtle) { sessionLabel = ""; return; }
  const sum = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  sessionLabel = "key:" + [...sum.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
function sessionPins(s) { return pins.sessions[s] || pins.sessions[sessionLabel] || []; }

async function pin(name) {
  const s = session();
  const path = s ? "sessions/" + encodeURIComponent(s) + "/scenario" : "scenario";
  try {
    await api(path, {method: "PUT", headers: {"Content-Type": "application/json"}, body: JSON.stringify({name})});
    setStatus(`pinned ${name} for ${s ? "session " + s : "every session"}`, "ok");
  } catch (e) { setStatus(e.message, "err"); }
  refresh();
}

async function unpin() {
  const s = session();
  try {
    await api(s ? "sessions/" + encodeURIComponent(s) + "/scenario" : "scenario", {method: "DELETE"});
    setStatus(`cleared the pin for ${s ? "session " + s : "every session"}`, "ok");
  } catch (e) { setStatus(e.message, "err"); }
  refresh();
}

// pinned reports whether a scenario is pinned for the session in the box (or everyone):
// by its qualified name, or by its bare name, which pins it for every operation that has it.
function pinned(sc, active) { return active.includes(sc.ref) || active.includes(sc.name); }

function renderScenarios() {
  const s = session();
  const own = s ? sessionPins(s) : [];
  const active = own.length ? own : pins.global;
  $("pin-state").textContent = active.length ? `pinned: ${active.join(", ")}` + (own.length ? ` (session ${s})` : " (every session)") : "none pinned";
  const op = $("operation").value;
  const implied = $("implied").checked;
  const shown = scenarios.filter((sc) => (!op || sc.operation === op) && (implied || !sc.implied || pinned(sc, active)));
  fill($("scenarios").tBodies[0], shown.map((sc) => {
    const answers = sc.responses.map((r) => el("span", {class: "tag"},
      [r.live ? "the usual answer" : r.status, r.code, r.fault, r.signature && "signature " + r.signature,
        r.delay && "after " + r.delay].filter(Boolean).join(" ")));
    const triggers = [];
    if (sc.default) triggers.push(el("span", {class: "tag"}, "default"));
    for (const m of sc.triggers.match || []) triggers.push(el("span", {class: "tag"}, m));
    triggers.push(el("span", {class: "muted"}, " or by name"));
    return [sc.ref, el("tr", {class: pinned(sc, active) ? "pinned" : "", "data-scenario": sc.ref},
      el("td", {}, el("strong", {}, sc.name), el("br"), el("span", {class: "muted"}, sc.description || "")),
      el("td", {class: "mono"}, sc.operation),
      el("td", {}, answers),
      el("td", {}, triggers),
      el("td", {}, el("button", {type: "button", class: "pin", title: "pin " + sc.ref, onclick: () => pin(sc.ref)}, "Pin")))];
  }), "no scenarios to show");
}

function renderOperations() {
  const select = $("operation");
  const chosen = select.value;
  const ops = [...new Set(scenarios.map((sc) => sc.operation))];
  sync(select, [["", el("option", {value: ""}, "all operations")], ...ops.map((op) => [op, el("option", {value: op}, op)])]);
  select.value = ops.includes(chosen) ? chosen : "";
}

function time(t) {
  const d = new Date(t);
  return d.toLocaleTimeString([], {hour12: false}) + "." + String(d.getMilliseconds()).padStart(3, "0");
}

function renderRequests(list) {
  $("request-count").textContent = `(${list.count} kept)`;
  fill($("requests").tBodies[0], list.requests.slice(0, 50).map((r) => [r.id, el("tr", {"data-id": r.id, onclick: () => showRequest(r)},
    el("td", {class: "mono"}, time(r.time)),
    el("td", {class: "mono"}, r.method + " " + r.path),
    el("td", {class: statusClass(r.status)}, r.status),
    el("td", {class: "code"}, r.code || ""),
    el("td", {}, r.scenario || ""),
    el("td", {class: "muted"}, r.selection || ""),
    el("td", {class: "mono"}, r.session || ""),
    el("td", {class: "detail"}, r.detail || "",
      (r.near_misses || []).map((n) => el("div", {class: "muted"}, `near miss: ${n.scenario} (${n.held}/${n.of}; ${n.failed})`))),
  )]), "no requests yet: call the API and they appear here");
  if (shownRequest) {
    const again = list.requests.find((r) => r.id === shownRequest);
    if (again) $("request-detail").textContent = JSON.stringify(again, null, 2);
  }
}

function showRequest(r) {
  const pre = $("request-detail");
  if (shownRequest === r.id) { shownRequest = null; pre.hidden = true; return; }
  shownRequest = r.id;
  pre.textContent = JSON.stringify(r, null, 2);
  pre.hidden = false;
}

function renderSessions(data) {
  pins = {global: data.global_pins || [], sessions: {}};
  for (const s of data.sessions) if (s.pins) pins.sessions[s.session] = s.pins;
  fill($("sessions").tBodies[0], data.sessions.map((s) => [s.session, el("tr", {},
    el("td", {class: "mono"}, s.session === "" ? "(no session)" : s.session),
    el("td", {}, (s.pins || []).map((p) => el("span", {class: "tag"}, p))),
    el("td", {}, Object.entries(s.uses || {}).map(([k, v]) => el("span", {class: "tag"}, `${k} ×${v}`))),
    el("td", {class: "mono"}, s.clock || ""),
  )]), pins.global.length ? `every session: ${pins.global.join(", ")}` : "no session state yet");
}

// variablesText lists a device's variables, for its tooltip.
function variablesText(d) {
  return (d.variables || []).map((v) => `${v.variable} = ${v.value}`).join("\n");
}

// deviceTags shows a license's devices (their variables in the tooltip) and transfers.
function deviceTags(st) {
  return [
    st.devices.map((d) => el("span", {class: "tag mono", title: variablesText(d)}, d.hardware_id,
      d.variables && d.variables.length ? ` (${d.variables.length} variables)` : "")),
    st.transfer_count ? el("span", {class: "tag"}, `${st.transfer_count} transfers`) : "",
  ];
}

// renderLicenses shows the declared licenses, and for the session s in the box (snap: its
// GET …/licenses) their devices.
function renderLicenses(declared, s, snap) {
  const state = {};
  for (const l of snap ? snap.licenses : []) state[l.license] = l;
  const releases = {}; // each product's releases, by its code
  for (const p of declared.products || []) releases[p.short_code] = (p.releases || []).map((r) => r.version);
  const bundles = {}; // the bundles each license is in, by its ref
  for (const b of declared.bundles || []) for (const ref of b.licenses) (bundles[ref] = bundles[ref] || []).push(b.code);
  fill($("licenses").tBodies[0], declared.licenses.map((l) => {
    const ref = l.license_key || `user:${l.username}/${l.product}`;
    const st = state[ref];
    return [ref, el("tr", {},
      el("td", {class: "mono"}, l.license_key || l.username),
      el("td", {class: "mono", title: (releases[l.product] || []).length ? "releases: " + releases[l.product].join(", ") : ""},
        l.product, (bundles[ref] || []).map((c) => el("span", {class: "tag", title: "in bundle " + c}, c))),
      el("td", {}, l.license_type, l.is_trial ? " (trial)" : ""),
      el("td", {}, l.allow_unlimited_activations ? "unlimited" : l.max_activations),
      el("td", {}, [!l.license_enabled && "not enabled", !l.license_active && "not active",
        l.validity_period && "until " + l.validity_period, l.valid_duration].filter(Boolean).join(", ")),
      el("td", {}, st ? deviceTags(st) : el("span", {class: "muted"}, s ? "none" : "type a session")))];
  }), "no licenses declared");
}

// renderDeclared lists what the tests of session s declared at run time (snap.declared), each
// with its Delete button. Rows are keyed by session and ref: a button deletes from the session
// it was made for, even when the box changed since.
function renderDeclared(s, snap) {
  $("declared-state").textContent = s ? `(session ${s})` : "(of the session in the box)";
  $("declare-go").disabled = !s;
  const list = (snap && snap.declared) || [];
  const state = {};
  for (const l of snap ? snap.licenses : []) state[l.license] = l;
  fill($("declared").tBodies[0], list.map((d) => [JSON.stringify([s, d.ref]), el("tr", {"data-ref": d.ref},
    el("td", {}, d.kind),
    el("td", {class: "mono"}, d.ref),
    el("td", {class: "mono"}, d.product || ""),
    el("td", {class: "mono"}, d.license_key || d.username || d.customer_account_code || ""),
    el("td", {class: "mono"}, d.bundle || ""),
    el("td", {class: "mono"}, d.created || ""),
    el("td", {}, state[d.ref] ? deviceTags(state[d.ref]) : ""),
    el("td", {}, el("button", {type: "button", class: "delete", title: "DELETE …/licenses/" + d.ref + ": the declaration and its state",
      onclick: (e) => deleteDeclared(s, d.ref, e.currentTarget)}, "Delete")))]),
  s ? "nothing declared at run time in this session: POST …/sessions/{session}/licenses, or the form below"
    : "type a session to see what its tests declared at run time");
  // A reload reads them again against the new files; one that no longer fits is dropped.
  sync($("declared-dropped"), ((snap && snap.dropped) || []).map((d) => [d, el("li", {}, "dropped by a reload: " + d)]));
}

async function deleteDeclared(s, ref, button) {
  button.disabled = true; // a second click would only get a 404
  try {
    await api(sessionPath(s, "/licenses/" + encodeURIComponent(ref)), {method: "DELETE"});
    setStatus(`deleted ${ref} from session ${s}`, "ok");
  } catch (e) {
    button.disabled = false;
    setStatus(`${ref}: ${e.message}`, "err");
  }
  refresh();
}

// declare POSTs the form's declaration for the session in the box; a 400 lists its field
// errors beside the form. A generated password is not shown: the API's 201 has it.
async function declare(event) {
  event.preventDefault();
  const s = session();
  const errors = $("declare-errors");
  errors.replaceChildren();
  try {
    const c = await api(sessionPath(s, "/licenses"), {method: "POST", headers: {"Content-Type": "application/json"}, body: $("declare-body").value});
    setStatus(`declared ${c.kind} ${c.ref} in session ${s}`, "ok");
    $("declare-body").value = "";
  } catch (e) {
    const fields = (e.body && e.body.errors) || [];
    errors.append(...(fields.length ? fields : [{message: e.message}]).map((f) =>
      el("li", {}, f.field ? el("span", {class: "mono"}, f.field + (f.line ? ` (line ${f.line}, column ${f.column})` : "") + ": ") : "", f.message)));
    setStatus(e.message, "err");
  }
  refresh();
}

function renderCoverage(cov) {
  const parts = [["general", el("div", {},
    el("h3", {}, "general errors (every operation)"),
    el("div", {}, "answered: ", Object.entries(cov.general.codes).map(([c, n]) => el("span", {class: "tag"}, `${c} ×${n}`))),
    el("div", {class: "muted"}, "never: ", cov.general.never_codes.map((c) => el("span", {class: "tag"}, c))))]];
  parts.push(...cov.operations.map((op) => [`${op.method} ${op.path}`, el("div", {},
    el("h3", {class: "mono"}, `${op.method} ${op.path}`),
    el("div", {}, "answered: ", Object.entries(op.codes).map(([c, n]) => el("span", {class: "tag"}, `${c} ×${n}`)),
      Object.entries(op.statuses).map(([s, n]) => el("span", {class: "tag"}, `${s} ×${n}`))),
    el("div", {class: "muted"}, "never: ", op.never_codes.map((c) => el("span", {class: "tag"}, c)),
      op.never_statuses.map((s) => el("span", {class: "tag"}, s))),
  )]));
  parts.push(["never", el("div", {class: "muted"}, "scenarios never hit: ", cov.scenarios.never.map((n) => el("span", {class: "tag"}, n)))]);
  sync($("coverage"), parts);
}

// The clock of the session in the box, or the global one: shown, and moved by the buttons.
function clockPath() {
  const s = session();
  return s ? "sessions/" + encodeURIComponent(s) + "/clock" : "clock";
}
const clockSources = {session: "the session's own clock, frozen", global: "the global clock, frozen", real: "real time"};
function renderClock(c) {
  const who = session() ? "session " + session() : "every session";
  $("clock-state").textContent = `${who}: ${c.now} (${clockSources[c.source] || c.source})`;
}
async function moveClock(init, what) {
  try {
    const c = await api(clockPath(), init);
    renderClock(c);
    setStatus(`${what}: ${c.now}`, "ok");
  } catch (e) { setStatus(e.message, "err"); }
  refresh();
}
function putClock(body, what) {
  return moveClock({method: "PUT", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)}, what);
}

async function loadScenarios() {
  scenarios = (await api("scenarios")).scenarios;
  renderOperations();
}

async function refresh() {
  try {
    const [reqs, sess, cov, lic] = await Promise.all([api("requests?limit=50"), api("sessions"), api("coverage"), api("licenses")]);
    renderRequests(reqs);
    renderSessions(sess);
    renderScenarios();
    renderCoverage(cov);
    renderClock(await api(clockPath()));
    const s = session();
    const snap = s ? await api(sessionPath(s, "/licenses")) : null;
    renderLicenses(lic, s, snap);
    renderDeclared(s, snap);
    if ($("status").className === "muted" || $("status").textContent.startsWith("lsmock is not")) setStatus("live", "ok");
  } catch (e) {
    setStatus("lsmock is not answering: " + e.message, "err");
  }
}

async function post(path, done) {
  try {
    const r = await api(path, {method: "POST"});
    setStatus(done(r), "ok");
    await loadScenarios();
  } catch (e) { setStatus(e.message, "err"); }
  refresh();
}

$("unpin").addEventListener("click", unpin);
$("clock-advance-go").addEventListener("click", () => putClock({advance: $("clock-advance").value.trim()}, "clock advanced"));
$("clock-set-go").addEventListener("click", () => putClock({now: $("clock-set").value.trim()}, "clock set"));
$("clock-reset").addEventListener("click", () => moveClock({method: "DELETE"}, "clock on real time"));
$("reload").addEventListener("click", () => post("reload", (r) => `reloaded: ${r.scenarios} scenarios`));
$("reset").addEventListener("click", () => post("reset", () => "state cleared"));
$("session").addEventListener("input", async () => { await updateLabel(); renderScenarios(); });
$("operation").addEventListener("change", renderScenarios);
$("declare").addEventListener("submit", declare);
$("implied").addEventListener("change", renderScenarios);

(async () => {
  try { await loadScenarios(); } catch (e) { setStatus(e.message, "err"); }
  await refresh();
  setInterval(refresh, 1000);
  setInterval(() => loadScenarios().catch(() => {}), 5000); // files may have been reloaded
})();
