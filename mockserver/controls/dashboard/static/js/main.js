// The dashboard: every panel reads the admin API of the mock that served this page, and nothing else.

import { call, events, setToken } from "./api.js";
import * as coverage from "./coverage.js";
import * as credentials from "./credentials.js";
import * as journal from "./journal.js";
import * as scenarios from "./scenarios.js";

// operationIds, documented statuses and example names, from the copy of the contract Swagger UI reads.
async function operations() {
  const response = await fetch("/ui/try-it.json", { cache: "no-store" });
  const spec = await response.json();
  const found = [];
  for (const item of Object.values(spec.paths)) {
    for (const operation of Object.values(item)) {
      if (!operation || !operation.operationId) continue;
      const prefer = (operation.parameters || []).find((p) => p.name === "Prefer");
      const values = prefer ? prefer.schema.enum : [];
      found.push({
        operationId: operation.operationId,
        codes: values.filter((v) => v.startsWith("code=")).map((v) => v.slice(5)),
        examples: values.filter((v) => v.startsWith("example=")).map((v) => v.slice(8)),
      });
    }
  }
  return found.sort((a, b) => a.operationId.localeCompare(b.operationId));
}

function report(error) {
  document.getElementById("status").textContent = `The admin API answered: ${error.message}`;
}

// The panels this server can fill (the validating proxy has a journal only), by the pages its index lists.
const PANELS = {
  scenarios: "/__mock/scenarios", limits: "/__mock/settings", credentials: "/__mock/credentials",
  coverage: "/__mock/journal", docs: "/ui/",
};

function offered(paths) {
  const shown = {};
  for (const [panel, path] of Object.entries(PANELS)) {
    shown[panel] = paths.has(path);
    for (const node of document.querySelectorAll(`#${panel}, [data-panel="${panel}"]`)) node.hidden = !shown[panel];
  }
  return shown;
}

async function load() {
  const index = await call("/__mock/");
  const shown = offered(new Set(index.pages.map((page) => page.path)));
  const known = shown.docs ? await operations() : [];
  journal.setOperations(known);
  scenarios.setOperations(known);
  await Promise.all([
    journal.start(),
    shown.scenarios && scenarios.refresh(),
    shown.coverage && coverage.refresh(),
    shown.credentials && credentials.refresh(),
  ]);
}

function main() {
  journal.setup();
  journal.onEntry(() => coverage.soon());
  scenarios.setup(() => {
    journal.clear();
    coverage.refresh().catch(report);
  });
  const form = document.getElementById("token-form");
  events.addEventListener("unauthorized", () => {
    form.hidden = false;
    document.getElementById("token").focus();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setToken(document.getElementById("token").value);
    form.hidden = true;
    load().catch(report);
  });
  load().catch(report);
}

main();
