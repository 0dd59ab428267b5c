import 'reflect-metadata';
import { buildOpenApiDocument } from '/work/main/ops/platform/openapi/document.js';
const d = buildOpenApiDocument() as any;
console.log(JSON.stringify(d.paths['/api/live/bookings'], null, 1));
