// The smallest citizen client for counter calls (call.html): join, take a number,
// walk up when called (the route is given), accept, talk. Exposes `callPage` so a
// test, or a developer in the console, can drive it.
"use strict";

const callPage = (() => {
  const state = { ws: null, seq: 0, me: null, x: 0, y: 0, status: "idle", messages: [] };
  const $ = (id) => document.getElementById(id);
  const setStatus = (s) => { state.status = s; $("status").textContent = s; };

  function send(msg) {
    state.seq += 1;
    state.ws.send(JSON.stringify({ ...msg, seq: state.seq }));
  }

  const call = createCounterCall({
    send,
    toneHz: 600,
    playOut: false,
    onChange(change) {
      if (change.consent) {
        $("consent-text").textContent = `${change.consent.id} / ${change.consent.en}`;
        $("consent").hidden = false;
      }
      $("hangup").hidden = !["connecting", "connected", "new", "checking"].includes(change.status);
      setStatus(`panggilan / call: ${change.status}${change.reason ? " " + change.reason : ""}`);
    },
  });

  async function join(hall, name) {
    const res = await fetch("/api/v1/auth/guest/token", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ display_name: name, role: "guest" }) });
    const { token } = await res.json();
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    state.ws = new WebSocket(`${scheme}://${location.host}/ws/v1/halls/${hall}`);
    state.ws.binaryType = "arraybuffer";
    await new Promise((ok) => state.ws.addEventListener("open", ok, { once: true }));
    state.ws.send(JSON.stringify({ type: "join", token }));
    state.ws.addEventListener("message", (ev) => {
      if (typeof ev.data !== "string") return;  // snapshot frames: not needed here
      const msg = JSON.parse(ev.data);
      state.messages.push(msg);
      if (msg.type === "welcome") { state.me = msg.you; state.x = msg.you.x; state.y = msg.you.y; }
      else if (msg.type === "correction") { state.x = msg.x; state.y = msg.y; }
      else if (msg.type === "error") { $("log").textContent += `error ${msg.code}: ${msg.message}\n`; }
      else call.handle(msg);
    });
    while (!state.me) await new Promise((ok) => setTimeout(ok, 50));
    setStatus("di aula / in the hall");
  }

  // Walk along points the scene allows (the test computes the route).
  async function walk(points) {
    for (const [wx, wy] of points) {
      for (;;) {
        const dx = wx - state.x, dy = wy - state.y, d = Math.hypot(dx, dy);
        if (d < 1e-6) break;
        const step = Math.min(0.8, d);
        state.x += (dx / d) * step; state.y += (dy / d) * step;
        send({ type: "move", x: state.x, y: state.y, yaw: 0, anim: "walk" });
        await new Promise((ok) => setTimeout(ok, 70));
      }
    }
  }

  $("yes").onclick = () => { $("consent").hidden = true; call.accept(true); };
  $("no").onclick = () => { $("consent").hidden = true; call.accept(false); };
  $("hangup").onclick = () => call.hangup();
  return { state, join, send, walk, call, dominantHz: () => call.dominantHz() };
})();
