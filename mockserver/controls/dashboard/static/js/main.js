// The dashboard: every panel reads the admin API of the mock that served this page, and nothing else.

import { events, setToken } from "./api.js";
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

async function load() {
  await Promise.all([journal.start(), scenarios.refresh(), coverage.refresh(), credentials.refresh()]);
}

async function main() {
  const known = await operations();
  journal.setup(known);
  journal.onEntry(() => coverage.soon());
  scenarios.setup(known, () => {
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
  await load().catch(report);
}

main();
