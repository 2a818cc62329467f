// The payloads the front ends read, as types for the JSDoc type check (`npm run typecheck`).
// docs/protocol.md is the protocol; handoff/protocol/ holds the same shapes as TypedDicts and the
// golden examples (docs/protocol-examples.json) are checked against both sides' tests. Types
// only: nothing here is bundled.

export type StateName = "bot" | "queued" | "agent" | "offline" | "closed";
/** Why a conversation is an offline ticket; `no_speaker`: nobody online speaks its language. */
export type OfflineReason = "closed_hours" | "no_agents" | "no_speaker" | "wait_limit" | "customer";

export interface AgentRef {
  id: string;
  name: string;
}

export interface Contact {
  email: string;
  name: string;
}

/** /agent: a conversation's details (hello.active, get_conversation, conversation_updated, …). */
export interface ConversationInfo {
  conversation_id: string;
  customer_id: string;
  state: StateName;
  version: number;
  reason: string;
  language: string;
  skill: string;
  summary: Record<string, unknown>;
  created_at: number;
  queued_at: number | null;
  claimed_at: number | null;
  closed_at: number | null;
  owner: AgentRef | null;
  contact: Contact | null;
  last_seq: number;
  resolution: string;
  tags: string[];
  csat: number | null;
  /** What the customer wrote with their rating, if anything. */
  csat_comment?: string;
  offline_reason: string;
  /** The follow-up question after the close: asked later, asked, answered, or moot. */
  followup?: "scheduled" | "due" | "yes" | "no" | "cancelled";
  /** When the follow-up is (or was) asked, unix seconds: with `scheduled` and `due`. */
  followup_due?: number;
}

/** /agent: a queue entry or an offline ticket. */
export interface QueueItem {
  conversation_id: string;
  customer_id: string;
  state: "queued" | "offline";
  reason: string;
  language: string;
  skill: string;
  summary: Record<string, unknown>;
  queued_at: number;
  exclusive_until: number;
  position: number;
  preview: string;
  contact: Contact | null;
  offline_reason?: OfflineReason;
  eligible?: boolean;
  /** It was over and the customer came back: a reply by email, or "no" to the follow-up. */
  reopened?: "email" | "followup";
}

/** How to show a triage summary (`hello`'s `summary_labels`, from contract/triage_labels.yml). */
export interface SummaryLabels {
  fields: Record<string, { label: string; text?: string; values?: Record<string, string> }>;
}

/** `queue_alert`: waited past the wait limit, and I could take it (see docs/protocol.md). */
export interface QueueAlert {
  item: QueueItem;
  waited_s: number;
  offline_in_s: number;
}

export interface AgentInfo {
  id: string;
  username: string;
  name: string;
  languages: string[];
  skills: string[];
  capacity: number;
  status: "online" | "away";
  roles?: string[]; // "writer", "admin": who may open the workbench
}

/** get_agents: a colleague, with the load a transfer would add to. */
export interface AgentSummary {
  id: string;
  name: string;
  languages: string[];
  skills: string[];
  capacity: number;
  load: number;
  online: boolean;
  status: "online" | "away";
}

export interface Note {
  id: string;
  agent: AgentRef;
  text: string;
  ts: number;
  client_msg_id?: string;
}

export interface Canned {
  id: string;
  title: string;
  text: string;
  language: string;
  tags: string[];
  /** Typed as "/<shortcut>"; responses sharing one are its variants, one per language. */
  shortcut?: string;
}

/** A suggested reply (docs/agent-assist.md): inserted for editing, never sent by itself. */
export interface Suggestion {
  id: string;
  source: "faq" | "past" | "canned";
  text: string;
  why: string;
  topic?: string;
  confidence?: number;
  times?: number;
  csat?: number;
  matched?: string[];
  canned_id?: string;
}

/** The `suggestions` event, and `get_suggestions`' ack without `ok`. */
export interface Suggestions {
  conversation_id: string;
  for_seq: number;
  language: string;
  suggestions: Suggestion[];
}

export interface DeskStats {
  day: string;
  conversations_today: number;
  handoffs_by_reason: Record<string, number>;
  median_wait_s: number | null;
  median_first_response_s: number | null;
  csat_average: number | null;
  csat_count: number;
  queue_length: number;
  tickets: number;
  agents_online: number;
  /** Today's ratings by the tags the conversations were closed with. */
  csat_by_tag?: Record<string, { average: number; count: number }>;
  /** Today's latest rating comments, newest first. */
  csat_comments?: { conversation_id: string; rating: number; comment: string; tags: string[]; at: number }[];
  /** Today's answers to "Was your problem solved?", and the share of yes (null: none yet). */
  followup_yes?: number;
  followup_no?: number;
  resolution_confirmed_rate?: number | null;
  /** Today's suggested replies by source: what the agents did with them. */
  assist?: Record<string, { used: number; edited: number; ignored: number }>;
}

/** get_conversation / watch / claim acks, and conversation_assigned (with from_agent, note). */
/** One email to the customer and where it stands (docs/email.md, "Status"). */
export interface EmailInfo {
  id: string;
  kind: "reply" | "transcript" | "followup";
  status: "queued" | "sending" | "sent" | "retrying" | "failed" | "skipped";
  to: string;
  tries: number;
  reason: string;
  created_at: number;
  updated_at: number;
  seqs: number[];
}

export interface ConversationDetail {
  conversation: ConversationInfo;
  messages: import("./transcript.js").Entry[];
  notes?: Note[];
  has_more?: boolean;
  from_agent?: AgentRef;
  note?: string;
  emails?: EmailInfo[];
}

export interface HelloAck {
  agent: AgentInfo;
  active: ConversationInfo[];
  queue: QueueItem[];
  tickets: QueueItem[];
  /** Absent from older services: the summary then shows its raw keys and values. */
  summary_labels?: SummaryLabels;
}

/**
 * The conversation's language as the widget reads it from the customer namespace's payloads:
 * an optional ISO 639-1 code (docs/widget.md, "Languages"); the service does not send it yet.
 */
export interface ConversationLanguage {
  language?: string;
}

/** The customer namespace's session and state payloads. */
export interface SessionInfo extends ConversationLanguage {
  session_id: string;
  conversation_id: string | null;
  state: StateName;
  last_seq: number;
  /** the service emails customers (docs/email.md) */
  email?: boolean;
}

export interface StateChange extends ConversationLanguage {
  conversation_id: string;
  state: StateName;
  reason?: string;
  queue_position?: number;
  estimated_wait_s?: number;
  /** The line has not moved for longer than the whole estimate. */
  longer_than_usual?: boolean;
  agent_name?: string;
  offline_reason?: OfflineReason;
  business_hours?: string;
  csat_requested?: boolean;
  /** the email the triage collected, sent when the conversation goes offline (prefills the form) */
  contact_email?: string;
}

/** `tandem_followup`: "Was your problem solved?" about a closed conversation, in its language. */
export interface FollowUpQuestion {
  conversation_id: string;
  question: string;
  yes: string;
  no: string;
}

export interface TranscriptPayload extends ConversationLanguage {
  conversation_id: string | null;
  after_seq: number;
  last_seq: number;
  messages: import("./transcript.js").Entry[];
  has_more: boolean;
}
