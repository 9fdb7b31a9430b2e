// fraudd's live dashboard: polls the JSON feed of the fraudd that serves
// this page (/api/summary every second, /api/latest every two) and draws
// it with Chart.js. Everything from the feed is put on the page as text
// (textContent), never as HTML: card ids and reasons come from outside.
"use strict";

const COLORS = {
  approve: "#34c38f",
  review: "#f1b44c",
  decline: "#f46a6a",
  rejected: "#8a96b0",
  p50: "#5b8def",
  p90: "#a78bfa",
  p99: "#f472b6",
  wait: "#8a96b0",
  grid: "rgba(138, 150, 176, 0.15)",
  text: "#8a96b0",
};

const state = { charts: {}, series: [], latestKeys: new Set(), lastSummary: null, openTx: null, holdLatest: false };
window.fraudDashboard = state;  // for the browser test and curious SREs

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function fmtNum(v) { return Number.isInteger(v) ? String(v) : Number(v).toFixed(2); }
function fmtInt(n) { return Number(n || 0).toLocaleString("en-US"); }
function fmtRate(n) {
  if (n >= 1000) return (n / 1000).toFixed(n >= 10000 ? 0 : 1) + "k";
  return n >= 10 ? n.toFixed(0) : n.toFixed(1);
}
function fmtUs(us) {
  if (us >= 1000) return (us / 1000).toFixed(us >= 10000 ? 0 : 1) + " ms";
  return (us >= 10 ? us.toFixed(0) : us.toFixed(1)) + " µs";
}
// Event times are the authoriser's: a replay's are in the past, so the date.
function fmtEventTime(ms) { return new Date(ms).toISOString().slice(5, 16).replace("T", " "); }
function fmtClock(ms) { return new Date(ms).toLocaleTimeString("en-GB", { hour12: false }); }
function fmtUptime(s) {
  const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
  return d > 0 ? `up ${d}d ${h}h` : h > 0 ? `up ${h}h ${m}m` : `up ${m}m ${s % 60}s`;
}
function fmtAmount(d) {
  if (d.amount_minor === undefined) return "";
  return (d.amount_minor / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) +
    " " + (d.currency || "");
}

function baseOptions(extra) {
  return Object.assign({
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: "index", intersect: false },
    plugins: { legend: { labels: { color: COLORS.text, boxWidth: 12, usePointStyle: true } } },
    elements: { point: { radius: 0 }, line: { borderWidth: 2, tension: 0.25 } },
  }, extra);
}
function axis(extra) {
  return Object.assign({ grid: { color: COLORS.grid }, ticks: { color: COLORS.text, maxTicksLimit: 8 } }, extra);
}

function makeCharts() {
  Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
  const area = (label, color) => ({ label, data: [], borderColor: color, backgroundColor: color + "55", fill: true });
  state.charts.rates = new Chart(document.getElementById("rate-chart"), {
    type: "line",
    data: { labels: [], datasets: [
      area("approve", COLORS.approve), area("review", COLORS.review),
      area("decline", COLORS.decline), area("rejected", COLORS.rejected)] },
    options: baseOptions({ scales: {
      x: axis({ ticks: { color: COLORS.text, maxTicksLimit: 6, maxRotation: 0 } }),
      y: axis({ stacked: true, beginAtZero: true, title: { display: true, text: "per second", color: COLORS.text } }) } }),
  });
  const line = (label, color, yAxisID, dash) =>
    ({ label, data: [], borderColor: color, backgroundColor: color, yAxisID, borderDash: dash || [], spanGaps: false });
  state.charts.latency = new Chart(document.getElementById("latency-chart"), {
    type: "line",
    data: { labels: [], datasets: [
      line("p50", COLORS.p50, "us"), line("p90", COLORS.p90, "us"), line("p99", COLORS.p99, "us"),
      line("wait before read (ms)", COLORS.wait, "ms", [4, 4])] },
    options: baseOptions({ scales: {
      x: axis({ ticks: { color: COLORS.text, maxTicksLimit: 6, maxRotation: 0 } }),
      us: axis({ type: "logarithmic", position: "left", title: { display: true, text: "µs", color: COLORS.text } }),
      ms: axis({ position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                 title: { display: true, text: "ms", color: COLORS.text } }) } }),
  });
  state.charts.rules = new Chart(document.getElementById("rules-chart"), {
    type: "bar",
    data: { labels: [], datasets: [{ label: "decisions", data: [], backgroundColor: COLORS.decline + "cc", borderRadius: 4 }] },
    options: baseOptions({ indexAxis: "y", plugins: { legend: { display: false } },
      scales: { x: axis({ beginAtZero: true }), y: axis({ grid: { display: false }, ticks: { color: "#c3cbe0", autoSkip: false } }) } }),
  });
}

function setText(id, text) { document.getElementById(id).textContent = text; }

function renderSummary(s) {
  state.lastSummary = s;
  setText("instance", s.instance || "fraudd");
  setText("ruleset", "ruleset " + (s.ruleset || "–"));
  setText("uptime", fmtUptime(s.uptime_s || 0));
  const ready = document.getElementById("ready");
  ready.textContent = s.ready.ok ? "ready" : "not ready: " + s.ready.reason;
  ready.className = "chip state " + (s.ready.ok ? "ok" : "bad");

  // Only what is new comes each time (?since=): the page keeps five minutes.
  const series = state.series.concat(s.series || []);
  const keepFrom = series.length ? series[series.length - 1].t - 300000 : 0;
  state.series = series.filter(p => p.t > keepFrom);
  const now = state.series.length ? state.series[state.series.length - 1] : null;
  const total = p => p.approve + p.review + p.decline;
  setText("kpi-rate", now ? fmtRate(total(now)) : "–");
  setText("kpi-peak", fmtRate(state.series.reduce((m, p) => Math.max(m, total(p)), 0)));
  const t = s.totals || {};
  setText("kpi-approve", fmtInt(t.approve));
  setText("kpi-review", fmtInt(t.review));
  setText("kpi-decline", fmtInt(t.decline));
  const decided = (t.approve || 0) + (t.review || 0) + (t.decline || 0);
  setText("kpi-decline-share", decided ? ((100 * t.decline) / decided).toFixed(2) + " %" : "–");
  if (s.latency_us) {
    setText("kpi-latency", fmtUs(s.latency_us.p50) + " / " + fmtUs(s.latency_us.p99));
    setText("kpi-max", fmtUs(s.latency_us.max));
  }
  setText("kpi-cards", fmtInt(s.cards_active));
  setText("kpi-backlog", fmtInt(s.store_backlog));
  setText("kpi-rejected", fmtInt(t.rejected));

  const shown = state.series;
  const labels = shown.map(p => fmtClock(p.t));
  const rates = state.charts.rates;
  rates.data.labels = labels;
  ["approve", "review", "decline", "rejected"].forEach((k, i) => { rates.data.datasets[i].data = shown.map(p => p[k]); });
  rates.update("none");

  const lat = state.charts.latency;
  lat.data.labels = labels;
  // Seconds without traffic have no latency: a gap, not a zero.
  const us = v => (v > 0 ? v : null);
  lat.data.datasets[0].data = shown.map(p => us(p.p50_us));
  lat.data.datasets[1].data = shown.map(p => us(p.p90_us));
  lat.data.datasets[2].data = shown.map(p => us(p.p99_us));
  lat.data.datasets[3].data = shown.map(p => p.wait_ms);
  lat.update("none");

  const rules = state.charts.rules;
  rules.data.labels = s.rule_hits.map(r => r.rule);
  rules.data.datasets[0].data = s.rule_hits.map(r => r.hits);
  rules.update("none");
}

function reasonsText(d) {
  if (!d.reasons || d.reasons.length === 0) return el("span", { class: "muted" }, "no rule fired");
  const frag = document.createDocumentFragment();
  d.reasons.slice(0, 3).forEach((r, i) => {
    if (i > 0) frag.append(el("br"));
    frag.append(el("span", { class: "rule" }, r.rule), ": " + r.detail);
  });
  if (d.reasons.length > 3) frag.append(el("br"), el("span", { class: "muted" }, `+${d.reasons.length - 3} more`));
  return frag;
}

function renderLatest(list) {
  // Rows do not move under the pointer of someone about to click one.
  if (state.holdLatest) return;
  const body = document.querySelector("#latest tbody");
  const rows = list.decisions || [];
  if (rows.length === 0) return;
  const seen = state.latestKeys;
  const next = new Set();
  body.replaceChildren(...rows.map(d => {
    next.add(d.tx_id);
    const tr = el("tr", { "data-tx": d.tx_id, class: seen.size && !seen.has(d.tx_id) ? "fresh" : "" },
      el("td", { class: "mono" }, fmtClock(d.decided_at_ms)),
      el("td", {}, el("span", { class: "badge " + d.action }, d.action)),
      el("td", {}, d.score),
      el("td", { class: "mono" }, d.card_id),
      el("td", { class: "nowrap" }, fmtAmount(d)),
      el("td", { class: "reasons" }, reasonsText(d)));
    tr.addEventListener("click", () => openDecision(d.tx_id));
    return tr;
  }));
  state.latestKeys = next;
}

function field(dl, name, value) { dl.append(el("dt", {}, name), el("dd", {}, value)); }

function reasonCard(r, shadow) {
  return el("div", { class: "reason-card" + (shadow ? " shadow" : "") },
    el("div", {}, el("span", { class: "rule" }, r.rule), r.score ? `  (+${r.score})` : "  (hard action)"),
    el("div", {}, r.detail),
    el("div", { class: "numbers" }, `value ${fmtNum(r.value)} · threshold ${fmtNum(r.threshold)}`));
}

function fmtUtc(ms) { return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC"); }

// A REVIEW decision's case (README: Review queue and outcomes) and the
// outcome labels learnt for the transaction, whatever its action.
function outcomeSection(j) {
  const parts = [el("h3", {}, "case and outcome")];
  const k = j.case;
  const dl = el("dl", { class: "fields", id: "detail-case" });
  if (k) {
    field(dl, "case", el("span", { class: "badge case-" + k.state }, k.state));
    field(dl, "opened", fmtUtc(k.opened_at_ms));
    if (k.state === "open") {
      field(dl, "resolve", el("span", { class: "mono" }, `fraudctl cases resolve ${k.tx_id} fraud|legit`));
    } else {
      field(dl, "resolved", `${fmtUtc(k.resolved_at_ms)} by ${k.resolved_by}`);
      if (k.note) field(dl, "note", k.note);
    }
  } else {
    field(dl, "case", el("span", { class: "muted" }, "none (only a REVIEW opens one)"));
  }
  const labels = j.labels || [];
  if (labels.length === 0) field(dl, "labels", el("span", { class: "muted" }, "no outcome learnt yet"));
  parts.push(dl);
  if (labels.length) {
    const table = el("table", { id: "detail-labels" },
      el("thead", {}, el("tr", {}, el("th", {}, "learnt at (UTC)"), el("th", {}, "outcome"), el("th", {}, "source"), el("th", {}, "by"), el("th", {}, "note"))));
    const tb = el("tbody");
    labels.forEach(l => tb.append(el("tr", {},
      el("td", { class: "mono nowrap" }, fmtUtc(l.at_ms)),
      el("td", {}, el("span", { class: "badge outcome-" + l.outcome }, l.outcome)),
      el("td", {}, l.source), el("td", {}, l.signer), el("td", {}, l.note || ""))));
    table.append(tb);
    parts.push(table);
  }
  return parts;
}

async function openDecision(tx) {
  state.openTx = tx;
  const aside = document.getElementById("detail");
  const body = document.getElementById("detail-body");
  setText("detail-tx", tx);
  body.replaceChildren(el("p", { class: "muted" }, "loading…"));
  aside.hidden = false;
  let j;
  try {
    const res = await fetch("/api/decision?tx_id=" + encodeURIComponent(tx));
    j = await res.json();
    if (!res.ok) throw new Error(j.error ? j.error.message : res.statusText);
  } catch (e) {
    body.replaceChildren(el("p", { class: "muted" }, "could not load it: " + e.message));
    return;
  }
  const d = j.decision;
  const dl = el("dl", { class: "fields" });
  field(dl, "action", el("span", { class: "badge " + d.action }, d.action));
  field(dl, "score", d.score);
  field(dl, "card", el("span", { class: "mono" }, d.card_id));
  field(dl, "amount", fmtAmount(d));
  field(dl, "merchant", `${d.merchant_id || "–"} (MCC ${d.mcc}), ${d.country || "–"}, ${d.channel || ""}`);
  field(dl, "event time", new Date(d.event_time_ms).toISOString().replace("T", " ").replace("Z", " UTC"));
  field(dl, "decided at", new Date(d.decided_at_ms).toISOString().replace("T", " ").replace("Z", " UTC"));
  field(dl, "service latency", fmtUs(d.service_latency_ns / 1000));
  field(dl, "ruleset", d.ruleset_version);
  field(dl, "model", d.model_version
    ? `${d.model_version}, model_score ${Number(d.model_score).toFixed(4)}`
    : "none");
  const parts = [dl, el("h3", {}, `reasons (${d.reasons.length})`)];
  if (d.reasons.length === 0) parts.push(el("p", { class: "muted" }, "no rule fired"));
  d.reasons.forEach(r => parts.push(reasonCard(r, false)));
  if (d.shadow_reasons && d.shadow_reasons.length) {
    parts.push(el("h3", {}, "shadow rules (recorded, not acted on)"));
    d.shadow_reasons.forEach(r => parts.push(reasonCard(r, true)));
  }
  parts.push(...outcomeSection(j));
  parts.push(el("h3", {}, "the card's latest decisions"));
  const table = el("table", { id: "card-decisions" },
    el("thead", {}, el("tr", {}, el("th", {}, "event time (UTC)"), el("th", {}, "action"), el("th", {}, "amount"), el("th", {}, "rules"))));
  const tb = el("tbody");
  (j.card_decisions || []).forEach(c => {
    const tr = el("tr", { "data-tx": c.tx_id, class: c.tx_id === d.tx_id ? "current" : "" },
      el("td", { class: "mono nowrap" }, fmtEventTime(c.event_time_ms)),
      el("td", {}, el("span", { class: "badge " + c.action }, c.action)),
      el("td", { class: "nowrap" }, fmtAmount(c)),
      el("td", {}, c.reasons.map(r => r.rule).join(", ") || "–"));
    tr.addEventListener("click", () => openDecision(c.tx_id));
    tb.append(tr);
  });
  table.append(tb);
  parts.push(table);
  body.replaceChildren(...parts);
}

async function poll(url, render) {
  const res = await fetch(url(), { cache: "no-store" });
  if (!res.ok) throw new Error(res.url + ": " + res.status);
  render(await res.json());
}

function every(ms, url, render) {
  const tick = async () => {
    try {
      await poll(url, render);
      setText("status", "live · updated " + new Date().toLocaleTimeString("en-GB", { hour12: false }));
    } catch (e) {
      setText("status", "cannot reach fraudd (" + e.message + "), retrying");
    }
    setTimeout(tick, ms);
  };
  tick();
}

document.addEventListener("DOMContentLoaded", () => {
  makeCharts();
  document.getElementById("detail-close").addEventListener("click", () => {
    document.getElementById("detail").hidden = true;
    state.openTx = null;
  });
  const wrap = document.querySelector(".table-wrap");
  wrap.addEventListener("mouseenter", () => { state.holdLatest = true; });
  wrap.addEventListener("mouseleave", () => { state.holdLatest = false; });
  document.addEventListener("keydown", e => { if (e.key === "Escape") document.getElementById("detail").hidden = true; });
  every(1000, () => "/api/summary?since=" + (state.series.length ? state.series[state.series.length - 1].t : 0),
        renderSummary);
  every(2000, () => "/api/latest", renderLatest);
});
