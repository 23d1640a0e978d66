// Server-Sent Events over fetch (EventSource cannot send the admin token): reads `id:`, `event:`, `data:` and
// `retry:` lines, and reconnects after `retry` ms from the last id it saw.

import { failure, headers } from "./api.js";

export function follow(path, after, { onEvent, onState }) {
  let last = after;
  let retry = 2000;
  let stopped = false;
  let controller = null;

  function dispatch(block) {
    let name = "message";
    let id = null;
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") name = value;
      else if (field === "data") data.push(value);
      else if (field === "id") id = value;
      else if (field === "retry" && /^\d+$/.test(value)) retry = Number(value);
    }
    if (id !== null) last = id;
    if (data.length) onEvent(name, JSON.parse(data.join("\n")));
  }

  async function once() {
    controller = new AbortController();
    const url = `${path}?after=${encodeURIComponent(last)}`;
    const response = await fetch(url, {
      headers: headers({ accept: "text/event-stream" }), signal: controller.signal, cache: "no-store",
    });
    if (!response.ok) throw await failure(response);
    onState("live");
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, "\n");
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
      }
    }
  }

  async function loop() {
    while (!stopped) {
      try {
        await once();
        onState("reconnecting");
      } catch (error) {
        if (stopped) return;
        onState("offline", error);
        if (error.status === 401 || error.status === 403) return; // the page resumes once it has a token
      }
      await new Promise((resolve) => setTimeout(resolve, retry));
    }
  }

  loop();
  return {
    stop() {
      stopped = true;
      if (controller) controller.abort();
    },
  };
}
