/**
 * fast-check arbitraries from the OpenAPI document's JSON schemas: values that mostly
 * follow the schema (so requests get past the first check and into the handlers) with
 * wrong types, out-of-range numbers, odd strings and extra properties mixed in.
 */
import fc from 'fast-check';

export type Schema = Record<string, unknown>;

/** Strings that have broken parsers elsewhere: unicode, control characters, numbers-as-text, huge, paths. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '1e309',
    'NaN',
    'null',
    'true',
    '[]',
    '{}',
    '__proto__',
    'constructor',
    '../../etc/passwd',
    '%00',
    '\u0000',
    '\uD800',
    'a'.repeat(5000),
    '2026-02-30T25:61:00Z',
    '9999-12-31T23:59:59.999Z',
    '0000-01-01',
    '$where',
    '{"$gt":""}',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
  ),
);

const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { maxDepth: 2 },
  nastyString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(nastyString, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);

export interface SchemaContext {
  components: Record<string, Schema>;
  /** ids that exist, for `format: uuid` strings */
  knownIds: readonly string[];
}

function resolve(schema: Schema, ctx: SchemaContext): Schema {
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const target = ctx.components[ref.split('/').pop()!];
    return target ? { ...target, ...schema, $ref: undefined } : {};
  }
  return schema;
}

function stringFor(s: Schema, ctx: SchemaContext): fc.Arbitrary<string> {
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? Math.min(s.maxLength, 60) : 30;
  const fitting = fc.string({ minLength: Math.min(min, max), maxLength: Math.max(min, max) });
  switch (s.format) {
    case 'uuid':
      return ctx.knownIds.length > 0 ? fc.oneof(fc.constantFrom(...ctx.knownIds), fc.uuid()) : fc.uuid();
    case 'date-time':
      return fc
        .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'date':
      return fc
        .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case 'email':
      return fc.emailAddress();
    default:
      return fitting;
  }
}

/** Mostly-valid values of `schema`; `wrongness` (0..1) is how often a part is replaced by anything. */
export function arbitraryFor(schema: Schema, ctx: SchemaContext, depth = 0, wrongness = 0.15): fc.Arbitrary<unknown> {
  const s = resolve(schema, ctx);
  const typed = ((): fc.Arbitrary<unknown> => {
    if (depth > 4) return fc.constant(null);
    if (Array.isArray(s.enum) && s.enum.length > 0) return fc.constantFrom(...(s.enum as unknown[]));
    const variants = (s.oneOf ?? s.anyOf) as Schema[] | undefined;
    if (Array.isArray(variants) && variants.length > 0)
      return fc.oneof(...variants.map((v) => arbitraryFor(v, ctx, depth + 1, wrongness)));
    switch (s.type) {
      case 'string':
        return stringFor(s, ctx);
      case 'integer': {
        const min = typeof s.minimum === 'number' ? s.minimum : -1_000_000;
        const max = typeof s.maximum === 'number' ? s.maximum : 1_000_000;
        return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min - 1, max + 1, 0, -1, 2 ** 53, 1.5));
      }
      case 'number':
        return fc.oneof(fc.double({ noNaN: true }), fc.integer());
      case 'boolean':
        return fc.boolean();
      case 'array': {
        const items = (s.items as Schema | undefined) ?? {};
        return fc.array(arbitraryFor(items, ctx, depth + 1, wrongness), { maxLength: 3 });
      }
      case 'object':
      default: {
        const props = (s.properties ?? {}) as Record<string, Schema>;
        if (Object.keys(props).length === 0) return s.type === 'object' ? fc.constant({}) : anyJson;
        const required = new Set((s.required as string[] | undefined) ?? []);
        const model: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [k, v] of Object.entries(props)) model[k] = arbitraryFor(v, ctx, depth + 1, wrongness);
        const record = fc.record(model, { requiredKeys: [...required].filter((k) => k in model) });
        // sometimes a property nobody declared (mass assignment), sometimes a required one missing
        return fc.oneof(
          { weight: 6, arbitrary: record },
          {
            weight: 1,
            arbitrary: fc
              .tuple(record, nastyString, anyJson)
              .map(([r, k, v]) => ({ ...(r as object), [k || 'extra']: v })),
          },
          {
            weight: 1,
            arbitrary: fc.record(model, { requiredKeys: [] }),
          },
        );
      }
    }
  })();
  const wrongWeight = Math.round(wrongness * 100);
  return wrongWeight > 0
    ? fc.oneof({ weight: 100 - wrongWeight, arbitrary: typed }, { weight: wrongWeight, arbitrary: anyJson })
    : typed;
}
