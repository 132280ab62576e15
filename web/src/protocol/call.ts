// One leg of a counter call over WebRTC (docs/protocol.md section 13), for
// any page holding a HallConnection: the citizen app and the officer console.
// The server is the peer of both legs, so neither side learns the other's
// address. `dominantHz` lets a test check what is heard.

import type { HallConnection } from "./connection";
import type { ServerMessage } from "./messages";

export type LegStatus = "idle" | "starting" | RTCPeerConnectionState | "failed" | "ended";

export interface LegOptions {
  conn: HallConnection;
  callId: string;
  iceServers: RTCIceServer[];
  onStatus: (status: LegStatus, detail?: string) => void;
  /** A test tone instead of the microphone (tests and demos), in Hz. */
  toneHz?: number | null;
}

export class CallLeg {
  private pc: RTCPeerConnection | null = null;
  private ctx: AudioContext | null = null;
  private analyser: AnalyserNode | null = null;
  private tracks: MediaStreamTrack[] = [];
  private audio: HTMLAudioElement | null = null;
  private remote: MediaStream | null = null;
  private plainMuted = false;
  status: LegStatus = "idle";

  constructor(private readonly opts: LegOptions) {}

  private set(status: LegStatus, detail?: string): void {
    this.status = status;
    this.opts.onStatus(status, detail);
  }

  private async source(): Promise<MediaStream> {
    // Asking for the microphone is also what lets a browser offer its real
    // host candidates instead of mDNS names.
    const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
    const tone = this.opts.toneHz;
    if (!tone || !this.ctx) return mic;
    mic.getTracks().forEach((t) => t.stop());
    const osc = this.ctx.createOscillator();
    osc.frequency.value = tone;
    const gain = this.ctx.createGain();
    gain.gain.value = 0.3;
    const out = this.ctx.createMediaStreamDestination();
    osc.connect(gain).connect(out);
    osc.start();
    return out.stream;
  }

  async start(): Promise<void> {
    this.set("starting");
    try {
      this.ctx = new AudioContext({ sampleRate: 48000 });
      await this.ctx.resume().catch(() => undefined);
      const stream = await this.source();
      this.tracks = stream.getTracks();
      const pc = new RTCPeerConnection({ iceServers: this.opts.iceServers });
      this.pc = pc;
      for (const t of this.tracks) pc.addTrack(t, stream);
      pc.ontrack = (ev) => {
        const remote = ev.streams[0] ?? new MediaStream([ev.track]);
        // Chrome feeds remote WebRTC audio to Web Audio only once an element plays it.
        this.remote = remote;
        this.audio = new Audio();
        this.audio.muted = this.plainMuted;
        this.audio.srcObject = remote;
        void this.audio.play().catch(() => undefined);
        if (this.ctx) {
          this.analyser = this.ctx.createAnalyser();
          this.analyser.fftSize = 8192;
          this.ctx.createMediaStreamSource(remote).connect(this.analyser);
        }
      };
      pc.onicecandidate = (ev) => {
        this.opts.conn.send({
          type: "call_ice",
          call_id: this.opts.callId,
          candidate: ev.candidate ? ev.candidate.toJSON() : null,
        });
      };
      pc.onconnectionstatechange = () => this.set(pc.connectionState);
      await pc.setLocalDescription(await pc.createOffer());
      const answer = await this.opts.conn.request<"call_answer">({
        type: "call_offer",
        call_id: this.opts.callId,
        sdp: pc.localDescription?.sdp ?? "",
      });
      await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    } catch (err) {
      const denied = err instanceof DOMException && (err.name === "NotAllowedError" || err.name === "NotFoundError");
      this.stop();
      this.set("failed", denied ? "microphone" : String(err));
    }
  }

  /** Feed every server message here; call messages for this leg are taken. */
  handle(msg: ServerMessage): void {
    if (msg.type === "call_ended" && msg.call_id === this.opts.callId) {
      this.stop();
      this.set("ended", msg.reason);
    }
  }

  hangup(): void {
    this.opts.conn.send({ type: "call_hangup", call_id: this.opts.callId });
    this.stop();
    this.set("ended", "hangup");
  }

  stop(): void {
    this.pc?.close();
    this.tracks.forEach((t) => t.stop());
    if (this.audio) this.audio.srcObject = null;
    void this.ctx?.close().catch(() => undefined);
    this.pc = null;
    this.ctx = null;
    this.analyser = null;
    this.tracks = [];
    this.audio = null;
    this.remote = null;
  }

  /** The other side's audio once it arrives (the 3D view places it at the counter). */
  remoteStream(): MediaStream | null {
    return this.remote;
  }

  /** Mute the plain playback while the voice is played elsewhere (positional audio); the element keeps the stream flowing. */
  setPlainPlayback(on: boolean): void {
    this.plainMuted = !on;
    if (this.audio) this.audio.muted = !on;
  }

  /** The strongest frequency heard (Hz), or 0 before audio arrives. */
  dominantHz(): number {
    if (!this.analyser || !this.ctx) return 0;
    const bins = new Float32Array(this.analyser.frequencyBinCount);
    this.analyser.getFloatFrequencyData(bins);
    let best = 1;
    for (let i = 1; i < bins.length; i++) if ((bins[i] ?? -Infinity) > (bins[best] ?? -Infinity)) best = i;
    if ((bins[best] ?? -Infinity) < -70) return 0;
    return (best * this.ctx.sampleRate) / this.analyser.fftSize;
  }
}
