// Lets node's own test runner import TypeScript: esbuild strips the types, nothing is type-checked here
// (tsc does that in `npm run typecheck`).
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
