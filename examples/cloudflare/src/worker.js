// The whole Worker: the landers come from static assets (./public), /kfunnel/* goes through the
// proxy, which also serves the drop-in script at /kfunnel/kfunnel.min.js, and the proxy's state lives
// in the KfunnelStore Durable Object. Configuration is in wrangler.toml (vars) and
// `wrangler secret put` (credentials).
import { createWorker, KfunnelStore } from 'kfunnel/proxy/cloudflare';
import script from 'kfunnel/script';

export { KfunnelStore };
export default createWorker({ script });
