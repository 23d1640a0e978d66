// Scenarios in force (with Remove), the form that adds one, rate limits and latency, and Reset.

import { call } from "./api.js";
import { cell, el } from "./dom.js";

let operations = [];
let changed = () => {};

function answer(spec) {
  const respond = spec.respond || {};
  const parts = [];
  if (respond.code) parts.push(`status ${respond.code}`);
  if (respond.example) parts.push(`example ${respond.example}`);
  if (respond.dynamic) parts.push("dynamic body");
  return parts.join(", ") || "(real answer)";
}

function delay(spec) {
  if (spec.latency === undefined || spec.latency === null) return "";
  return Array.isArray(spec.latency) ? spec.latency.join("–") : spec.latency;
}

function scenarioRow(spec) {
  const remove = el("button", { type: "button", "aria-label": `Remove scenario ${spec.name}` }, "Remove");
  remove.addEventListener("click", async () => {
    await call(`/__mock/scenarios/${encodeURIComponent(spec.name)}`, { method: "DELETE" });
    await refresh();
  });
  return el("tr", { "data-name": spec.name }, cell(spec.name), cell(spec.operation || "*"), cell(answer(spec)),
    cell(spec.probability ?? 1), cell(spec.after ?? 0), cell(spec.times ?? "unlimited"), cell(delay(spec)),
    cell(`${spec.seen} / ${spec.fired}`), el("td", {}, remove));
}

function limitRow(policy) {
  return el("tr", {}, cell(policy.name), cell(policy.operation), cell(policy.credential || "each"),
    cell(policy.limit), cell(policy.window));
}

export async function refresh() {
  const [state, settings] = await Promise.all([call("/__mock/scenarios"), call("/__mock/settings")]);
  const rules = document.querySelector("#scenario-table tbody");
  rules.replaceChildren(...(state.scenarios.length ? state.scenarios.map(scenarioRow)
    : [el("tr", {}, el("td", { colspan: 9 }, "No scenario: every answer is the real behaviour."))]));
  document.querySelector("#limit-table tbody").replaceChildren(...(state.rate_limits.length
    ? state.rate_limits.map(limitRow)
    : [el("tr", {}, el("td", { colspan: 5 }, "No extra limit: the default budget applies."))]));
  const [low, high] = settings.latency_ms;
  const pairs = {
    "Added latency": low === high ? `${low} ms` : `${low}–${high} ms`,
    "Default budget": settings.rate_limit,
    "Responses validated": settings.validate_responses ? "yes" : "no",
    "Journal keeps": `${settings.journal_size} requests`,
    State: settings.state,
  };
  document.getElementById("settings").replaceChildren(
    ...Object.entries(pairs).flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]));
}

function options(select, values, first) {
  select.replaceChildren(el("option", { value: "" }, first), ...values.map((v) => el("option", { value: v }, v)));
}

function fillChoices() {
  const op = operations.find((o) => o.operationId === document.getElementById("s-operation").value);
  options(document.getElementById("s-code"), op ? op.codes : [], "(the example's, or none)");
  options(document.getElementById("s-example"), op ? op.examples : [], "(the status code's first)");
}

function number(form, name) {
  const text = form.elements[name].value.trim();
  return text === "" ? undefined : Number(text);
}

// The rule as the admin API takes it (README: "Errors and latency on demand").
function rule(form) {
  const operation = form.elements.operation.value;
  const respond = {};
  const code = number(form, "code");
  if (code !== undefined) respond.code = code;
  if (form.elements.example.value) respond.example = form.elements.example.value;
  const spec = {
    name: form.elements.name.value.trim() || `${operation}-${respond.example || respond.code || "delay"}`,
    operation,
  };
  if (Object.keys(respond).length) spec.respond = respond;
  for (const name of ["probability", "after", "times"]) {
    const value = number(form, name);
    if (value !== undefined) spec[name] = value;
  }
  const latency = number(form, "delay");
  if (latency !== undefined) spec.latency = latency;
  return spec;
}

export function setOperations(known) {
  operations = known;
  const select = document.getElementById("s-operation");
  const chosen = select.value;
  select.replaceChildren(...operations.map((op) => el("option", { value: op.operationId }, op.operationId)));
  if (operations.some((op) => op.operationId === chosen)) select.value = chosen;
  fillChoices();
}

export function setup(onChange) {
  changed = onChange;
  document.getElementById("s-operation").addEventListener("change", fillChoices);
  const form = document.getElementById("scenario-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = document.getElementById("scenario-error");
    error.textContent = "";
    try {
      await call("/__mock/scenarios", { method: "POST", body: rule(form) });
      form.elements.name.value = "";
      await refresh();
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  document.getElementById("reset").addEventListener("click", async () => {
    if (!window.confirm("Reset the mock? The world goes back to its seed; scenarios, limits and the journal too.")) {
      return;
    }
    await call("/__mock/reset", { method: "POST" });
    await refresh();
    changed();
  });
}
