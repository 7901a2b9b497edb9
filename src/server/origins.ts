import { networkInterfaces } from 'node:os';

/**
 * The origins a server bound to host:port is reached at, for a proxy with no KFUNNEL_PUBLIC_URL: the
 * listening address and localhost; on 0.0.0.0 / :: every local interface address too, so a phone on the
 * same network can run the demo. A deployment behind a domain names it in KFUNNEL_PUBLIC_URL instead.
 */
export function listeningOrigins(host: string, port: number): string[] {
  const hosts = new Set(['localhost', '127.0.0.1']);
  if (host === '0.0.0.0' || host === '::') {
    for (const addresses of Object.values(networkInterfaces())) {
      for (const address of addresses ?? []) {
        if (address.family === 'IPv4') hosts.add(address.address);
        else if (host === '::') hosts.add(`[${address.address.split('%')[0]}]`);
      }
    }
  } else {
    hosts.add(host.includes(':') ? `[${host}]` : host);
  }
  return [...hosts].map((name) => `http://${name}:${port}`);
}
