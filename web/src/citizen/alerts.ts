// Being called must not be missed on a phone: a chime (Web Audio, no file to
// fetch), a vibration, the page title, a notification where granted, and a
// screen-reader announcement (the live region in the app reads `announce`).

import { signal } from "@preact/signals";

export const announce = signal("");
let baseTitle = "";
let titleTimer: ReturnType<typeof setInterval> | null = null;

function chime(): void {
  try {
    const Ctx = window.AudioContext ?? (window as unknown as { webkitAudioContext: typeof AudioContext }).webkitAudioContext;
    const ctx = new Ctx();
    const notes = [659.25, 523.25, 783.99];
    notes.forEach((hz, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = hz;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime + i * 0.35);
      gain.gain.exponentialRampToValueAtTime(0.3, ctx.currentTime + i * 0.35 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + i * 0.35 + 0.32);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + i * 0.35);
      osc.stop(ctx.currentTime + i * 0.35 + 0.34);
    });
    setTimeout(() => void ctx.close(), 1500);
  } catch {
    /* no audio: the other signals remain */
  }
}

export function alertCalled(text: string, recalls: number): void {
  announce.value = `${text}${recalls > 0 ? " " : ""}`.trim() + (recalls > 0 ? ` (${recalls})` : "");
  chime();
  navigator.vibrate?.([300, 150, 300, 150, 600]);
  if (!baseTitle) baseTitle = document.title;
  if (titleTimer) clearInterval(titleTimer);
  let on = false;
  titleTimer = setInterval(() => {
    on = !on;
    document.title = on ? `🔔 ${text}` : baseTitle;
  }, 1000);
  const stop = (): void => {
    if (titleTimer) clearInterval(titleTimer);
    titleTimer = null;
    document.title = baseTitle;
    window.removeEventListener("focus", stop);
    document.removeEventListener("pointerdown", stop);
  };
  window.addEventListener("focus", stop);
  document.addEventListener("pointerdown", stop);
  if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
    try {
      new Notification(text, { tag: "hall-called" });
    } catch {
      /* Android Chrome needs a service worker for notifications; the others remain */
    }
  }
}

export async function askNotifications(): Promise<void> {
  if ("Notification" in window && Notification.permission === "default") {
    await Notification.requestPermission();
  }
}
