/**
 * The sandbox's test cards. Any other number that passes the Luhn check is approved; one that
 * fails it is declined as invalid. Expiry must be in the future; the CVV is 4 digits for
 * American Express and 3 for everything else.
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

export function luhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function cardBrand(digits: string): string {
  if (/^3[47]/.test(digits)) return 'AMEX';
  if (/^4/.test(digits)) return 'VISA';
  if (/^(5[1-5]|2[2-7])/.test(digits)) return 'MASTERCARD';
  if (/^6/.test(digits)) return 'DISCOVER';
  return 'OTHER';
}

/** The card's behaviour in the sandbox: the table's entry, or approve / invalid by Luhn. */
export function lookupCard(digits: string): TestCard | { outcome: 'invalid'; brand: string } {
  const known = TEST_CARDS.find((card) => card.number === digits);
  if (known) return known;
  if (!luhnValid(digits)) return { outcome: 'invalid', brand: cardBrand(digits) };
  return { number: digits, brand: cardBrand(digits), outcome: 'approve', note: 'Any other valid number' };
}
