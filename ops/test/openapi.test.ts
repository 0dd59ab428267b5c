/**
 * The OpenAPI document against the app itself: every route the app mounts is documented
 * and every documented route is mounted (with all roles, and with a subset); the document
 * has the OpenAPI shape, every $ref resolves, and each request class's schema has exactly
 * the properties and required properties class-validator validates. /docs serves Swagger
 * UI from local files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { getMetadataStorage } from 'class-validator';
import { startHarness, type Harness } from '../test-support/harness.js';
import { ROUTES, type RequestClass } from '../platform/openapi/routes.js';
import { buildOpenApiDocument, openApiPath, SCHEMA_PREFIX } from '../platform/openapi/document.js';

type Json = Record<string, unknown>;

interface RouterLayer {
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
  handle?: unknown;
  /** the path the layer was registered with (router 2.x, express 5) */
  rawPath?: unknown;
}

/** Paths of the docs UI itself (HTML and static files), not API operations. */
const UI_PATHS = /^\/docs(\/|$)/;

function joinPath(prefix: string, path: string): string {
  return `${prefix.replace(/\/+$/, '')}${path === '/' ? '' : path}` || '/';
}

/** `METHOD /path` of every route in the app, nested routers included. */
function mountedRoutes(app: Express): Set<string> {
  const found = new Set<string>();
  const walk = (stack: RouterLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const { path, methods } = layer.route;
        if (path instanceof RegExp) continue; // the SPA fallback (every non-API GET)
        if (typeof path !== 'string') throw new Error(`route with a path that is not a string: ${String(path)}`);
        const full = joinPath(prefix, path);
        if (UI_PATHS.test(full)) continue;
        for (const [method, on] of Object.entries(methods))
          if (on && method !== '_all') found.add(`${method.toUpperCase()} ${full}`);
        continue;
      }
      const nested = (layer.handle as { stack?: unknown } | undefined)?.stack;
      if (typeof layer.handle === 'function' && Array.isArray(nested)) {
        if (typeof layer.rawPath !== 'string')
          throw new Error('a router is mounted at a path that cannot be read back (not a string)');
        walk(nested as RouterLayer[], joinPath(prefix, layer.rawPath));
      }
    }
  };
  const router = (app as unknown as { router?: { stack?: RouterLayer[] } }).router;
  if (!router?.stack) throw new Error('app.router.stack not found (express 5 expected)');
  walk(router.stack, '');
  return found;
}

function documentedRoutes(doc: Json): Set<string> {
  const out = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of Object.keys(item)) out.add(`${method.toUpperCase()} ${path}`);
  }
  return out;
}

const asOpenApi = (routes: Set<string>) => new Set([...routes].map((r) => openApiPath(r)));

/** What class-validator validates: every property, and those without @IsOptional/@ValidateIf. */
function validatedProperties(cls: RequestClass): { properties: string[]; required: string[] } {
  const metas = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  const properties = [...new Set(metas.map((m) => m.propertyName))].sort();
  const conditional = new Set(metas.filter((m) => m.type === 'conditionalValidation').map((m) => m.propertyName));
  return { properties, required: properties.filter((p) => !conditional.has(p)) };
}

function resolvePointer(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const part of ref.slice(2).split('/'))
    node = (node as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return node;
}

function refs(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, into);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') into.push(v);
      else refs(v, into);
    }
  }
  return into;
}

describe('OpenAPI document', () => {
  let h: Harness;
  let doc: Json;

  beforeAll(async () => {
    h = await startHarness();
    const res = await h.http.get('/api/openapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    doc = res.body as Json;
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('documents every mounted route, and mounts every documented route', () => {
    const mounted = asOpenApi(mountedRoutes(h.platform.app));
    const documented = documentedRoutes(doc);
    expect(mounted.size).toBeGreaterThan(50);
    expect([...mounted].filter((r) => !documented.has(r)).sort(), 'mounted but not documented').toEqual([]);
    expect([...documented].filter((r) => !mounted.has(r)).sort(), 'documented but not mounted').toEqual([]);
  });

  it('documents only what a process with fewer roles mounts', async () => {
    const command = await startHarness({ env: { ROLES: 'command', DEMO_DATA: 'false' } });
    try {
      const served = (await command.http.get('/api/openapi.json').expect(200)).body as Json;
      const mounted = asOpenApi(mountedRoutes(command.platform.app));
      expect([...documentedRoutes(served)].sort()).toEqual([...mounted].sort());
      expect(mounted.has('POST /api/bookings')).toBe(true);
      expect(mounted.has('GET /api/offerings')).toBe(false);
    } finally {
      await command.stop();
    }
  });

  it('has the OpenAPI 3 shape', () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    const info = doc.info as Json;
    expect(typeof info.title).toBe('string');
    expect(typeof info.version).toBe('string');
    const components = doc.components as Json;
    expect(components.schemas).toBeTypeOf('object');
    expect((components.securitySchemes as Json).bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const operationIds = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      expect(path.startsWith('/')).toBe(true);
      expect(path).not.toContain(':');
      for (const [method, op] of Object.entries(item as Record<string, Json>)) {
        expect(['get', 'post', 'put', 'patch', 'delete']).toContain(method);
        expect(typeof op.summary).toBe('string');
        expect(Object.keys(op.responses as Json).length).toBeGreaterThan(0);
        expect(Array.isArray(op.security)).toBe(true);
        expect(operationIds.has(op.operationId as string)).toBe(false);
        operationIds.add(op.operationId as string);
        // each {param} of the path is declared
        const declared = ((op.parameters as Json[] | undefined) ?? [])
          .filter((p) => p.in === 'path')
          .map((p) => p.name);
        expect(declared.sort()).toEqual([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort());
      }
    }
    for (const ref of refs(doc)) expect(resolvePointer(doc, ref), ref).toBeDefined();
  });

  it('says who may call each route', () => {
    const op = (method: string, path: string) => (doc.paths as Record<string, Json>)[path]![method] as Json;
    expect(op('post', '/api/payments/{paymentId}/refund').security).toEqual([{ bearerAuth: ['admin'] }]);
    expect(op('post', '/api/payments/{paymentId}/refund')['x-roles']).toEqual(['admin']);
    expect(op('get', '/api/offerings').security).toEqual([]);
    expect(op('get', '/api/analytics/revenue').security).toEqual([{ bearerAuth: ['admin', 'analyst'] }]);
    expect(op('post', '/api/offerings').responses).toHaveProperty('201');
  });

  it('gives each body its class schema with the required properties of the class', () => {
    const schemas = (doc.components as Json).schemas as Record<string, Json>;
    const bodies = ROUTES.filter((r) => r.body);
    expect(bodies.length).toBeGreaterThan(25);
    for (const route of bodies) {
      const cls = route.body!;
      const op = (doc.paths as Record<string, Json>)[openApiPath(route.path)]![route.method] as Json;
      const ref = ((((op.requestBody as Json).content as Json)['application/json'] as Json).schema as Json).$ref;
      expect(ref).toBe(`${SCHEMA_PREFIX}${cls.name}`);
      const schema = schemas[cls.name]!;
      const expected = validatedProperties(cls);
      expect(Object.keys(schema.properties as Json).sort(), cls.name).toEqual(expected.properties);
      expect([...((schema.required as string[] | undefined) ?? [])].sort(), cls.name).toEqual(expected.required);
    }
    // spot checks, nested classes included
    expect(schemas.CreateOfferingBody!.required).toEqual(
      expect.arrayContaining(['kind', 'title', 'category', 'price']),
    );
    expect((schemas.CreateOfferingBody!.properties as Json).price).toMatchObject({ $ref: `${SCHEMA_PREFIX}MoneyData` });
    expect(schemas.MoneyData!.required).toEqual(['amount', 'currency']);
    expect(schemas.RefundBody!.required).toEqual(['reason']);
    expect(schemas.ServiceScheduleData).toBeDefined();
    expect(schemas.WeeklyRuleData).toBeDefined();
  });

  it('documents each query class as query parameters', () => {
    for (const route of ROUTES.filter((r) => r.query)) {
      const op = (doc.paths as Record<string, Json>)[openApiPath(route.path)]![route.method] as Json;
      const params = (op.parameters as Json[]).filter((p) => p.in === 'query');
      const expected = validatedProperties(route.query!);
      expect(params.map((p) => p.name).sort(), route.path).toEqual(expected.properties);
      expect(
        params
          .filter((p) => p.required)
          .map((p) => p.name)
          .sort(),
        route.path,
      ).toEqual(expected.required);
    }
    const diff = ((doc.paths as Record<string, Json>)['/api/admin/audit/{aggregate}/{id}/diff']!.get as Json)
      .parameters as Json[];
    expect(diff.find((p) => p.name === 'to')).toMatchObject({
      in: 'query',
      required: true,
      schema: { type: 'integer' },
    });
  });

  it('is the document the route table builds', () => {
    expect(doc).toEqual(buildOpenApiDocument());
  });

  it('serves Swagger UI at /docs from local files', async () => {
    const page = await h.http.get('/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('swagger-ui');
    expect(page.text).not.toMatch(/https?:\/\//);
    const init = await h.http.get('/docs/swagger-initializer.js').expect(200);
    expect(init.text).toContain('/api/openapi.json');
    expect(init.text).not.toContain('petstore');
    const bundle = await h.http.get('/docs/swagger-ui-bundle.js').expect(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    await h.http.get('/docs/swagger-ui.css').expect(200);
  });
});
