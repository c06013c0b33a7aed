// The clinic station page (docs/STATION.md): sign-in, one tile per room from the hub's live WebSocket,
// acts (acknowledge an alarm, answer a call) sent back to the hub, alarm sounds with Web Audio.
// Plain JS, no framework, no build step: the hub ships this file as it is.
"use strict";

const FRESH_S = 5;          // a reading older than this shows its age ("12 s ago")
const PAGE_STALE_MS = 5000; // no message about a room for this long: the page greys it itself (a dead hub worker)
const RETRY_MIN_MS = 500, RETRY_MAX_MS = 5000;
const PRIORITY_RANK = { high: 3, medium: 2, low: 1 };
const RESULT_SHOWN_MS = 30000; // an act's answer stays on its tile this long

const $ = (id) => document.getElementById(id);
const S = {
  me: null, mayAct: false, escalateAfter: null,
  probing: false,   // signed out: trying the socket once, for a display the hub knows by a reader token
  watching: false,  // live without a signed-in nurse (a reader token): watch only
  ws: null, wsOpen: false, retryMs: RETRY_MIN_MS, retryTimer: null, wantLive: false,
  rooms: new Map(),      // room_id -> {room, heardAt (performance.now of the last message about it)}
  tiles: new Map(),      // room_id -> tile element (kept, so CSS flashing runs on without restarting)
  pending: new Map(),    // act_id -> {room_id, command, target}
  results: new Map(),    // room_id -> {text, ok}
  announced: new Set(),  // what the live region already said
  silencedLost: new Set(), // rooms whose lost-contact tone this page was told to silence (page only)
  labels: { phases: {}, devices: {}, tiles: {} }, tones: null,
};

// ---- small helpers -------------------------------------------------------------------------------------------
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}
function newId() {
  const b = crypto.getRandomValues(new Uint8Array(16));  // works without a secure context, unlike randomUUID
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return (h ? `${h}:` : "") + `${mm}:${String(r).padStart(2, "0")}`;
}
function ago(seconds) {
  const s = Math.round(seconds);
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}
function hhmm(iso) {
  const d = iso ? new Date(iso) : null;
  if (!d || isNaN(d)) return "an unknown time";
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });
}
function phaseLabel(p) {
  if (!p) return "";
  return S.labels.phases[p] || (p.charAt(0).toUpperCase() + p.slice(1)).replaceAll("_", " ");
}
function num(v, digits) {
  if (v === null || v === undefined) return "–";
  return typeof v === "number" ? (digits ? v.toFixed(digits).replace(/\.?0+$/, "") : String(Math.round(v))) : String(v);
}
function who(staffId) {
  if (!staffId) return "";
  if (S.me && staffId === S.me.staff_id) return S.me.name;
  return staffId;
}
function announce(text) {
  const line = el("p", { text });
  $("announce").append(line);
  while ($("announce").childElementCount > 5) $("announce").firstElementChild.remove();
}

// ---- derived state of one room ---------------------------------------------------------------------------------
function setResult(roomId, result) { S.results.set(roomId, { ...result, at: performance.now() }); }
function sinceHeard(entry) { return (performance.now() - entry.heardAt) / 1000; }
function isLost(entry) {
  return entry.room.contact !== "live" || performance.now() - entry.heardAt > PAGE_STALE_MS;
}
// A room the hub knows but that has not connected since the hub started ("never"): grey, said, not sounded
// (a room PC switched off for the day); a room that was live and went quiet is "lost": sounded until silenced.
function neverHeard(entry) { return entry.room.contact === "never"; }
function alarmTile(condition) {
  const subject = String(condition || "").split(".")[0];
  for (const [key, t] of Object.entries(S.labels.tiles)) {
    if (t.kinds.includes(subject) || (t.monitor_alarms && subject === S.labels.monitor)) return key;
  }
  return null;
}
function isEscalated(room, id) {
  return (room.escalated || []).includes(id);
}

// ---- rendering ----------------------------------------------------------------------------------------------
// A tile's parts are rebuilt only when what they show changed (a button under the nurse's finger stays put);
// the per-second texts (ages, call timer, session timer) are updated in place.
function patch(parent, cls, key, build) {
  let node = parent.querySelector(`:scope > .${cls}`);
  if (node && node.dataset.key === key) return node;
  const fresh = build();
  if (!fresh) { if (node) node.remove(); return null; }
  fresh.classList.add(cls);
  fresh.dataset.key = key;
  if (node) node.replaceWith(fresh); else parent.append(fresh);
  return fresh;
}

function renderAll() {
  const ids = [...S.rooms.keys()].sort((a, b) => {
    const na = S.rooms.get(a).room.room_name || a, nb = S.rooms.get(b).room.room_name || b;
    return na.localeCompare(nb, undefined, { numeric: true });
  });
  const grid = $("rooms");
  ids.forEach((id, i) => {
    let tile = S.tiles.get(id);
    if (!tile) {
      tile = el("article", { class: "tile", "data-room": id, "aria-label": id });
      S.tiles.set(id, tile);
    }
    if (grid.children[i] !== tile) grid.insertBefore(tile, grid.children[i] || null);
    renderTile(tile, S.rooms.get(id));
  });
  for (const [id, tile] of S.tiles) if (!S.rooms.has(id)) { tile.remove(); S.tiles.delete(id); }
  $("empty").hidden = !(S.me || S.watching) || S.rooms.size > 0;
  renderAttention(ids);
  updateSound();
}

// The top bar's list of rooms that need someone, worst first (a phone shows one tile at a time): a tap scrolls
// to the room's tile.
function renderAttention(ids) {
  const items = [];
  for (const id of ids) {
    const entry = S.rooms.get(id), r = entry.room, name = r.room_name || id;
    if (isLost(entry)) {
      if (!neverHeard(entry)) items.push([1, "technical", id, `${name}: no contact`]);
      continue;
    }
    const open = (r.alarms || []).filter((a) => !a.acknowledged_by);
    const worst = open.sort((a, b) => (PRIORITY_RANK[b.priority] || 0) - (PRIORITY_RANK[a.priority] || 0))[0];
    if (worst) {
      const kind = worst.technical ? "technical" : worst.priority;
      items.push([PRIORITY_RANK[worst.priority] + 1, kind, id, `${name}: ${String(worst.text || worst.condition).split("·")[0].trim()}`]);
    }
    if (r.call) items.push([2.5, "call", id, `${name}: call`]);
  }
  items.sort((a, b) => b[0] - a[0]);
  const nav = $("attention"), key = JSON.stringify(items);
  if (nav.dataset.key === key) return;
  nav.dataset.key = key;
  nav.replaceChildren(...items.map(([, kind, id, text]) =>
    el("button", { type: "button", class: `chip chip-${kind}`, "data-goto": id, text })));
}

$("attention").addEventListener("click", (ev) => {
  const b = ev.target.closest("button[data-goto]");
  const t = b && S.tiles.get(b.dataset.goto);
  if (t) t.scrollIntoView({ behavior: "smooth", block: "start" });
});

function renderTile(tile, entry) {
  const r = entry.room, lost = isLost(entry), grow = sinceHeard(entry);
  const alarms = r.alarms || [];
  const unacked = alarms.filter((a) => !a.acknowledged_by);
  let sev = "";
  for (const a of alarms) {
    const s = a.technical ? "technical" : a.priority;
    if (!sev || (PRIORITY_RANK[s] || 0.5) > (PRIORITY_RANK[sev] || 0.5)) sev = s;
  }
  const classes = ["tile"];
  if (lost) classes.push("lost", "sev-technical");
  else {
    if (sev) classes.push(`sev-${sev}`);
    if (sev && unacked.length === 0) classes.push("all-acked");
    if (r.call) classes.push("calling");
  }
  const cls = classes.join(" ");
  if (tile.className !== cls) tile.className = cls;
  tile.setAttribute("aria-label", r.room_name || r.room_id);

  // head: name, phase, the infusion timer against the planned time (only while infusing or paused)
  const s = r.session;
  const timed = !!s && (r.phase === "infusing" || r.phase === "paused");
  const head = patch(tile, "tile-head", JSON.stringify([r.room_name, r.phase, timed, s && s.planned_s]), () => el("div", {},
    el("h2", { class: "room-name", text: r.room_name || r.room_id }),
    el("span", { class: "phase", text: phaseLabel(r.phase) }),
    timed ? el("span", { class: "timer" }, el("span", { class: "elapsed" }),
      s.planned_s ? el("span", { class: "planned", text: ` / ${clock(s.planned_s)}` }) : null)
      : s && s.planned_s && r.phase === "pre_infusion" ? el("span", { class: "timer" }, el("span", { class: "planned", text: `planned ${clock(s.planned_s)}` }))
      : null));
  const elapsed = head.querySelector(".elapsed");
  if (elapsed && s) {
    const running = !s.paused && r.phase === "infusing" && !lost;
    elapsed.textContent = clock((s.elapsed_s || 0) + (running ? grow : 0));
  }

  // session line: patient, course, the protocol's short title, dose and rate
  const given = (v) => v !== null && v !== undefined;
  const protocol = s && s.protocol;
  patch(tile, "session-line", JSON.stringify(s && [s.patient, s.course_no, protocol && protocol.short_title, s.dose_mg, s.rate_mg_per_h, s.paused, timed, s.planned_s]),
    () => s ? el("div", {},
      s.patient ? el("b", { text: s.patient }) : null,
      s.course_no ? el("span", { text: `course ${s.course_no}` }) : null,
      protocol ? el("span", { class: "protocol", text: protocol.short_title, title: `${protocol.title} (${protocol.id} v${protocol.version})` }) : null,
      given(s.dose_mg) ? el("span", {}, el("b", { text: `${num(s.dose_mg, 1)} mg` })) : null,
      given(s.rate_mg_per_h) ? el("span", {}, el("b", { text: `${num(s.rate_mg_per_h, 1)} mg/h` })) : null,
      s.paused && r.phase !== "paused" ? el("b", { class: "warn", text: "Infusion paused" }) : null)
      : el("div", { text: "No session" }));

  // lost contact: grey, a technical alert in words
  const never = neverHeard(entry);
  if (lost && !never && !S.announced.has(`${r.room_id}|lost|${r.last_heard}`)) {
    S.announced.add(`${r.room_id}|lost|${r.last_heard}`);
    announce(`${r.room_name || r.room_id}: no contact since ${hhmm(r.last_heard)}`);
  }
  patch(tile, "lost-banner", JSON.stringify([lost, never, r.last_heard, S.silencedLost.has(r.room_id)]), () => lost ? el("div", { role: "alert" },
    el("span", { class: "prio", text: "TECHNICAL" }),
    el("span", { class: "text", text: never ? "Not connected to the hub yet"
      : `No contact since ${hhmm(r.last_heard)}` }),
    never ? null : S.silencedLost.has(r.room_id) ? el("span", { text: "(silenced here)" })
      : el("button", { type: "button", "data-silence": r.room_id, text: "Silence here" })) : null);

  // vitals
  const v = r.vitals || {};
  const inAlarm = new Set(unacked.map((a) => alarmTile(a.condition)));
  const vitalsKey = JSON.stringify([v.hr && [v.hr.value, v.hr.flags, v.hr.kind], v.spo2 && [v.spo2.value, v.spo2.flags],
    v.nibp && [v.nibp.systolic, v.nibp.diastolic, v.nibp.mean], v.resp && [v.resp.value, v.resp.kind], [...inAlarm]]);
  const respLabel = v.resp && v.resp.kind === "etco2" ? "EtCO₂" : "RR";
  const vit = patch(tile, "vitals", vitalsKey, () => el("div", {},
    // "PR" when the oximeter's pulse rate stands in for the heart rate, as on the room's tile
    vital("hr", v.hr && v.hr.kind === "pulse_rate" ? "PR" : "HR", v.hr, v.hr && num(v.hr.value), "/min", inAlarm.has("hr")),
    vital("spo2", "SpO₂", v.spo2, v.spo2 && num(v.spo2.value), "%", inAlarm.has("spo2")),
    vital("nibp", "NIBP", v.nibp, v.nibp && `${num(v.nibp.systolic)}/${num(v.nibp.diastolic)}`,
      v.nibp && v.nibp.mean !== undefined && v.nibp.mean !== null ? `(${num(v.nibp.mean)}) mmHg` : "mmHg", inAlarm.has("nibp")),
    v.resp ? vital("resp", respLabel, v.resp, num(v.resp.value), v.resp.unit || "", inAlarm.has("resp")) : null));
  for (const key of ["hr", "spo2", "nibp", "resp"]) {
    const age = vit.querySelector(`.vital.${key} .age`);
    const reading = v[key];
    if (age) age.textContent = reading && reading.age_s !== undefined && reading.age_s + grow >= FRESH_S
      ? ago(reading.age_s + grow) : (reading && (reading.flags || []).length ? reading.flags.join(", ").replaceAll("_", " ") : "");
  }

  // alarms
  const pend = [...S.pending.values()].filter((p) => p.room_id === r.room_id).map((p) => p.target);
  patch(tile, "alarms", JSON.stringify([alarms, S.mayAct, pend, r.escalated, S.me && S.me.staff_id]), () => alarms.length ? el("ul", { "aria-label": "Alarms" },
    ...alarms.map((a) => {
      const kind = a.technical ? "technical" : a.priority;
      const label = a.technical ? "TECHNICAL" : String(a.priority).toUpperCase();
      // which alarm escalated, when there are several (the tile's own mark says it for one)
      const esc = alarms.length > 1 && (a.escalated || isEscalated(r, a.alarm_id));
      return el("li", { class: `alarm ${kind}${a.acknowledged_by ? " acked" : ""}` },
        el("span", { class: "prio", text: label, title: a.technical ? "technical alarm" : `${a.priority} priority alarm` }),
        el("span", { class: "sr-only", text: a.technical ? "technical alarm:" : "priority alarm:" }),
        el("span", { class: "text", text: a.text || a.condition }),
        esc ? el("span", { class: "prio esc", text: "ESCALATED" }) : null,
        !a.acknowledged_by && S.mayAct ? el("button", {
          type: "button", "data-act": "acknowledge_alarm", "data-room": r.room_id, "data-alarm": a.alarm_id,
          disabled: pend.includes(a.alarm_id), text: pend.includes(a.alarm_id) ? "Sending…" : "Acknowledge" }) : null,
        a.acknowledged_by ? el("span", { class: "by", text: `acknowledged by ${who(a.acknowledged_by)}` }) : null);
    })) : null);

  // nurse call
  const call = !lost && r.call;
  const callTile = patch(tile, "call", JSON.stringify([call && call.called_at, call && call.presses, S.mayAct, pend.includes("call")]),
    () => call ? el("div", { role: "alert" },
      el("span", { class: "text" }),
      S.mayAct ? el("button", { type: "button", "data-act": "answer_call", "data-room": r.room_id,
        disabled: pend.includes("call"), text: pend.includes("call") ? "Sending…" : "Answer call" }) : null) : null);
  if (callTile) {
    const presses = call.presses > 1 ? ` (pressed ${call.presses}×)` : "";
    callTile.querySelector(".text").textContent = `Call — ${clock((call.waiting_s || 0) + grow)}${presses}`;
  }

  // escalated: an unmistakable mark
  const escalated = !lost && ((r.escalated || []).length > 0 || alarms.some((a) => a.escalated));
  patch(tile, "escalated", String(escalated), () => escalated ? el("div", { role: "alert", text: "ESCALATED" }) : null);

  // the result of this station's last act on this room
  let res = S.results.get(r.room_id);
  if (res && performance.now() - res.at > RESULT_SHOWN_MS) { S.results.delete(r.room_id); res = undefined; }
  patch(tile, "result", JSON.stringify(res ? [res.ok, res.text] : null), () => res ? el("p", { class: res.ok ? "ok" : "bad", role: "status", text: res.text }) : null);

  // devices, what waits on the nurse, due checks, sync
  const devs = Object.entries(r.devices || {}).filter(([, st]) => st && st !== "ok" && st !== "off");
  const due = r.due || [];
  const waits = r.waiting || [];
  const sync = r.sync || {};
  const status = patch(tile, "status", JSON.stringify([devs, waits.map((w) => [w.key, w.state, w.text]), due, sync.state, sync.backlog_events, r.storage_error]), () => el("div", {},
    ...devs.map(([d, st]) => el("span", { class: "warn", text: `${S.labels.devices[d] || d}: ${String(st).replaceAll("_", " ")}` })),
    // waits on the nurse (docs/STATION.md "waiting"), as the due checks look: a pre-dose hold that needs her
    // decision in the warning colour; a delayed hold and an OK-check asked dim (its age counts up below)
    ...waits.map((w) => el("span", { class: w.state === "decision_needed" ? "warn due waiting" : "due waiting",
      "data-wait": w.key, text: w.prompt || w.text })),
    // the protocol's schedule (docs/STATION.md "due"): "BP overdue 6 min" in the warning colour, "MOAA/S due now"
    ...due.map((d) => el("span", { class: d.state === "overdue" ? "warn due" : "due", text: d.prompt || `${d.what} ${d.state}` })),
    sync.state && sync.state !== "synced" ? el("span", { class: "warn", text: `sync ${sync.state}${sync.backlog_events ? `, ${sync.backlog_events} events waiting` : ""}` }) : null,
    r.storage_error ? el("span", { class: "warn", text: `storage: ${r.storage_error}` }) : null));
  for (const w of waits) {
    const span = w.age_s === null || w.age_s === undefined ? null
      : [...status.querySelectorAll(".waiting")].find((n) => n.dataset.wait === w.key);
    if (span) span.textContent = `${w.text} ${clock(w.age_s + (lost ? 0 : grow))} ago`;
  }
}

function vital(key, label, reading, value, unit, alarm) {
  const inline = key === "nibp" || key === "resp";  // a line under HR and SpO2: "NIBP 124/79 (94) mmHg 3 min ago"
  const unitSpan = reading ? el("span", { class: "unit", text: unit }) : null;
  return el("div", { class: `vital ${key}${alarm ? " in-alarm" : ""}` },
    el("div", { class: "label" }, label, inline ? null : unitSpan),
    reading ? el("div", { class: "value", text: value }) : el("div", { class: "value none", text: "–" }),
    inline ? unitSpan : null,
    el("div", { class: "age" }));
}

// ---- announcements of what is new (aria-live) -----------------------------------------------------------------
function announceNew(r) {
  const name = r.room_name || r.room_id;
  for (const a of r.alarms || []) {
    const key = `${r.room_id}|${a.alarm_id}`;
    if (!a.acknowledged_by && !S.announced.has(key)) {
      S.announced.add(key);
      announce(`${name}: ${a.technical ? "technical alarm" : `${a.priority} priority alarm`}: ${a.text || a.condition}`);
    }
  }
  if (r.call && !S.announced.has(`${r.room_id}|call|${r.call.called_at}`)) {
    S.announced.add(`${r.room_id}|call|${r.call.called_at}`);
    announce(`${name}: the patient calls the nurse`);
  }
  for (const e of r.escalated || []) {
    const key = `${r.room_id}|esc|${e}`;
    if (!S.announced.has(key)) { S.announced.add(key); announce(`${name}: escalated`); }
  }
}

// ---- the live WebSocket ---------------------------------------------------------------------------------------
function linkDown(text) {
  const l = $("link");
  l.textContent = text;
  l.hidden = false;
}
function linkUp() { $("link").hidden = true; }

function connect() {
  S.wantLive = true;
  clearTimeout(S.retryTimer);
  const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/api/v1/station/live`;
  let ws;
  try { ws = new WebSocket(url); } catch (e) { scheduleRetry(); return; }
  S.ws = ws;
  ws.onopen = () => { S.wsOpen = true; S.retryMs = RETRY_MIN_MS; linkUp(); };
  ws.onmessage = (ev) => {
    let msg;
    try { msg = JSON.parse(ev.data); } catch (e) { return; }
    onMessage(msg);
  };
  ws.onclose = (ev) => {
    const wasOpen = S.wsOpen;
    S.ws = null; S.wsOpen = false;
    if (!S.wantLive) return;
    if (S.probing && !wasOpen) { S.probing = false; signedOut(""); return; }  // no reader token: sign in
    for (const [id, p] of S.pending) {  // an act in flight on a closed socket has no answer coming
      setResult(p.room_id, { ok: false, text: "Not sent: the hub connection closed; try again" });
      S.pending.delete(id);
    }
    if (ev.code === 4401 || ev.code === 4403 || ev.code === 1008 || !wasOpen) {
      // refused, or never opened: is the session still good? (a hub that is down answers nothing)
      checkSession().then((state) => {
        if (state === "signed-out") { signedOut("Your session has ended — sign in again."); return; }
        scheduleRetry();
      });
    } else scheduleRetry();
    renderAll();
  };
}

function scheduleRetry() {
  linkDown("Hub not reached — retrying");
  clearTimeout(S.retryTimer);
  S.retryTimer = setTimeout(connect, S.retryMs);
  S.retryMs = Math.min(RETRY_MAX_MS, S.retryMs * 2);
}

function onMessage(msg) {
  if (msg.type === "hello") {
    S.probing = false;
    S.watching = !msg.staff;
    S.mayAct = !!msg.may_act;
    S.escalateAfter = msg.escalate_after_s;
    if (msg.staff) S.me = msg.staff;
    showWho();
  } else if (msg.type === "rooms") {
    const now = performance.now();
    for (const r of msg.rooms || []) { S.rooms.set(r.room_id, { room: r, heardAt: now }); announceNew(r); }
  } else if (msg.type === "room" && msg.room) {
    S.rooms.set(msg.room.room_id, { room: msg.room, heardAt: performance.now() });
    if (msg.room.contact === "live") S.silencedLost.delete(msg.room.room_id);
    announceNew(msg.room);
  } else if (msg.type === "act_result") {
    const p = S.pending.get(msg.act_id);
    S.pending.delete(msg.act_id);
    const roomId = (p && p.room_id) || msg.room_id;
    if (roomId) {
      const name = S.me ? S.me.name : "you";
      const done = p && p.command === "answer_call" ? `call answered by ${name}` : `acknowledged by ${name}`;
      setResult(roomId, msg.ok ? { ok: true, text: done } : { ok: false, text: `Not done: ${msg.detail || "refused"}` });
    }
  }
  renderAll();
}

function sendAct(roomId, command, args, target) {
  if (!S.ws || !S.wsOpen) {
    setResult(roomId, { ok: false, text: "Not sent: the hub is not reached" });
    renderAll();
    return;
  }
  const actId = newId();
  S.pending.set(actId, { room_id: roomId, command, target });
  S.results.delete(roomId);
  S.ws.send(JSON.stringify({ type: "act", act_id: actId, room_id: roomId, command, args }));
  setTimeout(() => {  // no answer at all: say so rather than leave "Sending…"
    if (S.pending.delete(actId)) { setResult(roomId, { ok: false, text: "No answer from the hub; try again" }); renderAll(); }
  }, 10000);
  renderAll();
}

$("rooms").addEventListener("click", (ev) => {
  const b = ev.target.closest("button");
  if (!b) return;
  if (b.dataset.silence) { S.silencedLost.add(b.dataset.silence); renderAll(); return; }
  if (b.dataset.act === "acknowledge_alarm") sendAct(b.dataset.room, "acknowledge_alarm", { alarm_id: b.dataset.alarm }, b.dataset.alarm);
  else if (b.dataset.act === "answer_call") sendAct(b.dataset.room, "answer_call", {}, "call");
});

// ---- sign-in ------------------------------------------------------------------------------------------------
async function checkSession() {
  try {
    const r = await fetch("/api/v1/station/me", { credentials: "same-origin", cache: "no-store" });
    if (r.status === 200) { S.me = await r.json(); return "signed-in"; }
    if (r.status === 401 || r.status === 403) return "signed-out";
    return "unreachable";
  } catch (e) { return "unreachable"; }
}

function showWho() {
  if (!S.me && !S.watching) { $("who").hidden = true; return; }
  $("who-name").textContent = S.me
    ? `${S.me.name}${S.me.role ? ` (${S.me.role})` : ""}${S.mayAct ? "" : " — watch only"}`
    : "Watch only";
  $("signout").textContent = S.me ? "Sign out" : "Sign in";
  $("who").hidden = false;
}

function signedIn() {
  $("signin").hidden = true;
  $("signin-error").textContent = "";
  showWho();
  connect();
  renderAll();
}

function signedOut(message) {
  S.wantLive = false; S.probing = false; S.watching = false;
  clearTimeout(S.retryTimer);
  if (S.ws) S.ws.close();
  S.me = null; S.mayAct = false;
  S.rooms.clear(); S.pending.clear(); S.results.clear();
  linkUp();
  showWho();
  renderAll();
  $("signin").hidden = false;
  $("signin-error").textContent = message || "";
  $("staff-id").focus();
}

async function problemText(resp) {
  let body = null;
  try { body = await resp.json(); } catch (e) { /* not JSON */ }
  const detail = body && typeof body.detail === "string" ? body.detail : null;
  if (resp.status === 401) return detail || "Wrong staff id or PIN.";
  if (resp.status === 423 || resp.status === 429) return detail || "Too many wrong PINs: the account is locked for a few minutes.";
  if (resp.status === 422) return "Enter your staff id and your PIN.";
  return detail || `The hub refused the sign-in (HTTP ${resp.status}).`;
}

$("signin").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const staff_id = $("staff-id").value.trim(), pin = $("pin").value;
  if (!staff_id || !pin) { $("signin-error").textContent = "Enter your staff id and your PIN."; return; }
  $("signin-error").textContent = "Signing in…";
  let resp;
  try {
    resp = await fetch("/api/v1/station/signin", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ staff_id, pin }) });
  } catch (e) {
    $("signin-error").textContent = "The hub is not reached — check the network and try again.";
    return;
  }
  $("pin").value = "";
  if (resp.status === 200) { S.me = await resp.json(); signedIn(); }
  else $("signin-error").textContent = await problemText(resp);
});

$("signout").addEventListener("click", async () => {
  if (!S.me) { signedOut(""); return; }  // a watching display: the nurse signs in to act
  try { await fetch("/api/v1/station/signout", { method: "POST", credentials: "same-origin" }); } catch (e) { /* gone anyway */ }
  signedOut("Signed out.");
});

async function boot() {
  try {
    const [labels, tones] = await Promise.all([fetch("/station/labels.json").then((r) => r.json()),
      fetch("/station/tones.json").then((r) => r.json())]);
    S.labels = labels; S.tones = tones;
  } catch (e) { /* the page still works; sound waits for the melodies */ }
  const state = await checkSession();
  if (state === "signed-in") signedIn();
  else if (state === "signed-out") { S.probing = true; connect(); }
  else { linkDown("Hub not reached — retrying"); setTimeout(boot, 2000); }
}

// ---- sound: the IEC 60601-1-8 melodies of the room, synthesized from tones.json --------------------------------
const Sound = { ctx: null, on: false, playing: null, loop: null, bus: null };

function soundWanted() {
  let best = null, bestRank = 0;
  for (const entry of S.rooms.values()) {
    const r = entry.room;
    if (isLost(entry)) {
      if (!neverHeard(entry) && !S.silencedLost.has(r.room_id) && bestRank < 1) { best = "low"; bestRank = 1; }
      continue;
    }
    for (const a of r.alarms || []) {
      const rank = PRIORITY_RANK[a.priority] || 1;
      if (!a.acknowledged_by && rank > bestRank) { best = a.priority in PRIORITY_RANK ? a.priority : "low"; bestRank = rank; }
    }
    if (r.call && bestRank < 0.5) { best = "call"; bestRank = 0.5; }
  }
  return best;
}

function updateSound() {
  const want = Sound.on && S.tones ? soundWanted() : null;
  if (want === Sound.playing) return;
  stopLoop();
  Sound.playing = want;
  $("sound").dataset.playing = want || "";
  if (!want) return;
  const period = want === "call" ? S.tones.call.every_s : S.tones.alarms[want].period_s;
  const play = () => (want === "call" ? playCall() : playBurst(S.tones.alarms[want]));
  play();
  Sound.loop = setInterval(play, period * 1000);
}

function stopLoop() {
  clearInterval(Sound.loop);
  Sound.loop = null;
  if (Sound.bus) { Sound.bus.disconnect(); Sound.bus = null; }  // cuts what was scheduled, at once
}

function bus() {
  if (!Sound.bus) { Sound.bus = Sound.ctx.createGain(); Sound.bus.gain.value = 0.6; Sound.bus.connect(Sound.ctx.destination); }
  return Sound.bus;
}

function playBurst(p) {
  const ctx = Sound.ctx, out = bus();
  const imag = new Float32Array([0, ...p.harmonics]), real = new Float32Array(imag.length);
  const wave = ctx.createPeriodicWave(real, imag);
  const t0 = ctx.currentTime + 0.05;
  for (const onset of p.onsets_s) {
    const t = t0 + onset, osc = ctx.createOscillator(), g = ctx.createGain();
    osc.setPeriodicWave(wave);
    osc.frequency.value = p.fundamental_hz;
    g.gain.setValueAtTime(0, t);
    g.gain.linearRampToValueAtTime(1, t + p.rise_s);
    g.gain.setValueAtTime(1, t + p.pulse_s - p.fall_s);
    g.gain.linearRampToValueAtTime(0, t + p.pulse_s);
    osc.connect(g).connect(out);
    osc.start(t);
    osc.stop(t + p.pulse_s + 0.02);
  }
}

function playCall() {
  const ctx = Sound.ctx, out = bus(), c = S.tones.call;
  const t0 = ctx.currentTime + 0.05;
  c.notes_hz.forEach((f, i) => {
    const t = t0 + i * c.note_gap_s, end = t0 + c.seconds;
    for (const [mult, amp] of [[1, 1], [2, c.octave_gain]]) {
      const osc = ctx.createOscillator(), g = ctx.createGain();
      osc.frequency.value = f * mult;
      g.gain.setValueAtTime(0, t);
      g.gain.linearRampToValueAtTime(0.5 * amp, t + 0.015);
      g.gain.setTargetAtTime(0, t + 0.015, 1 / c.decay_per_s);
      osc.connect(g).connect(out);
      osc.start(t);
      osc.stop(end);
    }
  });
}

$("sound").addEventListener("click", async () => {
  if (!Sound.on) {
    try {
      Sound.ctx = Sound.ctx || new AudioContext();
      await Sound.ctx.resume();
      Sound.on = true;
    } catch (e) { Sound.on = false; }
  } else {
    Sound.on = false;
    stopLoop();
    Sound.playing = null;
    $("sound").dataset.playing = "";
  }
  const b = $("sound");
  b.className = `sound ${Sound.on ? "on" : "off"}`;
  b.textContent = Sound.on ? "Sound on — tap to turn off" : "Sound is OFF — tap to enable";
  updateSound();
});

setInterval(renderAll, 1000);  // ages, timers, and rooms the page stopped hearing about
boot();
