// Imported first by `npm run bench`: the benchmarks run WASM (Cedar) on the tier `bin/warden.js` sets, so
// their figures are the ones a user's `warden` gets (see docs/decisions/0006-wasm-on-the-baseline-tier.md).
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-wasm-dynamic-tiering');
setFlagsFromString('--no-wasm-tier-up');
