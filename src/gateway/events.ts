// What the gateway tells subscribers about a session: the agent's own events (already redacted by
// the runtime) tagged with the inbound messages the run serves, and message status changes.
import type { AgentEvent } from "../loop/events.js";
import type { InboxStatus } from "./inbox.js";

/** One frame for SSE and WebSocket subscribers. */
export type GatewayEvent =
  | { type: "agent"; sessionId: string; messageIds: string[]; event: AgentEvent }
  | {
      type: "message";
      sessionId: string;
      messageId: string;
      status: InboxStatus;
      /** The final answer, derived from the session log, when status is "done". */
      reply?: string;
      error?: string;
    };

/** A subscriber callback; it must not throw (errors are swallowed so one bad client harms no run). */
export type Listener = (ev: GatewayEvent) => void;

/** Fan-out of gateway events per session. */
export class EventHub {
  private bySession = new Map<string, Set<Listener>>();

  /** Listens to one session; returns the unsubscribe function. */
  subscribe(sessionId: string, fn: Listener): () => void {
    const set = this.bySession.get(sessionId) ?? new Set<Listener>();
    this.bySession.set(sessionId, set);
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.bySession.delete(sessionId);
    };
  }

  /** Delivers an event to the session's listeners. */
  emit(ev: GatewayEvent): void {
    for (const fn of this.bySession.get(ev.sessionId) ?? []) {
      try {
        fn(ev);
      } catch {
        // a listener's failure (closed socket) must not reach the run
      }
    }
  }
}
