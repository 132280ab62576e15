// The JSON messages of the hall protocol v1.1 (docs/protocol.md), as types.

import type { Anim } from "./snapshot";

export interface Bilingual {
  id: string;
  en: string;
}

export interface Appearance {
  model_url?: string;
  colors?: Partial<Record<"skin" | "hair" | "top" | "bottom" | "accent", string>>;
}

export type Role = "citizen" | "officer" | "bot" | "guide" | "spectator";

export interface Profile {
  id: number;
  name: string;
  role: Role;
  appearance: Appearance;
}

export interface Avatar extends Profile {
  x: number;
  y: number;
  yaw: number;
  anim: Anim;
  flags: number;
}

export interface Welcome {
  type: "welcome";
  protocol: number;
  protocol_version: string;
  session_id: string;
  resume_token: string;
  resumed: boolean;
  hall: string;
  scene: { id: string; url: string };
  tick_hz: number;
  aoi_cell_m: number;
  chat_radius_m: number;
  view_max_avatars: number;
  tick: number;
  you: Avatar;
  neighbours: Avatar[];
}

export interface Estimate {
  low_s: number;
  expected_s: number;
  high_s: number;
}

export type TicketState =
  | "booked"
  | "waiting"
  | "called"
  | "serving"
  | "parked"
  | "done"
  | "cancelled"
  | "no_show";

export interface Ticket {
  type: "ticket";
  ticket_id: string;
  number: string | null;
  service: string;
  priority: string;
  state: TicketState;
  counter_id: string | null;
  issued_at: number;
  appointment_at?: number | null;
  position?: number;
  estimate?: Estimate;
  wait_at?: [number, number] | null;
  outcome?: string;
  ref?: number;
}

export interface CounterInfo {
  id: string;
  name: Bilingual;
  position: [number, number];
  facing: number;
}

export interface Called {
  type: "called";
  ticket_id: string;
  number: string;
  recalls: number;
  counter: CounterInfo;
}

export interface ChecklistItem {
  requirement: string;
  shown: boolean;
  text: Bilingual;
}

export interface CallInfo {
  call_id: string;
  state: string;
  staff: "officer" | "bot";
  recording: boolean;
  video: boolean;
}

export interface DocumentInfo {
  document_id: string;
  requirement: string;
  media_type: string;
  size: number;
}

export interface CounterSession {
  type: "counter_session";
  session_id: string;
  counter_id: string;
  ticket_id: string;
  ticket_number: string;
  service: string;
  staffed_by: "officer" | "bot";
  channel: string | null;
  call: CallInfo | null;
  form: Record<string, unknown>;
  fields: string[];
  variant_chosen: string | null;
  checklist: ChecklistItem[];
  on_behalf: { relationship: string; nik: string } | null;
  documents?: DocumentInfo[];
  identity?: { verified: boolean; on_behalf_filings: number; name?: string | null };
  ref?: number;
}

export interface FormResult {
  type: "form_result";
  session_id: string;
  errors: Record<string, Bilingual>;
  form_keys: string[];
  ref?: number;
}

export interface ApplicationFiled {
  type: "application_filed";
  session_id: string;
  application_id: string;
  tracking_code: string;
  service: string;
  status: string;
  review: "officer" | "none";
  fee_idr: number | null;
}

export interface SessionEnded {
  type: "session_ended";
  session_id: string;
  /** The service and counter of the session (1.1), so that a client that came back
   * after the session ended can still show what the survey is about. */
  service?: string;
  counter_id?: string;
  outcome: string;
  reason: string;
  /** After a finished service, to the citizen only: answers the SKM survey once (protocol 16.1). */
  survey_token?: string;
}

export interface ApplicationStatus {
  type: "application_status";
  tracking_code: string;
  status: string;
  text: Bilingual;
}

export interface Chat {
  type: "chat";
  channel: string;
  from: { id: number; name: string };
  text: string;
  text_en?: string;
  ts: number;
}

export interface ErrorMessage {
  type: "error";
  code: string;
  message: string;
  text: Bilingual;
  ref?: number;
  /** `hall_moved` (many nodes): the owning node's hall socket, or null while it changes hands. */
  ws_url?: string | null;
}

export interface CallInvite {
  type: "call_invite";
  call_id: string;
  session_id: string;
  ticket_id: string;
  counter_id: string;
  state: string;
  staff: "officer" | "bot";
  recording: boolean;
  video: boolean;
  side: "citizen" | "staff";
  ice_servers: RTCIceServer[];
  consent?: Bilingual;
}

export interface CallState {
  type: "call_state";
  call_id: string;
  state: string;
  staff: "officer" | "bot";
  recording: boolean;
  video: boolean;
  connected: { citizen: boolean; staff: boolean };
}

export interface QueueEntry {
  ticket_id: string;
  number: string;
  service: string;
  priority: string;
  waited_s: number;
  appointment_at: number | null;
}

export interface CounterStateMsg {
  type: "counter_state";
  counter_id: string;
  status: string;
  staffed_by: string | null;
  ticket_id: string | null;
  ref?: number;
}

export interface QueuesMsg {
  type: "queues";
  counters: Array<{ counter_id: string; status: string; staffed_by: string | null; waiting: QueueEntry[] }>;
  ref?: number;
}

/** Any message from the server; unknown types pass through as `{type: string}`. */
export type ServerMessage =
  | Welcome
  | { type: "profiles"; avatars: Profile[] }
  | { type: "correction"; seq: number; x: number; y: number; yaw: number; anim: Anim; flags: number }
  | Chat
  | { type: "emote"; avatar: number; emote: string }
  | { type: "channel_opened"; channel: string; members: number[]; ref?: number }
  | { type: "channel_closed"; channel: string }
  | { type: "announcement"; text: Bilingual }
  | { type: "pong"; t?: unknown; server_time: number; ref?: number }
  | ErrorMessage
  | Ticket
  | Called
  | CounterSession
  | FormResult
  | ApplicationFiled
  | SessionEnded
  | ApplicationStatus
  | CallInvite
  | CallState
  | { type: "call_accepted"; call_id: string; ref?: number }
  | { type: "call_answer"; call_id: string; sdp: string; ref?: number }
  | { type: "call_ended"; call_id: string; reason: string }
  | CounterStateMsg
  | QueuesMsg;

export type ServerType = ServerMessage["type"];
export type MessageOf<T extends ServerType> = Extract<ServerMessage, { type: T }>;

/** Board (section 11.3). */
export interface Board {
  hall: string;
  now_serving: Array<{ counter_id: string; number: string; service: string; state: string }>;
  waiting: Record<string, number>;
  updated_at?: number;
}
