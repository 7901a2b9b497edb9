/**
 * Contact formats, defined once for the browser script, the proxy and the sandbox (issue 13). Plain
 * regexes and functions only: the browser bundle imports this and counts every byte.
 * test/rules.test.ts holds every home of these rules to one table.
 */

/** An e-mail address: one @, no spaces, a dot-separated domain without empty labels (`a@b..c` fails). */
export const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** What a person may type as a phone number: digits with an optional leading +, spaces, ( ) . - between. */
export const PHONE = /^\+?[\d\s().-]+$/;

/** A phone number as typed: PHONE's characters, and 7 to 15 digits (E.164 allows 15). */
export const isPhone = (value: string): boolean => PHONE.test(value) && /^\d{7,15}$/.test(value.replace(/\D/g, ''));

/**
 * A phone number as Konnektive takes it: digits and hyphens, at most 20 characters (konnektive-api.md,
 * Import Order). The browser sends digits only, so every number isPhone accepts passes here; the
 * sandbox checks this one, as Konnektive would for a caller that is not kfunnel.
 */
export const KONNEKTIVE_PHONE = /^[\d-]{7,20}$/;
