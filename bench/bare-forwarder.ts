// The floor for the proxy's cost: a bare forwarder that does only what any proxy must (read the JSON
// body, add the credentials, form-encode, forward over a keep-alive agent, pass the answer back), with
// none of kfunnel's checks. `npm run bench:proxy` measures kfunnel against it on the same machine.
import { Agent, createServer, request, type Server } from 'node:http';

export function startBareForwarder(apiUrl: string, loginId: string, password: string, port = 0): Promise<{ server: Server; url: string }> {
  const upstream = new URL(apiUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const fields = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
      const body = new URLSearchParams({ ...fields, loginId, password }).toString();
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: 'POST', path: '/landers/clicks/import/', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            const text = Buffer.concat(parts);
            res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json', 'content-length': text.length }).end(text);
          });
        },
      );
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}
