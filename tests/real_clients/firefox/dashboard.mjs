// The dashboard in Debian's Firefox ESR, driven over WebDriver BiDi by puppeteer-core (pinned in package-lock.json:
// no browser is downloaded, the executable is given); run by tests/real_clients/test_dashboard_firefox.py.
//
// Usage: node dashboard.mjs <firefox> <base_url> <api_key> [<admin_token>]
// With an admin token the mock is off loopback: the page asks for the token first, and keeps it over a reload.
// Prints one JSON line: the status of the page as first opened (401 off loopback: the sign-in page), the statuses
// of the API requests this script made while the page watched, every request of the page outside the mock's
// origin, and every script error of the page. Exits 1 on the first step that fails.
import puppeteer from "puppeteer-core";

const [firefox, base, apiKey, adminToken] = process.argv.slice(2);
const WAIT_MS = 20_000;
const origin = new URL(base).origin;
const statuses = [];
let opened = null;

// Whether a request of the page stays in it or on the mock: a data: URL (the blank icon) is never fetched, and a
// blob: URL (the modules the sign-in page runs) carries the origin of the page that made it.
const local = (url) => url.startsWith("data:") || new URL(url.replace(/^blob:/, "")).origin === origin;

// One KlayrAI request made by this script, not the page: the page must see it on its own.
async function listAccounts() {
  const response = await fetch(`${base}/v1/accounts`, { headers: { "x-api-key": apiKey } });
  statuses.push(response.status);
  return response;
}

function waitForText(page, selector, text) {
  return page.waitForFunction(
    (css, wanted) => [...document.querySelectorAll(css)].some((node) => node.textContent.includes(wanted)),
    { polling: 100 },
    selector,
    text,
  );
}

function waitForNone(page, selector) {
  return page.waitForFunction((css) => document.querySelectorAll(css).length === 0, { polling: 100 }, selector);
}

async function signIn(page) {
  await page.waitForFunction(() => document.activeElement?.id === "token", { polling: 100 });
  await page.type("#token", adminToken);
  await page.click("#token-form button[type=submit]");
}

async function drive(page) {
  opened = (await page.goto(`${base}/__mock/ui/`)).status();
  if (adminToken) {
    await signIn(page);
    await waitForText(page, "#journal-live", "live");
    await page.reload();  // the token is kept in this tab: no second prompt
  }
  await waitForText(page, "#journal-live", "live");

  const sent = await listAccounts();
  await waitForText(page, "#journal-table tbody tr", "listAccounts");
  await page.focus("#journal-table tbody tr");
  await page.keyboard.press("Enter");
  await waitForText(page, "#details-body", sent.headers.get("x-request-id"));

  await page.waitForSelector('#s-operation option[value="listAccounts"]');
  await page.type("#s-name", "down");
  await page.select("#s-operation", "listAccounts");
  await page.waitForSelector('#s-code option[value="500"]');
  await page.select("#s-code", "500");
  await page.type("#s-times", "5");
  await page.click("#scenario-form button[type=submit]");
  await waitForText(page, "#scenario-table tr[data-name=down]", "status 500");
  await listAccounts();
  await waitForText(page, "#journal-table tbody tr:first-child", "scenario down");
  await page.click('#scenario-table button[aria-label="Remove scenario down"]');
  await waitForNone(page, "#scenario-table tr[data-name=down]");
  await listAccounts();
  await waitForText(page, "#journal-table tbody tr:first-child", "real behaviour");
}

const browser = await puppeteer.launch({
  browser: "firefox",
  protocol: "webDriverBiDi",
  executablePath: firefox,
  headless: true,
  timeout: WAIT_MS,
});
const outside = [];
const errors = [];
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on("request", (request) => local(request.url()) || outside.push(request.url()));
  page.on("pageerror", (error) => errors.push(String(error)));
  await drive(page);
  await page.close();  // closes its journal stream before the mock stops
  console.log(JSON.stringify({ opened, statuses, outside, errors }));
} catch (error) {
  console.error(`${error.stack}\nstatuses so far: ${statuses}; outside: ${outside}; errors: ${errors}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
