import { TEST_CARDS } from './cards.js';
import type { Order, PendingCharge, snapshot } from './store.js';

type State = ReturnType<typeof snapshot>;
type InspectedOrder = State['orders'][number];

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
  :root { font-family: system-ui, -apple-system, Segoe UI, Roboto, sans-serif; color: #1d2330; background: #f4f5f8; }
  body { margin: 0 auto; max-width: 1100px; padding: 20px 12px 64px; }
  .scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
  code.nowrap { white-space: nowrap; word-break: normal; }
  h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 10px; }
  .muted { color: #667085; font-size: 13px; }
  .card { background: #fff; border: 1px solid #e1e4ea; border-radius: 10px; padding: 14px 16px; margin: 12px 0; }
  .row { display: flex; flex-wrap: wrap; gap: 8px 18px; align-items: baseline; }
  code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f1f3f7; padding: 1px 5px; border-radius: 4px; word-break: break-all; }
  table { border-collapse: collapse; width: 100%; margin-top: 8px; font-size: 13px; }
  th, td { text-align: left; padding: 5px 8px; border-top: 1px solid #eef0f4; vertical-align: top; }
  th { color: #667085; font-weight: 600; }
  .tag { display: inline-block; font-size: 11px; font-weight: 700; padding: 2px 7px; border-radius: 99px; background: #e8ecf4; }
  .COMPLETE, .APPROVED, .SUCCESS { background: #dcf5e3; color: #136c2e; }
  .DECLINED, .ERROR, .FAILED_3DS, .CANCELLED { background: #fde2e1; color: #a4161a; }
  .PARTIAL, .PENDING, .PENDING_3DS, .PENDING_PAYPAL, .PENDING_REDIRECT, .MERC_REDIRECT { background: #fff1cc; color: #8a5a00; }
  .pay { max-width: 420px; margin: 60px auto; text-align: center; }
  .pay button { font-size: 16px; padding: 12px 22px; border-radius: 8px; border: 0; margin: 6px; cursor: pointer; }
  .approve { background: #136c2e; color: #fff; } .fail { background: #e1e4ea; color: #1d2330; }
  .paypal { background: #ffc439; color: #111; font-weight: 700; }
`;

function page(title: string, body: string, head = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,"><title>${escapeHtml(title)}</title>${head}<style>${STYLE}</style></head><body>${body}</body></html>`;
}

const tag = (value: unknown) => `<span class="tag ${escapeHtml(value)}">${escapeHtml(value)}</span>`;
const money = (order: InspectedOrder) => `${escapeHtml(order.currencySymbol ?? '$')}${Number(order.totalAmount ?? 0).toFixed(2)}`;

function orderCard(order: InspectedOrder): string {
  const items = order.items
    .map((i) => `<tr><td>${escapeHtml(i.productId)}</td><td>${escapeHtml(i.name)}</td><td>${escapeHtml(i.qty)}</td><td>${Number(i.price).toFixed(2)}</td><td>${Number(i.shipping).toFixed(2)}</td></tr>`)
    .join('');
  const transactions = order.transactions
    .map((t) => `<tr><td>${escapeHtml(t.at.slice(11, 19))}</td><td>${escapeHtml(t.type)}</td><td>${tag(t.status)}</td><td>${Number(t.amount).toFixed(2)}</td><td>${escapeHtml(t.message ?? '')}</td></tr>`)
    .join('');
  return `<div class="card"><div class="row"><strong>Order <code>${escapeHtml(order.orderId)}</code></strong>${tag(order.orderStatus)}
  <span>${escapeHtml(order.name || '(no name yet)')}</span><span class="muted">${escapeHtml(order.emailAddress ?? order.phoneNumber ?? '')}</span>
  <span>total <strong>${money(order)}</strong></span><span class="muted">${escapeHtml(order.paySource ?? 'lead only')} ${escapeHtml(order.prepaidType ?? '')} ${order.cardLast4 ? '&middot;&middot;&middot;' + escapeHtml(order.cardLast4) : ''}</span>
  <span class="muted">confirmations: ${escapeHtml(order.confirmations)}</span></div>
  ${items ? `<div class="scroll"><table><tr><th>product</th><th>name</th><th>qty</th><th>price</th><th>shipping</th></tr>${items}</table></div>` : '<p class="muted">Lead (PARTIAL order): no products yet.</p>'}
  ${transactions ? `<div class="scroll"><table><tr><th>time</th><th>charge</th><th>status</th><th>amount</th><th>message</th></tr>${transactions}</table></div>` : ''}</div>`;
}

/** The inspector's live part: sessions, orders, calls. /_sandbox/live serves it alone for in-place updates. */
export function inspectorSections(state: State): string {
  const ordersById = new Map(state.orders.map((o) => [o.orderId, o]));
  const shown = new Set<string>();
  const sessions = state.sessions
    .map((s) => {
      const affVals = Object.entries(s.affVals).map(([k, v]) => `<code>${escapeHtml(k)}=${escapeHtml(v)}</code>`).join(' ');
      const clicks = s.clicks
        .map((c) => `<tr><td>${escapeHtml(c.at.slice(11, 19))}</td><td>${escapeHtml(c.pageType)}</td><td>${c.requestUri ? `<code>${escapeHtml(c.requestUri)}</code>` : '<span class="muted">sessionId</span>'}</td><td>${escapeHtml(c.ipAddress ?? '')}</td></tr>`)
        .join('');
      const pixels = state.pixels
        .filter((p) => p.sessionId === s.sessionId)
        .map((p) => `<code>${escapeHtml(p.pixel)} ${escapeHtml(p.element)} on ${escapeHtml(p.pageType ?? '?')}</code>`)
        .join(' ');
      const orders = s.orderIds
        .map((id) => ordersById.get(id))
        .filter(Boolean)
        .map((o) => (shown.add(o!.orderId), orderCard(o!)))
        .join('');
      return `<div class="card"><div class="row"><strong>Session <code>${escapeHtml(s.sessionId)}</code></strong>
      <span class="muted">campaign ${escapeHtml(s.campaignId)} &middot; started ${escapeHtml(s.createdAt.replace('T', ' ').slice(0, 19))}</span>${affVals}</div>
      ${s.httpReferer ? `<div class="muted">referrer <code>${escapeHtml(s.httpReferer)}</code></div>` : ''}
      <div class="scroll"><table><tr><th>time</th><th>click</th><th>requestUri</th><th>ipAddress</th></tr>${clicks}</table></div>
      ${pixels ? `<div class="muted">pixels fired: ${pixels}</div>` : ''}${orders}</div>`;
    })
    .join('');
  const loose = state.orders.filter((o) => !shown.has(o.orderId)).map(orderCard).join('');
  const calls = state.calls
    .slice(0, 60)
    .map((c) => `<tr><td>${escapeHtml(c.at.slice(11, 23))}</td><td>${escapeHtml(c.endpoint)}</td><td>${tag(c.result)}</td><td>${escapeHtml(c.pageType ?? '')}</td><td><code>${escapeHtml(c.orderId ?? '')}</code></td><td>${escapeHtml(typeof c.message === 'string' ? c.message : c.message ? JSON.stringify(c.message) : '')}</td></tr>`)
    .join('');
  return `<h2>Sessions (newest first)</h2>${sessions || '<p class="muted">No sessions yet: open a lander.</p>'}
  ${loose ? `<h2>Orders without a session</h2>${loose}` : ''}
  <h2>Last API calls</h2><div class="card scroll"><table><tr><th>time</th><th>endpoint</th><th>result</th><th>page</th><th>order</th><th>message</th></tr>${calls}</table></div>`;
}

/**
 * Keeps the inspector current without reloading it: every 2 seconds (while the tab is visible) it
 * fetches /_sandbox/live and, when that changed, swaps it in, keeping the scroll position. A file, not
 * inline, so a Content-Security-Policy without 'unsafe-inline' allows it.
 */
export const INSPECTOR_SCRIPT = `(function () {
  var live = document.getElementById('live');
  if (!live || live.getAttribute('data-refresh') !== 'on') return;
  var last = live.innerHTML, busy = false;
  function update() {
    if (busy || document.hidden) return;
    busy = true;
    fetch('/_sandbox/live', { cache: 'no-store' }).then(function (r) { return r.ok ? r.text() : last; }).then(function (html) {
      if (html !== last) {
        var x = window.scrollX, y = window.scrollY;
        live.innerHTML = html;
        last = live.innerHTML;
        window.scrollTo(x, y);
        live.setAttribute('data-updated', String(Date.now()));
      }
    }).catch(function () {}).then(function () { busy = false; });
  }
  setInterval(update, 2000);
  document.addEventListener('visibilitychange', update);
})();
`;

export function inspectorPage(state: State, refresh: boolean): string {
  const cards = TEST_CARDS.map((c) => `<tr><td><code class="nowrap">${c.number}</code></td><td>${escapeHtml(c.note)}</td></tr>`).join('');
  const body = `<h1>kfunnel sandbox</h1>
  <p class="muted">A local stand-in for the Konnektive API. Nothing is charged; everything lives in memory.
  ${refresh ? 'This page updates itself every 2 seconds (<a href="?refresh=0">stop</a>).' : '<a href="?">Update automatically</a>.'}
  JSON: <a href="/_sandbox/state">/_sandbox/state</a></p>
  <form method="post" action="/_sandbox/reset"><button>Reset the sandbox</button></form>
  <main id="live" data-refresh="${refresh ? 'on' : 'off'}">${inspectorSections(state)}</main>
  <h2>Test cards</h2><div class="card scroll"><table>${cards}</table><p class="muted">Any future expiry. CVV: 3 digits (4 for Amex). Any other Luhn-valid number is approved.
  <code>paySource=PAYPAL</code> and <code>paySource=PREPAID</code> with a <code>prepaidType</code> open stand-in payment pages.</p></div>`;
  return page('kfunnel sandbox', body, '<script src="/_sandbox/inspector.js" defer></script>');
}

export function challengePage(token: string, order: Order, charge: PendingCharge): string {
  const amount = charge.upsale
    ? charge.upsale.items.reduce((sum, item) => sum + item.price + item.shipping, 0)
    : order.totalAmount;
  return page(
    '3-D Secure check',
    `<div class="pay card"><h1>Sandbox Bank</h1><p>3-D Secure verification for a payment of
    <strong>${escapeHtml(order.currencySymbol)}${amount.toFixed(2)}</strong> (order <code>${escapeHtml(order.orderId)}</code>).</p>
    <form method="post" action="/_sandbox/3ds/${escapeHtml(token)}/approve"><button class="approve">Approve payment</button></form>
    <form method="post" action="/_sandbox/3ds/${escapeHtml(token)}/fail"><button class="fail">Fail verification</button></form>
    <p class="muted">This page stands in for the card issuer's challenge.</p></div>`,
  );
}

/** Konnektive's success leg: the browser POSTs finalizeTransaction and orderData to redirectsTo. */
export function finalizePage(redirectsTo: string, orderData: unknown): string {
  return page(
    'Returning to the store',
    `<div class="pay card"><p>Payment verified. Returning to the store&hellip;</p>
    <form id="finalize" method="post" action="${escapeHtml(redirectsTo)}">
      <input type="hidden" name="finalizeTransaction" value="1">
      <input type="hidden" name="orderData" value="${escapeHtml(JSON.stringify(orderData))}">
      <button class="approve">Continue</button></form>
    <script>document.getElementById('finalize').submit()</script></div>`,
  );
}

export function paypalPage(token: string, order: Order): string {
  return page(
    'PayPal (sandbox)',
    `<div class="pay card"><h1>PayPal <span class="muted">sandbox</span></h1>
    <p>Pay <strong>${escapeHtml(order.currencySymbol)}${order.totalAmount.toFixed(2)}</strong> to ${escapeHtml(order.campaignName)}.</p>
    <form method="post" action="/_sandbox/paypal/${escapeHtml(token)}/approve"><button class="paypal">Pay with PayPal</button></form>
    <form method="post" action="/_sandbox/paypal/${escapeHtml(token)}/cancel"><button class="fail">Cancel and return to the store</button></form></div>`,
  );
}

/** The stand-in for an alternative payment provider's page (paySource=PREPAID with prepaidType). */
export function alternativePaymentPage(token: string, order: Order, charge: PendingCharge): string {
  const amount = charge.upsale ? charge.upsale.items.reduce((sum, item) => sum + item.price + item.shipping, 0) : order.totalAmount;
  const method = escapeHtml(charge.prepaidType);
  return page(
    `${charge.prepaidType} (sandbox)`,
    `<div class="pay card"><h1>${method} <span class="muted">sandbox</span></h1>
    <p>Pay <strong>${escapeHtml(order.currencySymbol)}${amount.toFixed(2)}</strong> to ${escapeHtml(order.campaignName)} with ${method}.</p>
    <form method="post" action="/_sandbox/pay/${escapeHtml(token)}/approve"><button class="approve">Pay with ${method}</button></form>
    <form method="post" action="/_sandbox/pay/${escapeHtml(token)}/cancel"><button class="fail">Cancel and return to the store</button></form>
    <p class="muted">This page stands in for the payment provider.</p></div>`,
  );
}

export function messagePage(title: string, text: string): string {
  return page(title, `<div class="pay card"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></div>`);
}
