// The admin API, same origin only. Off loopback the mock wants `Authorization: Bearer <admin token>`: a 401
// asks the page for it (kept in sessionStorage: this tab only) and the call can be made again.

const TOKEN_KEY = "mockserver-admin-token";
export const events = new EventTarget();

export class AdminError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  events.dispatchEvent(new Event("token"));
}

export function headers(extra = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { ...extra, authorization: `Bearer ${token}` } : { ...extra };
}

export async function failure(response) {
  let message = `${response.status} ${response.statusText}`;
  try {
    message = (await response.json()).error.message || message;
  } catch {
    // not the admin API's JSON envelope: keep the status line
  }
  if (response.status === 401) events.dispatchEvent(new Event("unauthorized"));
  return new AdminError(response.status, message);
}

// GET, or a state change: always `Content-Type: application/json`, which the admin API requires.
export async function call(path, { method = "GET", body } = {}) {
  const changing = method !== "GET";
  const response = await fetch(path, {
    method,
    headers: headers(changing ? { accept: "application/json", "content-type": "application/json" }
      : { accept: "application/json" }),
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  if (!response.ok) throw await failure(response);
  return response.status === 204 ? null : response.json();
}
