// The chime and the spoken call. A browser plays sound only after a gesture
// on the page, hence the "sound on" button; speech where the browser can speak
// Bahasa Indonesia (any voice otherwise, with lang set so it tries).

let ctx: AudioContext | null = null;

/** Call from a click: unlocks audio for the page's lifetime. */
export async function enableSound(): Promise<boolean> {
  try {
    ctx ??= new AudioContext();
    await ctx.resume();
    return ctx.state === "running";
  } catch {
    return false;
  }
}

export function soundOn(): boolean {
  return ctx?.state === "running";
}

/** Two soft tones, like a hall's "ding-dong"; resolves when they are over. */
export function chime(): Promise<void> {
  const c = ctx;
  if (!c || c.state !== "running") return Promise.resolve();
  const t0 = c.currentTime;
  for (const [i, hz] of [
    [0, 880],
    [1, 660],
  ] as const) {
    const osc = c.createOscillator();
    const gain = c.createGain();
    osc.frequency.value = hz;
    const start = t0 + i * 0.45;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.3, start + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.8);
    osc.connect(gain).connect(c.destination);
    osc.start(start);
    osc.stop(start + 0.85);
  }
  return new Promise((resolve) => setTimeout(resolve, 1300));
}

export function canSpeak(): boolean {
  return typeof speechSynthesis !== "undefined";
}

export function speak(sentence: string): void {
  if (!canSpeak()) return;
  const u = new SpeechSynthesisUtterance(sentence);
  u.lang = "id-ID";
  const voice = speechSynthesis.getVoices().find((v) => v.lang.toLowerCase().startsWith("id"));
  if (voice) u.voice = voice;
  u.rate = 0.9;
  speechSynthesis.speak(u);
}
