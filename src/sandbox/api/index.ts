/** The sandbox's Konnektive endpoints, one module each, with the pricing and payment modules they share. */
export { MESSAGES, type ApiContext, type Params } from './common.js';
export { importClick, parseAffVals } from './click.js';
export { importLead } from './lead.js';
export { importOrder } from './order.js';
export { importUpsale } from './upsale.js';
export { confirmPaypal } from './paypal.js';
export { confirmOrder } from './confirm.js';
export { queryOrder } from './query.js';
export { approvePending, failPending } from './payment.js';
