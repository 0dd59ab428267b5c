export { readApi } from './app.js';
export type { ReadApiDeps, ReadModelProgress } from './http/deps.js';
export { analystScope } from './analytics/analyst-scope.js';
export { projectionAdminRoutes } from './admin/projection-routes.js';
export { toCsv } from './analytics/csv.js';
