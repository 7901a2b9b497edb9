import { cardBrand, cardNumberValid } from '../shared/cards.js';

/**
 * The sandbox's test cards. Any other number that is valid by the shared card rules (src/shared/cards.ts:
 * a length its brand issues, and the Luhn check) is approved; any other is declined as invalid.
 */
export type CardOutcome = 'approve' | 'decline' | '3ds' | 'approve-decline-upsales';

export interface TestCard {
  number: string;
  brand: string;
  outcome: CardOutcome;
  /** The Konnektive ERROR message for a decline. */
  message?: string;
  note: string;
}

export const TEST_CARDS: readonly TestCard[] = [
  { number: '4111111111111111', brand: 'VISA', outcome: 'approve', note: 'Approved, upsales approved' },
  { number: '5555555555554444', brand: 'MASTERCARD', outcome: 'approve', note: 'Approved, upsales approved' },
  { number: '378282246310005', brand: 'AMEX', outcome: 'approve', note: 'Approved (4-digit CVV)' },
  {
    number: '4000000000000002',
    brand: 'VISA',
    outcome: 'decline',
    message: 'Transaction Declined: Insufficient Funds',
    note: 'Declined',
  },
  {
    number: '4000000000000010',
    brand: 'VISA',
    outcome: 'decline',
    message: 'Transaction Declined: Prepaid Credit Cards Are Not Accepted',
    note: 'Prepaid decline (routed to data-kf-prepaid-next)',
  },
  {
    number: '4000000000000028',
    brand: 'VISA',
    outcome: 'decline',
    message: 'Transaction Declined: Debit Cards Are Not Accepted',
    note: 'Debit decline (routed to data-kf-prepaid-next)',
  },
  {
    number: '5105105105105100',
    brand: 'MASTERCARD',
    outcome: 'decline',
    message: 'Transaction Declined: MASTERCARD is not a supported card type.',
    note: 'Mastercard decline (routed to data-kf-prepaid-next)',
  },
  {
    number: '4000000000003220',
    brand: 'VISA',
    outcome: '3ds',
    note: '3-D Secure: MERC_REDIRECT to a challenge page (approve or fail), for the order and each upsale',
  },
  {
    number: '4000000000000341',
    brand: 'VISA',
    outcome: 'approve-decline-upsales',
    message: 'Transaction Declined: Insufficient Funds',
    note: 'Order approved, every upsale declined',
  },
];

/** The card's behaviour in the sandbox: the table's entry, or approve / invalid by the shared card rules. */
export function lookupCard(digits: string): TestCard | { outcome: 'invalid'; brand: string } {
  const known = TEST_CARDS.find((card) => card.number === digits);
  if (known) return known;
  const brand = cardBrand(digits).name;
  if (!cardNumberValid(digits)) return { outcome: 'invalid', brand };
  return { number: digits, brand, outcome: 'approve', note: 'Any other valid number' };
}
