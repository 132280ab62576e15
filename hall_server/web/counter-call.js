// Counter calls over WebRTC for any page that already holds a hall socket
// (docs/protocol.md, section 13). The page passes `send` (writes a JSON message to
// the hall socket) and shows what `onChange` reports; it feeds every control
// message to `handle`, which returns true for the call messages it took.
"use strict";

function createCounterCall({ send, onChange, toneHz = null, playOut = true }) {
  const state = { invite: null, pc: null, status: "idle", ctx: null, analyser: null, media: [] };
  const set = (status, extra = {}) => { state.status = status; onChange({ status, ...extra }); };

  async function microphone() {
    // Asking for the microphone is also what lets a browser offer its real host
    // candidates instead of mDNS names.
    const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
    if (toneHz === null) return mic;
    // A test tone instead of the voice, so a test can recognise what it hears.
    mic.getTracks().forEach((t) => t.stop());
    const osc = state.ctx.createOscillator();
    osc.frequency.value = toneHz;
    const gain = state.ctx.createGain();
    gain.gain.value = 0.3;
    const out = state.ctx.createMediaStreamDestination();
    osc.connect(gain).connect(out);
    osc.start();
    return out.stream;
  }

  async function start(callId) {
    state.ctx = new AudioContext({ sampleRate: 48000 });
    await state.ctx.resume();
    const stream = await microphone();
    state.media = stream.getTracks();
    const pc = new RTCPeerConnection({ iceServers: state.invite.ice_servers });
    state.pc = pc;
    stream.getTracks().forEach((t) => pc.addTrack(t, stream));
    pc.ontrack = (ev) => {
      const remote = ev.streams[0] || new MediaStream([ev.track]);
      // Chrome feeds remote WebRTC audio to Web Audio only once an element plays it.
      const el = new Audio();
      el.srcObject = remote;
      el.muted = !playOut;
      el.play().catch(() => {});
      state.analyser = state.ctx.createAnalyser();
      state.analyser.fftSize = 8192;
      state.ctx.createMediaStreamSource(remote).connect(state.analyser);
    };
    pc.onicecandidate = (ev) =>
      send({ type: "call_ice", call_id: callId, candidate: ev.candidate ? ev.candidate.toJSON() : null });
    pc.onconnectionstatechange = () => set(pc.connectionState);
    await pc.setLocalDescription(await pc.createOffer());
    send({ type: "call_offer", call_id: callId, sdp: pc.localDescription.sdp });
  }

  function stop() {
    if (state.pc) state.pc.close();
    state.media.forEach((t) => t.stop());
    if (state.ctx) state.ctx.close();
    Object.assign(state, { pc: null, ctx: null, analyser: null, media: [] });
  }

  function handle(msg) {
    if (msg.type === "call_invite" && msg.side === "citizen") {
      state.invite = msg;
      set("invited", { consent: msg.consent });
    } else if (msg.type === "call_accepted") {
      set("connecting", { recording: msg.recording });
      start(msg.call_id).catch((err) => set("failed", { error: String(err) }));
    } else if (msg.type === "call_answer" && state.pc) {
      state.pc.setRemoteDescription({ type: "answer", sdp: msg.sdp });
    } else if (msg.type === "call_state") {
      onChange({ status: state.status, staff: msg.staff });
    } else if (msg.type === "call_ended") {
      stop();
      set("ended", { reason: msg.reason });
      state.invite = null;
    } else {
      return false;
    }
    return true;
  }

  return {
    state,
    handle,
    accept: (record) => send({ type: "call_accept", call_id: state.invite.call_id, record, video: false }),
    hangup: () => state.invite && send({ type: "call_hangup", call_id: state.invite.call_id }),
    // The strongest frequency of what the counter says (Hz), or 0 before audio arrives.
    dominantHz() {
      if (!state.analyser) return 0;
      const bins = new Float32Array(state.analyser.frequencyBinCount);
      state.analyser.getFloatFrequencyData(bins);
      let best = 0;
      for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
      if (bins[best] < -70) return 0;
      return (best * state.ctx.sampleRate) / state.analyser.fftSize;
    },
  };
}
