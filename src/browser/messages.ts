/**
 * Every message a visitor can see, in one catalog. A page replaces any of them through
 * `kfunnel.messages` (e.g. `kfunnel.messages.required = 'Pflichtfeld'`). `{x}` is filled in.
 */
export const messages: Record<string, string> = {
  required: 'Please fill in this field.',
  choose: 'Please choose an option.',
  package: 'Please choose a package.',
  email: 'Please enter a valid email address.',
  phone: 'Please enter a valid phone number.',
  cardNumber: 'Please check the card number.',
  expiry: 'Please check the expiry date.',
  cvv: 'Please enter the {digits}-digit security code.',
  tooLong: 'Please use at most {max} characters.',
  summary: 'Please correct the marked fields.',
  declined: 'Payment declined: {reason}. Please try another card.',
  prepaid: 'Prepaid cards are not accepted. Please try another card.',
  debit: 'Debit cards are not accepted. Please try another card.',
  mastercard: 'Mastercard is not accepted. Please try another card.',
  threeDs: 'Your payment could not be verified: {reason}',
  network: 'We could not reach the store. Please try again.',
  unknownOutcome: 'We could not confirm your payment. Please try again: you will not be charged twice.',
  noOrder: 'We could not find your order. Please return to the checkout.',
  upsaleFailed: 'Sorry, this offer could not be added to your order.',
  continue: 'Continue',
  badRedirect: 'Sorry, the payment page could not be opened.',
  error: 'Sorry, something went wrong ({reason}).',
};

export const message = (key: string, values: Record<string, string | number> = {}): string =>
  (messages[key] ?? messages.error!).replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
