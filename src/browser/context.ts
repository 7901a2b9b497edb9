import type { PageType } from '../shared/konnektive.js';
import type { FunnelConfig } from './config.js';
import type { Session } from './session.js';
import type { Storage_ } from './storage.js';
import type { Send } from './transport.js';

/** What every step of the funnel shares; built once per page by the entry. */
export interface Context {
  config: FunnelConfig;
  win: Window;
  doc: Document;
  pageType: PageType;
  session: Session;
  storage: Storage_;
  send: Send;
  navigate: (url: string) => void;
  /** Settles when this page's Import Click has an answer (so later calls carry its sessionId). */
  clickDone: Promise<void>;
  /** DEFAULTS.delayMs, shorter in tests. */
  delayMs: number;
}

/** sessionStorage keys. Card data is never stored: attempts keep only a hash of their payload. */
export const STORAGE_KEYS = {
  /** The merged results of the last lead, order and upsale calls, for data-kf-text. */
  last: 'kf_last',
  /** The open money attempt per route: its Idempotency-Key and payload hash. */
  attempt: 'kf_attempt_',
  /** Hash of the last partial lead sent, so the same values are never sent twice. */
  lead: 'kf_lead',
  /** The orderId Confirm Order was sent for. */
  confirmed: 'kf_confirmed',
  /** The latest hand-off grant, for kfunnel.link() and data-kf-handoff links: named as its response header. */
  handoff: 'KFunnel-Handoff',
  /** The visitor's last submitted values but the card: prefill, and a form restored after a failed payment. */
  form: 'kf_form',
} as const;
