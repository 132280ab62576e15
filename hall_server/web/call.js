// A citizen's counter call, written from docs/protocol.md (sections "Counter calls").
// Exposes `callPage` so a test (or a curious developer in the console) can drive it.
"use strict";

const callPage = (() => {
  const state = { ws: null, seq: 0, me: null, call: null, pc: null, x: 0, y: 0,
                  analyser: null, status: "idle", messages: [], toneHz: 600 };
  const $ = (id) => document.getElementById(id);
  const log = (line) => { $("log").textContent += line + "\n"; };
  const setStatus = (s) => { state.status = s; $("status").textContent = s; };

  function send(msg) {
    state.seq += 1;
    state.ws.send(JSON.stringify({ ...msg, seq: state.seq }));
  }

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
      onMessage(msg);
    });
    await waitFor(() => state.me);
    setStatus("di aula / in the hall");
  }

  function onMessage(msg) {
    if (msg.type === "welcome") { state.me = msg.you; state.x = msg.you.x; state.y = msg.you.y; }
    else if (msg.type === "correction") { state.x = msg.x; state.y = msg.y; }
    else if (msg.type === "call_invite") {
      state.call = msg;
      $("consent-text").textContent = `${msg.consent.id} / ${msg.consent.en}`;
      $("consent").hidden = false;
      setStatus("panggilan masuk / call offered");
    } else if (msg.type === "call_accepted") { startMedia(msg.call_id); }
    else if (msg.type === "call_answer") {
      state.pc.setRemoteDescription({ type: "answer", sdp: msg.sdp });
    } else if (msg.type === "call_ended") { stopMedia(); setStatus("panggilan selesai / call ended: " + msg.reason); }
    else if (msg.type === "error") { log(`error ${msg.code}: ${msg.message}`); }
  }

  // Walk along points the server's scene allows (the test computes the route).
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

  function accept(record) {
    $("consent").hidden = true;
    send({ type: "call_accept", call_id: state.call.call_id, record, video: false });
  }

  async function startMedia(callId) {
    // Asking for the microphone is what lets the browser use real host candidates
    // (not mDNS names); what is sent is a tone, so a test can recognise it.
    const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
    mic.getTracks().forEach((t) => t.stop());
    const ctx = new AudioContext({ sampleRate: 48000 });
    await ctx.resume();
    const osc = ctx.createOscillator();
    osc.frequency.value = state.toneHz;
    const gain = ctx.createGain(); gain.gain.value = 0.3;
    const out = ctx.createMediaStreamDestination();
    osc.connect(gain).connect(out); osc.start();

    const pc = new RTCPeerConnection({ iceServers: state.call.ice_servers });
    state.pc = pc;
    out.stream.getTracks().forEach((t) => pc.addTrack(t, out.stream));
    pc.ontrack = (ev) => {
      const stream = ev.streams[0] || new MediaStream([ev.track]);
      // Chrome only feeds remote WebRTC audio to Web Audio once an element plays it.
      const el = new Audio(); el.srcObject = stream; el.muted = true; el.play();
      const src = ctx.createMediaStreamSource(stream);
      state.analyser = ctx.createAnalyser(); state.analyser.fftSize = 8192;
      src.connect(state.analyser);
    };
    pc.onicecandidate = (ev) => send({ type: "call_ice", call_id: callId,
                                       candidate: ev.candidate ? ev.candidate.toJSON() : null });
    pc.onconnectionstatechange = () => setStatus("panggilan / call: " + pc.connectionState);
    await pc.setLocalDescription(await pc.createOffer());
    send({ type: "call_offer", call_id: callId, sdp: pc.localDescription.sdp });
    $("hangup").hidden = false;
  }

  function stopMedia() {
    if (state.pc) { state.pc.close(); state.pc = null; }
    $("hangup").hidden = true;
  }

  function hangup() {
    if (state.call) send({ type: "call_hangup", call_id: state.call.call_id });
  }

  // The strongest frequency of what the counter says (Hz), or 0 before audio arrives.
  function dominantHz() {
    if (!state.analyser) return 0;
    const bins = new Float32Array(state.analyser.frequencyBinCount);
    state.analyser.getFloatFrequencyData(bins);
    let best = 0;
    for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
    if (bins[best] < -70) return 0;  // silence
    return (best * state.analyser.context.sampleRate) / state.analyser.fftSize;
  }

  async function waitFor(test) {
    while (!test()) await new Promise((ok) => setTimeout(ok, 50));
  }

  $("yes").onclick = () => accept(true);
  $("no").onclick = () => accept(false);
  $("hangup").onclick = hangup;
  return { state, join, send, walk, accept, hangup, dominantHz };
})();
