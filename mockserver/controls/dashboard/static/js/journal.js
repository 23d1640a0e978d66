// The journal, live: history from GET /__mock/journal, then new entries from the stream; filters; details.

import { call } from "./api.js";
import { cell, el } from "./dom.js";
import { follow } from "./sse.js";

const KEPT = 500; // entries this page keeps (the mock keeps --journal-size)
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80004]); // Graph's throttling error codes

const table = () => document.querySelector("#journal-table tbody");
let entries = [];
let stream = null;
let selected = null;
const listeners = [];

export function onEntry(listener) {
  listeners.push(listener);
}

function responseBody(entry) {
  const body = entry.response && entry.response.body;
  if (typeof body !== "string") return body;
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}

// What made the answer what it was: a scenario rule, the Prefer header, a rate limit, or the real behaviour.
export function shapedBy(entry) {
  if (entry.violations && entry.violations.length) return `breaks ${entry.violations.join(", ")}`;
  if (entry.scenario === "prefer") return "Prefer header";
  if (entry.scenario) return `scenario ${entry.scenario}`;
  const body = responseBody(entry);
  const code = body && body.error && body.error.code;
  if (entry.status === 429 || RATE_LIMIT_CODES.has(code)) return "rate limit";
  return "real behaviour";
}

function matches(entry) {
  const operation = document.getElementById("filter-operation").value;
  const status = document.getElementById("filter-status").value.trim();
  return (!operation || entry.operation_id === operation) && (!status || String(entry.status) === status);
}

function time(entry) {
  return new Date(entry.time * 1000).toLocaleTimeString([], { hour12: false });
}

function row(entry) {
  const tr = el("tr", { tabindex: "0", "data-id": entry.id, "aria-selected": String(entry.id === selected) },
    cell(time(entry)), cell(entry.operation_id || "(no operation)"), cell(entry.method),
    cell(entry.query ? `${entry.path}?${entry.query}` : entry.path),
    cell(entry.status, { class: `status-${String(entry.status)[0]}` }),
    cell(`${entry.duration_ms} ms`), cell(shapedBy(entry)));
  tr.addEventListener("click", () => open(entry, tr));
  tr.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      open(entry, tr);
    } else if (event.key === "ArrowDown" && tr.nextElementSibling) {
      event.preventDefault();
      tr.nextElementSibling.focus();
    } else if (event.key === "ArrowUp" && tr.previousElementSibling) {
      event.preventDefault();
      tr.previousElementSibling.focus();
    }
  });
  return tr;
}

function render() {
  table().replaceChildren(...entries.filter(matches).map(row));
}

// A value as the details show it: objects as nested lists, JSON text (a body) formatted.
function show(value) {
  if (value === null || value === undefined) return el("span", { class: "muted" }, "none");
  if (typeof value === "string") {
    const text = value.trim();
    if ((text.startsWith("{") || text.startsWith("[")) && text.length > 1) {
      try {
        return el("pre", {}, JSON.stringify(JSON.parse(text), null, 2));
      } catch {
        // not JSON after all
      }
    }
    return el("code", {}, value);
  }
  if (Array.isArray(value) && value.length === 0) return el("span", { class: "muted" }, "none");
  if (Array.isArray(value) && value.every((v) => typeof v !== "object")) return el("code", {}, value.join(", "));
  if (typeof value === "object") {
    if (Object.keys(value).length === 0) return el("span", {}, Array.isArray(value) ? "none" : "{}");
    if (Array.isArray(value) || "body" in value || "headers" in value) {
      return el("dl", { class: "pairs" }, Object.entries(value).flatMap(([k, v]) => [
        el("dt", {}, k), el("dd", {}, k === "body" && typeof v === "object" ? el("pre", {}, JSON.stringify(v, null, 2))
          : show(v))]));
    }
    return el("pre", {}, JSON.stringify(value, null, 2));
  }
  return el("code", {}, String(value));
}

function open(entry, tr) {
  selected = entry.id;
  for (const other of table().querySelectorAll("tr")) other.setAttribute("aria-selected", String(other === tr));
  const details = document.getElementById("details");
  details.hidden = false;
  document.getElementById("details-title").textContent =
    `${entry.method} ${entry.path}: ${entry.status} (${entry.operation_id || "no operation"})`;
  const fields = { ...entry, time: new Date(entry.time * 1000).toISOString(), shaped_by: shapedBy(entry) };
  document.getElementById("details-body").replaceChildren(el("dl", { class: "pairs" },
    Object.entries(fields).flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, show(value))])));
}

function add(entry) {
  entries.unshift(entry);
  if (entries.length > KEPT) entries.length = KEPT;
  if (matches(entry)) {
    table().prepend(row(entry));
    while (table().rows.length > KEPT) table().lastElementChild.remove();
  }
  for (const listener of listeners) listener(entry);
}

function live(state, error) {
  const badge = document.getElementById("journal-live");
  badge.textContent = state === "live" ? "live" : "paused";
  badge.classList.toggle("live", state === "live");
  document.getElementById("status").textContent = state === "live" ? "Connected: new requests appear as they come."
    : `Journal stream ${state}${error ? `: ${error.message}` : ""}`;
}

export async function start() {
  if (stream) stream.stop();
  const history = await call("/__mock/journal?limit=200");
  entries = history.entries;
  for (const entry of entries) offer(entry.operation_id);
  render();
  const newest = entries.length ? entries[0].id : 0;
  stream = follow("/__mock/journal/stream", newest, {
    onEvent(name, data) {
      if (name === "entry") add(data);
      else if (name === "reset") clear();
    },
    onState: live,
  });
}

export function clear() {
  entries = [];
  selected = null;
  render();
  document.getElementById("details").hidden = true;
}

// The operation filter's choices: the contract's operations, and any other an entry names (the proxy's).
const choices = new Set();

function offer(operationId) {
  if (!operationId || choices.has(operationId)) return;
  choices.add(operationId);
  document.getElementById("filter-operation").append(el("option", { value: operationId }, operationId));
}

export function setOperations(operations) {
  for (const op of operations) offer(op.operationId);
}

export function setup() {
  onEntry((entry) => offer(entry.operation_id));
  document.getElementById("journal-filters").addEventListener("input", render);
  document.getElementById("journal-filters").addEventListener("submit", (event) => event.preventDefault());
  document.getElementById("journal-clear").addEventListener("click", async () => {
    await call("/__mock/journal", { method: "DELETE" });
    clear();
  });
  window.addEventListener("pagehide", () => stream && stream.stop());
}
