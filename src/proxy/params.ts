import { mediaType } from './body.js';
import type { ProxyRequest } from './exchange.js';
import { Refusal } from './refusals.js';

const MAX_FIELDS = 200;
const MAX_NAME = 100;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads the browser's fields from a JSON object or a urlencoded form: flat, unique, valid UTF-8. */
export async function readFields(request: ProxyRequest, limit: number): Promise<Record<string, string>> {
  const type = mediaType(request);
  const json = type === 'application/json';
  if (!json && type !== 'application/x-www-form-urlencoded' && type !== 'text/plain') {
    await request.discard();
    throw new Refusal('unsupported_media_type');
  }
  const bytes = await request.read(limit).catch(() => {
    throw new Refusal('bad_body');
  });
  if (bytes === null) throw new Refusal('payload_too_large', `limit ${limit} bytes`);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new Refusal('bad_encoding');
  }
  const fields: Record<string, string> = Object.create(null);
  let count = 0;
  const add = (name: string, value: string) => {
    if (name.length > MAX_NAME || name === '') throw new Refusal('bad_field', 'field name');
    if (Object.hasOwn(fields, name)) throw new Refusal('duplicate_field', name.slice(0, 40));
    if (value.includes('\u0000')) throw new Refusal('bad_field', name.slice(0, 40));
    fields[name] = value;
    if (++count > MAX_FIELDS) throw new Refusal('too_many_fields');
  };
  // text/plain is what navigator.sendBeacon sends a string as; kfunnel sends JSON that way.
  if (json || type === 'text/plain') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Refusal('bad_body', 'not valid JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Refusal('bad_body', 'expected a JSON object');
    for (const [name, value] of Object.entries(parsed)) {
      if (value === null) continue;
      if (typeof value === 'string') add(name, value);
      else if (typeof value === 'number' && Number.isFinite(value)) add(name, String(value));
      else if (typeof value === 'boolean') add(name, value ? '1' : '0');
      else throw new Refusal('bad_field', `${name.slice(0, 40)} must be a string, number or boolean`);
    }
  } else {
    for (const [name, value] of new URLSearchParams(text)) add(name, value);
  }
  // Null-prototype, so a field named __proto__ is just a field; applyPolicy copies what it keeps.
  return fields;
}
