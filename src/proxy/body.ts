/** Reads a request body up to `limit` bytes; `null` means it was larger (the rest is not read). */
export async function readBody(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const declared = Number(request.headers.get('content-length'));
  if (declared > limit) {
    await request.body?.cancel().catch(() => {});
    return null;
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const [only, ...more] = chunks;
  if (only && !more.length) return only;
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(request: { headers: { get(name: string): string | null } }): string {
  return (request.headers.get('content-type') ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

/** A fresh answer (never cached) whose body is already text. */
const textResponse =
  (contentType: string) =>
  (status: number, text: string, headers: Record<string, string> = {}): Response =>
    new Response(text, { status, headers: { 'content-type': contentType, 'cache-control': 'no-store', ...headers } });

/** JSON already serialized, such as Konnektive's answer passed on as it came. */
export const jsonTextResponse = textResponse('application/json; charset=utf-8');
export const htmlResponse = textResponse('text/html; charset=utf-8');

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return jsonTextResponse(status, JSON.stringify(body), headers);
}
