// Off loopback the dashboard's files need the admin token, which a browser's navigation cannot send. This page asks
// for it once (kept in sessionStorage: this tab only; the dashboard's api.js reads the same key), fetches the
// dashboard's page, style sheets and modules with `Authorization: Bearer`, and runs them in this document: each
// style sheet as a <style> and each module from a blob: URL, both with this page's nonce. A blob: module cannot
// resolve "./x.js" against its own URL, so each import is rewritten to the blob: URL of the module it names.
(() => {
  const UI = "/__mock/ui/";
  const TOKEN_KEY = "mockserver-admin-token";
  const IMPORT = /(\bfrom\s*|\bimport\s*)"(\.{1,2}\/[\w./-]+\.js)"/g;
  const nonce = document.currentScript.nonce;
  const form = document.getElementById("token-form");
  const status = document.getElementById("sign-in-status");

  class Refused extends Error {
    constructor(response, message) {
      super(message);
      this.status = response.status;
    }
  }

  async function get(url, token) {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, cache: "no-store" });
    if (response.ok) return response.text();
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (await response.json()).error.message || message;
    } catch {
      // not the admin API's JSON envelope: keep the status line
    }
    throw new Refused(response, message);
  }

  // The module at `url` and every module it imports, as blob: URLs (each fetched once).
  function load(url, token, loaded) {
    if (!loaded.has(url)) {
      loaded.set(url, (async () => {
        const text = await get(url, token);
        const named = [...text.matchAll(IMPORT)].map((match) => match[2]);
        const blobs = new Map();
        for (const specifier of named) blobs.set(specifier, await load(new URL(specifier, url).href, token, loaded));
        const rewritten = text.replace(IMPORT, (_, keyword, specifier) => `${keyword}"${blobs.get(specifier)}"`);
        return URL.createObjectURL(new Blob([rewritten], { type: "text/javascript" }));
      })());
    }
    return loaded.get(url);
  }

  function element(name, properties) {
    const node = document.createElement(name);
    node.nonce = nonce;
    return Object.assign(node, properties);
  }

  async function open(token) {
    const base = new URL(UI, location.origin);
    const page = new DOMParser().parseFromString(await get(base.href, token), "text/html");
    const styles = [];
    for (const link of page.head.querySelectorAll('link[rel="stylesheet"]')) {
      styles.push(element("style", { textContent: await get(new URL(link.getAttribute("href"), base).href, token) }));
      link.remove();
    }
    const loaded = new Map();
    const modules = [];
    for (const script of page.head.querySelectorAll('script[type="module"][src]')) {
      const src = await load(new URL(script.getAttribute("src"), base).href, token, loaded);
      modules.push(element("script", { type: "module", src }));
      script.remove();
    }
    document.head.replaceChildren(...[...page.head.childNodes].map((node) => document.adoptNode(node)), ...styles);
    document.body.replaceWith(document.adoptNode(page.body));
    document.head.append(...modules);
  }

  async function signIn(token) {
    status.textContent = "Loading the dashboard…";
    try {
      await open(token);
    } catch (error) {
      if (error.status === 401) sessionStorage.removeItem(TOKEN_KEY);
      status.textContent = `The mock answered: ${error.message}`;
      ask();
    }
  }

  function ask() {
    form.hidden = false;
    document.getElementById("token").focus();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const token = document.getElementById("token").value;
    sessionStorage.setItem(TOKEN_KEY, token);
    form.hidden = true;
    signIn(token);
  });
  const kept = sessionStorage.getItem(TOKEN_KEY);
  if (kept) signIn(kept);
  else ask();
})();
