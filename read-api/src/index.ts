export { readApi } from './app.js';
export type { ReadApiDeps, ReadModelProgress } from './http/deps.js';
