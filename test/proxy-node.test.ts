// The proxy suite again, each request through the Node adapter (toNodeHandler: the pipeline fed from a
// node request, answered with writeHead/end) instead of the fetch handler: one pipeline, one suite.
process.env.KFUNNEL_TEST_ADAPTER = 'node';
await import('./proxy.test.js');

export {};
