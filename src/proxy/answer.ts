/**
 * Readers for Konnektive's answers. An answer is whatever JSON came back, typed `unknown`: the proxy
 * never trusts its shape, it reads the few fields it needs through these and treats anything else as
 * absent. Runtime-neutral.
 */
import type { KonnektiveAnswer } from '../shared/konnektive.js';

/** A field of an object; undefined when the value is not an object at all. */
export const fieldOf = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;

/** Text of a string or number (Konnektive sends ids and amounts as either); undefined otherwise. */
export const textOf = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;

/** The envelope, when the value is one (an object whose `result` is a string); undefined otherwise. */
export function asAnswer(value: unknown): KonnektiveAnswer | undefined {
  const result = fieldOf(value, 'result');
  return typeof result === 'string' ? { result, message: fieldOf(value, 'message') } : undefined;
}

/** The envelope in a body of text, or undefined when the text is not one. */
export function parseAnswer(text: string): KonnektiveAnswer | undefined {
  try {
    return asAnswer(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** What the proxy needs from an answer: its result and, on SUCCESS, the order and session it names. */
export interface AnswerSummary {
  result?: string;
  orderId?: string;
  /** A SUCCESS naming a COMPLETE order: it is paid. */
  completed: boolean;
  sessionId?: string;
}

export function summarize(answer: unknown): AnswerSummary {
  const result = textOf(fieldOf(answer, 'result'));
  const message = fieldOf(answer, 'message');
  const ok = result === 'SUCCESS';
  return {
    result,
    orderId: ok ? textOf(fieldOf(message, 'orderId')) : undefined,
    completed: ok && fieldOf(message, 'orderStatus') === 'COMPLETE',
    sessionId: ok ? textOf(fieldOf(message, 'sessionId')) : undefined,
  };
}

/** The summary of an answer kept as text (a recorded or replayed body); empty when it is not JSON. */
export function readAnswer(body: string): AnswerSummary {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  return summarize(parsed);
}

/** An order as Konnektive's Query Order describes it: any fields, read with fieldOf / textOf. */
export type KonnektiveOrder = Readonly<Record<string, unknown>>;

/** The orders in a Query Order answer's `message.data`; non-objects in it are skipped. */
export function ordersOf(answer: KonnektiveAnswer): KonnektiveOrder[] {
  const data = fieldOf(answer.message, 'data');
  if (!Array.isArray(data)) return [];
  return data.filter((order): order is KonnektiveOrder => typeof order === 'object' && order !== null && !Array.isArray(order));
}
