/**
 * Builds the OpenAPI 3.1 document from the route table (routes.ts) and the class-validator
 * metadata of the request classes, so the documented schemas are the validated ones.
 */
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import { ROUTES, type Access, type Feature, type RequestClass, type RouteDoc } from './routes.js';

type Json = Record<string, unknown>;

export const SCHEMA_PREFIX = '#/components/schemas/';

export interface OpenApiOptions {
  /** only the routes mounted with these features (default: every route) */
  features?: ReadonlySet<Feature>;
  routes?: readonly RouteDoc[];
  version?: string;
}

/** Express `:param` to OpenAPI `{param}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function pathParams(expressPath: string): string[] {
  return [...expressPath.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
}

function operationId(route: RouteDoc): string {
  return (
    route.method +
    route.path.replace(/[^A-Za-z0-9]+([A-Za-z0-9])?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))
  );
}

/** Every class-validator class as JSON schema, nested `@Type` classes as `$ref`s. */
export function requestSchemas(): Record<string, Json> {
  return validationMetadatasToSchemas({
    classTransformerMetadataStorage: defaultMetadataStorage,
    refPointerPrefix: SCHEMA_PREFIX,
  }) as Record<string, Json>;
}

function refsIn(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) refsIn(v, into);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMA_PREFIX)) into.add(v.slice(SCHEMA_PREFIX.length));
      else refsIn(v, into);
    }
  }
}

function schemaOf(all: Record<string, Json>, cls: RequestClass): Json {
  const schema = all[cls.name];
  // a class without a single validation decorator would be documented as anything
  if (!schema) throw new Error(`no class-validator metadata for ${cls.name}`);
  return schema;
}

/** The headers PayPal signs a webhook delivery with. */
const PAYPAL_WEBHOOK_HEADERS = [
  'PAYPAL-AUTH-ALGO',
  'PAYPAL-CERT-URL',
  'PAYPAL-TRANSMISSION-ID',
  'PAYPAL-TRANSMISSION-SIG',
  'PAYPAL-TRANSMISSION-TIME',
] as const;

function security(access: Access): Json[] {
  if (access === 'public' || access === 'stripe-signature' || access === 'paypal-signature') return [];
  if (access === 'optional') return [{}, { bearerAuth: [] }];
  if (access === 'authenticated') return [{ bearerAuth: [] }];
  return [{ bearerAuth: [...access] }];
}

function accessText(access: Access): string {
  if (access === 'public') return 'Anyone.';
  if (access === 'optional') return 'Anyone; a bearer token may show more.';
  if (access === 'authenticated') return 'Any signed-in user (the resource decides what each may see or do).';
  if (access === 'stripe-signature') return 'Stripe only: the raw body must carry a valid `Stripe-Signature`.';
  if (access === 'paypal-signature')
    return "PayPal only: the `PAYPAL-TRANSMISSION-*`, `PAYPAL-CERT-URL` and `PAYPAL-AUTH-ALGO` headers must verify with PayPal's verify-webhook-signature API.";
  return `Roles: ${access.join(', ')}.`;
}

function operation(route: RouteDoc, all: Record<string, Json>): Json {
  const parameters: Json[] = pathParams(route.path).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  if (route.query) {
    const schema = schemaOf(all, route.query);
    const required = new Set((schema.required as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries((schema.properties as Record<string, Json> | undefined) ?? {})) {
      parameters.push({ name, in: 'query', required: required.has(name), schema: property });
    }
  }
  for (const header of route.headers ?? [])
    parameters.push({
      name: header.name,
      in: 'header',
      required: false,
      description: header.description,
      schema: { type: 'string' },
    });
  if (route.access === 'stripe-signature')
    parameters.push({ name: 'Stripe-Signature', in: 'header', required: true, schema: { type: 'string' } });
  else if (route.access === 'paypal-signature')
    for (const name of PAYPAL_WEBHOOK_HEADERS)
      parameters.push({ name, in: 'header', required: true, schema: { type: 'string' } });
  else if (route.mountedWith === 'command') parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
  // read-your-writes (read-api/src/http/read-your-writes.ts) runs before every read route but the status one
  if (route.mountedWith === 'read-api' && !route.path.startsWith('/api/status/'))
    parameters.push({ $ref: '#/components/parameters/MinPosition' });

  const op: Json = {
    operationId: operationId(route),
    summary: route.summary,
    description: route.notes ? `${accessText(route.access)}\n\n${route.notes}` : accessText(route.access),
    tags: [route.tag],
    security: security(route.access),
    ...(typeof route.access === 'object' ? { 'x-roles': [...route.access] } : {}),
  };
  if (parameters.length > 0) op.parameters = parameters;
  if (route.body) {
    op.requestBody = {
      required: !route.bodyOptional,
      content: { 'application/json': { schema: { $ref: `${SCHEMA_PREFIX}${route.body.name}` } } },
    };
  } else if (route.access === 'stripe-signature') {
    op.requestBody = {
      required: true,
      content: { 'application/json': { schema: { type: 'object', description: 'a Stripe event' } } },
    };
  } else if (route.access === 'paypal-signature') {
    op.requestBody = {
      required: true,
      content: { 'application/json': { schema: { type: 'object', description: 'a PayPal webhook event' } } },
    };
  }
  const success: Json = { description: route.status === 204 ? 'No content' : 'Success' };
  if (route.status !== 204) {
    success.content = Object.fromEntries(
      (route.produces ?? ['application/json']).map((type) => [
        type,
        {
          schema:
            type === 'application/json'
              ? { type: 'object' }
              : type === 'text/event-stream'
                ? { type: 'string', description: 'a stream of Server-Sent Events' }
                : { type: 'string', format: 'binary' },
        },
      ]),
    );
  }
  op.responses = { [String(route.status)]: success, default: { $ref: '#/components/responses/Problem' } };
  return op;
}

export function buildOpenApiDocument(options: OpenApiOptions = {}): Json {
  const routes = (options.routes ?? ROUTES).filter((r) => !options.features || options.features.has(r.mountedWith));
  const all = requestSchemas();

  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const item = (paths[openApiPath(route.path)] ??= {});
    if (item[route.method]) throw new Error(`${route.method.toUpperCase()} ${route.path} is in the route table twice`);
    item[route.method] = operation(route, all);
  }

  // the request classes, and every class they nest
  const wanted = new Set<string>();
  for (const route of routes) {
    for (const cls of [route.body, route.query]) {
      if (!cls) continue;
      schemaOf(all, cls);
      wanted.add(cls.name);
    }
  }
  const schemas: Record<string, Json> = {};
  const pending = [...wanted];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (schemas[name]) continue;
    const schema = all[name];
    if (!schema) throw new Error(`schema ${name} is referenced but has no class-validator metadata`);
    schemas[name] = schema;
    const refs = new Set<string>();
    refsIn(schema, refs);
    pending.push(...refs);
  }
  schemas.Problem = {
    type: 'object',
    description: 'RFC 9457 problem details',
    required: ['type', 'title', 'status', 'detail'],
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      code: { type: 'string' },
      errors: {
        type: 'array',
        items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
      },
    },
  };

  const tags = [...new Set(routes.map((r) => r.tag))].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Booking platform API',
      version: options.version ?? '0.1.0',
      description:
        'Event-sourced booking platform. Commands answer with the stream revision (`ETag`) and the global event position (`X-Event-Position`, and `position` in the body); pass it to a read as `X-Min-Position` to read your own writes. Errors are `application/problem+json`.',
    },
    servers: [{ url: '/' }],
    tags,
    paths,
    components: {
      schemas,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      parameters: {
        MinPosition: {
          name: 'X-Min-Position',
          in: 'header',
          required: false,
          description: 'wait until the read models include this position (from a command answer)',
          schema: { type: 'string' },
        },
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'replays the first answer to a retried command',
          schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,200}$' },
        },
      },
      responses: {
        Problem: {
          description: 'An error',
          content: { 'application/problem+json': { schema: { $ref: `${SCHEMA_PREFIX}Problem` } } },
        },
      },
    },
  };
}
