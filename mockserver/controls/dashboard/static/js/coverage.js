// Coverage: every documented response, those never answered marked; "not available" where the mock has none.

import { AdminError, call } from "./api.js";
import { cell, el } from "./dom.js";

let pending = null;
let available = true;

function row(operation, response) {
  return el("tr", { class: response.seen ? "" : "never" }, cell(operation.operationId), cell(operation.method),
    cell(operation.path), cell(response.status), cell(response.example || ""),
    cell(!response.seen ? "never" : typeof response.seen === "number" ? `yes (${response.seen})` : "yes"));
}

export async function refresh() {
  const summary = document.getElementById("coverage-summary");
  const body = document.querySelector("#coverage-table tbody");
  let coverage;
  try {
    coverage = await call("/__mock/coverage");
  } catch (error) {
    if (!(error instanceof AdminError) || error.status !== 404) throw error;
    available = false;
    summary.textContent = "Coverage not available on this mock.";
    document.getElementById("coverage-table").hidden = true;
    return;
  }
  document.getElementById("coverage-table").hidden = false;
  const { percent, seen, documented } = coverage.summary;
  summary.textContent = `${percent}% of the documented responses answered (${seen} of ${documented}).`;
  body.replaceChildren(...coverage.operations.flatMap((op) => op.responses.map((r) => row(op, r))));
}

// After new traffic, at most once a second.
export function soon() {
  if (pending || !available) return;
  pending = setTimeout(() => {
    pending = null;
    refresh().catch(() => {});
  }, 1000);
}
