// The staff leg of the counter call (docs/protocol.md section 13): joined with
// a click (a browser plays audio after a gesture), the recording state always
// in view while there is a call.

import { useEffect, useRef, useState } from "preact/hooks";
import { CallLeg, type LegStatus } from "../protocol/call";
import { translate } from "../shared/i18n";
import { callEnded, callState, complain, conn, invite } from "./store";
import { T } from "./texts";

declare global {
  interface Window {
    /** The leg in progress: a test reads what it hears (`dominantHz`). */
    officerLeg?: CallLeg | null;
  }
}

/** The leg in progress (tests read what it hears). */
export let currentLeg: CallLeg | null = null;

function setLeg(l: CallLeg | null): void {
  currentLeg = l;
  window.officerLeg = l;
}

export function CallPanel() {
  const inv = invite.value;
  const [status, setStatus] = useState<LegStatus>("idle");
  const [detail, setDetail] = useState("");
  const leg = useRef<CallLeg | null>(null);
  useEffect(() => () => leg.current?.stop(), []);
  useEffect(() => {
    // A new invite (a hand-over) or its end: the old leg goes.
    leg.current?.stop();
    leg.current = null;
    setLeg(null);
    setStatus(inv ? "idle" : "ended");
  }, [inv?.call_id]);

  async function join(): Promise<void> {
    const c = conn();
    if (!c || !inv) return;
    try {
      const toneHz = Number(new URLSearchParams(location.search).get("test_tone_hz")) || null;
      const l = new CallLeg({
        conn: c,
        callId: inv.call_id,
        iceServers: inv.ice_servers,
        toneHz,
        onStatus: (s, d) => {
          setStatus(s);
          setDetail(d ?? "");
        },
      });
      leg.current = l;
      setLeg(l);
      await l.start();
    } catch (err) {
      complain(err);
    }
  }

  const recording = callState.value?.recording ?? inv?.recording ?? false;
  const citizenConnected = callState.value?.connected.citizen ?? false;
  return (
    <section class="card call" aria-labelledby="call-title" data-testid="call">
      <h2 id="call-title">{translate(T, "call_title")}</h2>
      {!inv ? (
        <p class="hint">{translate(T, callEnded.value ? "call_ended" : "call_none")}</p>
      ) : (
        <>
          <p class={recording ? "rec on" : "rec"} id="recording" role="status">
            ● {translate(T, recording ? "call_recording" : "call_not_recording")}
          </p>
          {status === "idle" ? (
            <button type="button" class="primary" id="call-join" onClick={() => void join()}>
              {translate(T, "call_join")}
            </button>
          ) : (
            <>
              <p id="call-status" aria-live="polite">
                {status === "failed" && detail === "microphone"
                  ? translate(T, "call_mic_denied")
                  : status === "connected"
                    ? translate(T, citizenConnected ? "call_live" : "call_waiting_citizen")
                    : status === "ended"
                      ? translate(T, "call_ended")
                      : translate(T, "call_connecting")}
              </p>
              {status !== "ended" ? (
                <button type="button" class="danger" onClick={() => leg.current?.hangup()}>
                  {translate(T, "call_hangup")}
                </button>
              ) : null}
            </>
          )}
        </>
      )}
    </section>
  );
}
