import { log } from './log.js';
import { messages } from './messages.js';
import type { Session } from './session.js';

declare const __KFUNNEL_VERSION__: string;

type Queued = (api: KfunnelApi) => void;

/** window.kfunnel: small on purpose. Everything else is events. */
export interface KfunnelApi {
  version: string;
  /** Konnektive page type, once detected. */
  pageType?: string;
  /** True once forms are bound and this page's Import Click has an answer. */
  ready: boolean;
  /** The message catalog: replace entries to reword or translate. */
  messages: Record<string, string>;
  sessionId(): string | undefined;
  orderId(): string | undefined;
  /** Listens to `kfunnel:<name>` on the document; a throwing listener is the browser's to report, never fatal. */
  on(name: string, listener: (event: CustomEvent) => void): KfunnelApi;
  /** The url with this visit's sessionId and hand-off grant (kf_h) appended, for a link to another domain. */
  link(url: string): string;
  /** Submits a data-kf-form form as the visitor would. Resolves true on success. */
  submit(form: HTMLFormElement): Promise<boolean>;
  /** Runs a function with the API now; before load, `window.kfunnel = window.kfunnel || []` queues them. */
  push(item: Queued): void;
}

export function createApi(doc: Document, session: Session, submit: KfunnelApi['submit'], link: KfunnelApi['link']): KfunnelApi {
  const api: KfunnelApi = {
    version: typeof __KFUNNEL_VERSION__ === 'string' ? __KFUNNEL_VERSION__ : 'dev',
    ready: false,
    messages,
    sessionId: () => session.get('sessionId'),
    orderId: () => session.get('orderId'),
    on(name, listener) {
      // dispatchEvent reports a listener's exception (with its own stack) and never passes it on to the funnel.
      doc.addEventListener(name.replace(/^(kfunnel:)?/, 'kfunnel:'), listener as EventListener);
      return api;
    },
    submit,
    link,
    push(item) {
      try {
        item(api);
      } catch (error) {
        log.error(error); // the page's own function: its error, with its stack, under the [kfunnel] prefix
      }
    },
  };
  return api;
}
