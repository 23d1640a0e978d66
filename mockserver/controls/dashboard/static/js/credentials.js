// The world's credentials with copy buttons and ready-to-paste curl lines for this very mock.

import { call } from "./api.js";
import { cell, copyButton, copyLine, el } from "./dom.js";

const base = () => window.location.origin;
const quote = (text) => `'${text.replaceAll("'", "'\\''")}'`;

function keys(klayrai) {
  return el("table", {}, el("caption", {}, "KlayrAI API keys (header x-api-key)"),
    el("thead", {}, el("tr", {}, ...["Key", "Plan", "Workspace", "Gets", ""].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, klayrai.map((k) => el("tr", {}, cell(el("code", {}, k["x-api-key"])), cell(k.plan),
      cell(k.workspace), cell(k.revoked ? "401 (revoked)" : `${k.accounts} accounts`),
      el("td", {}, copyButton(k["x-api-key"], `key ${k["x-api-key"]}`))))));
}

function tokens(graph) {
  return el("table", {}, el("caption", {}, "Graph access tokens (query access_token, or Authorization: Bearer)"),
    el("thead", {}, el("tr", {}, ...["Token", "Name", "Businesses", "Gets", ""].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, graph.map((t) => el("tr", {}, cell(el("code", {}, t.access_token)), cell(t.name),
      cell(t.business_ids.join(", ")),
      cell(t.expired ? "400 code 190/463 (expired)" : t.can_manage ? "the businesses' client ad accounts"
        : "403 code 200 (no permission)"),
      el("td", {}, copyButton(t.access_token, `token ${t.name}`))))));
}

function posts(targets, graph) {
  return targets.map((target) => {
    const token = graph.find((t) => !t.expired && t.can_manage && t.business_ids.includes(target.business_id));
    const url = `${base()}${target.path}?access_token=${token ? token.access_token : "TOKEN"}`;
    const line = (account) => `curl -s -X POST ${quote(url)} -d adaccount_id=${account}`;
    const group = (title, accounts) => (accounts.length ? el("div", {}, el("h4", {}, title),
      el("p", {}, accounts.map((a) => el("code", {}, a)).flatMap((c) => [c, " "])), copyLine(line(accounts[0]),
        `POST line for ${accounts[0]}`)) : null);
    return el("section", { "aria-label": `POST targets of business ${target.business_id}` },
      el("h3", {}, `Business ${target.business_id}: ad accounts a POST can name`),
      group("Accepted at once (CONFIRMED)", target.accepted),
      group("Left pending for the owner's approval (PENDING)", target.pending),
      Object.entries(target.conflict).map(([example, accounts]) => group(`Refused: ${example}`, accounts)));
  });
}

export async function refresh() {
  const credentials = await call("/__mock/credentials");
  const key = credentials.klayrai.find((k) => !k.revoked && k.plan === "agency");
  const token = credentials.graph.find((t) => !t.expired && t.can_manage);
  const lines = [];
  if (key) lines.push(copyLine(`curl -s ${base()}/v1/accounts -H ${quote(`x-api-key: ${key["x-api-key"]}`)}`,
    "KlayrAI curl line"));
  if (token) {
    const url = `${base()}/v25.0/${token.business_ids[0]}/client_ad_accounts?access_token=${token.access_token}`;
    lines.push(copyLine(`curl -s ${quote(`${url}&fields=name,account_status`)}`, "Graph curl line"));
  }
  document.getElementById("credentials-body").replaceChildren(
    el("h3", {}, "Try it"), ...lines, keys(credentials.klayrai), tokens(credentials.graph),
    ...posts(credentials.graph_post || [], credentials.graph),
    el("p", {}, "App secret (for appsecret_proof): ", el("code", {}, credentials.app_secret), " ",
      copyButton(credentials.app_secret, "app secret")));
}
