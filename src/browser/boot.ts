import { createApi, type KfunnelApi } from './api.js';
import { trackClick } from './click.js';
import { DEFAULTS, readConfig } from './config.js';
import type { Context } from './context.js';
import { emit } from './events.js';
import { restoreForm } from './fill.js';
import { bindForms } from './forms.js';
import { handoffLink, watchHandoffLinks } from './handoff.js';
import { log } from './log.js';
import { detectPageType } from './page-type.js';
import { createPartialLeads } from './partial-lead.js';
import { handleReturns, takeArrival } from './returns.js';
import { createSession } from './session.js';
import { createStorage, type Storage_ } from './storage.js';
import { fillTexts, finishFunnel } from './thankyou.js';
import { createTransport } from './transport.js';

/** What the entry passes in; tests swap fetch, navigation and the unit of the script's waits. */
export interface Environment {
  win: Window & { kfunnel?: unknown };
  script: Element | null;
  fetch?: typeof fetch;
  navigate?: (url: string) => void;
  delayMs?: number;
}

type Submit = (form: HTMLFormElement) => Promise<boolean>;

/**
 * Wires the modules: markup -> config -> payload -> transport -> result -> cookies, events and
 * navigation. Starts once per page, however often the tag is pasted; never throws into the page.
 */
export function boot(env: Environment): KfunnelApi | undefined {
  try {
    const { win, script } = env;
    const queued = win.kfunnel as any;
    if (queued?.version) return queued;
    const doc = win.document;
    const config = readConfig(script, doc);
    log.verbose = config.debug;
    const session = createSession(config, win.location.protocol);
    const storage = createStorage(win);
    let submit: Submit | undefined;
    const link = (url: string) => handoffLink(url, session, storage);
    const api = createApi(doc, session, async (form) => !!submit && submit(form), link);
    win.kfunnel = api;
    if (Array.isArray(queued)) for (const item of queued) api.push(item);
    watchHandoffLinks(doc, link);
    const run = () => start(env, config, session, storage, api).then((bound) => (submit = bound), log.error);
    if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', run);
    else void run();
    return api;
  } catch (error) {
    log.error(error);
  }
}

async function start(env: Environment, config: Context['config'], session: Context['session'], storage: Storage_, api: KfunnelApi): Promise<Submit | undefined> {
  // Off the script's own stack: at the first document.cookie read Chromium collects source positions for
  // every function on the stack, and the whole bundle is one function (measured: 8.6 ms -> 2.2 ms).
  await 0;
  const { win } = env;
  const doc = win.document;
  const pageType = (api.pageType = detectPageType(config.page, doc));
  if (!pageType) return;
  let clickDone!: () => void;
  const ctx: Context = {
    config,
    win,
    doc,
    pageType,
    session,
    storage,
    send: createTransport(config, storage, win.location.origin, env.fetch),
    navigate: env.navigate ?? ((url) => win.location.assign(url)),
    clickDone: new Promise<void>((resolve) => (clickDone = resolve)),
    delayMs: env.delayMs ?? DEFAULTS.delayMs,
  };
  // The click goes first: nothing else on the page waits on the network before it.
  const arrival = takeArrival(ctx);
  const click = trackClick(ctx, arrival.kf_h).finally(clickDone);
  const partialLeads = createPartialLeads(ctx);
  const submit = bindForms(ctx, partialLeads.idle);
  for (const form of doc.querySelectorAll<HTMLFormElement>('form[data-kf-form=lead],form[data-kf-form=order]')) {
    restoreForm(ctx, form, !!arrival.errorMsg);
    if (pageType === 'leadPage' || pageType === 'checkoutPage') partialLeads.watch(form);
  }
  await handleReturns(ctx, arrival);
  fillTexts(ctx);
  if (pageType === 'thankyouPage') await finishFunnel(ctx);
  await click;
  api.ready = true;
  emit(doc, 'ready', { pageType, sessionId: session.get('sessionId') });
  return submit;
}
