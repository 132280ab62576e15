// The voice call with the officer: offered only when a person staffs the
// counter (a bot answers in the chat and records nothing). Consent to
// recording is asked before anything starts; the recording state stays in
// view; hang up ends it.

import { useEffect, useRef, useState } from "preact/hooks";
import { CallLeg, type LegStatus } from "../protocol/call";
import { pick, translate } from "../shared/i18n";
import { callEnded, callState, complain, conn, invite, setActiveLeg } from "./store";
import { T } from "./texts";

export function Call() {
  const inv = invite.value;
  const [status, setStatus] = useState<LegStatus>("idle");
  const [detail, setDetail] = useState("");
  const [recording, setRecording] = useState<boolean | null>(null);
  const leg = useRef<CallLeg | null>(null);
  useEffect(() => () => leg.current?.stop(), []);
  useEffect(() => {
    if (!inv && leg.current) {
      leg.current.stop();
      leg.current = null;
      setActiveLeg(null);
      setStatus("ended");
    }
  }, [inv?.call_id]);
  if (!inv) {
    return callEnded.value ? <p class="hint">{translate(T, "call_ended")}</p> : null;
  }

  async function accept(record: boolean): Promise<void> {
    const c = conn();
    if (!c || !inv) return;
    try {
      await c.request({ type: "call_accept", call_id: inv.call_id, record, video: false });
      setRecording(record);
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
      setActiveLeg(l);
      await l.start();
    } catch (err) {
      complain(err);
    }
  }

  const staffConnected = callState.value?.connected.staff ?? false;
  return (
    <div class="call" aria-live="polite" data-testid="call">
      <h3>{translate(T, "call_title")}</h3>
      {status === "idle" ? (
        <>
          <p>{pick(inv.consent)}</p>
          <div class="row">
            <button type="button" class="primary" onClick={() => void accept(true)}>
              {translate(T, "call_consent_yes")}
            </button>
            <button type="button" onClick={() => void accept(false)}>
              {translate(T, "call_consent_no")}
            </button>
          </div>
        </>
      ) : (
        <>
          <p class={recording ? "rec on" : "rec"} data-testid="recording">
            ● {translate(T, recording ? "call_recording" : "call_not_recording")}
          </p>
          <p data-testid="call-status">
            {status === "failed" && detail === "microphone"
              ? translate(T, "call_mic_denied")
              : status === "connected"
                ? staffConnected
                  ? translate(T, "call_live")
                  : translate(T, "call_waiting_staff")
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
    </div>
  );
}
