/**
 * The compiled schema checks against class-validator itself, on every event type: its valid
 * sample and hundreds of mutations of it (fields removed, set to other values and types,
 * extra keys, non-plain objects). The check may only accept what class-validator accepts;
 * on data a store can hold (JSON) it must give class-validator's verdict exactly; and the
 * catalogue's problems() must be class-validator's problems, word for word.
 */
import 'reflect-metadata';
import { isISO8601, length, matches } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { eventCatalogue, eventDefinitions, type EventDefinition } from '../src/events/index.js';
import { classValidatorProblems } from '../src/events/class-validator-problems.js';
import { compileSchemaCheck, type SchemaCheck } from '../src/events/compiled-schema-check.js';
import { QUICK_ACCEPTS } from '../src/events/constraint-shortcuts.js';
import { sampleOf } from './fixtures/event-samples.js';

const definitions: EventDefinition[] = eventDefinitions;

type Path = (string | number)[];

interface Variant {
  readonly label: string;
  readonly data: unknown;
  /** data a store could return: JSON, without keys class-transformer leaves out */
  readonly json: boolean;
}

/** keys plainToInstance skips (so class-validator never sees them) */
const DROPPED_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

const UUID = '01900000-0000-7000-8000-00000000abcd';
/** values put in place of every field */
const REPLACEMENTS: [string, unknown][] = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['0', 0],
  ['-1', -1],
  ['1', 1],
  ['1.5', 1.5],
  ['10001', 10_001],
  ['2^53', 2 ** 53],
  ['empty string', ''],
  ['"x"', 'x'],
  ['a blank', ' '],
  ['201 chars', 'a'.repeat(201)],
  ['5001 chars', 'a'.repeat(5001)],
  ['a UUID', UUID],
  ['an upper-case UUID', UUID.toUpperCase()],
  ['a v4 UUID', '3f2504e0-4f89-41d3-9a0c-0305e82c3301'],
  ['a UUID of no version', '01900000-0000-0000-8000-00000000abcd'],
  ['an instant', '2030-01-01T10:15:00.000Z'],
  ['an instant without ms', '2030-01-01T10:15:00Z'],
  ['an instant with an offset', '2030-01-01T10:15:00+02:00'],
  ['an impossible date', '2030-02-30T10:15:00.000Z'],
  ['a date', '2030-01-01'],
  ['a time', '09:00'],
  ['24:00', '24:00'],
  ['a currency', 'EUR'],
  ['a lower-case currency', 'eur'],
  ['an email', 'a@example.com'],
  ['a phone', '+33612345678'],
  ['a sha256', 'f'.repeat(64)],
  ['an emoji', '😀'],
  ['an empty object', {}],
  ['an empty array', []],
  ['an array of an object', [{}]],
  ['an array of strings', ['customer']],
  ['an array of arrays', [[]]],
];
/** values only other code (not a store) can produce */
const NON_JSON: [string, unknown][] = [
  ['undefined', undefined],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-0', -0],
  ['a Date', new Date('2030-01-01T10:15:00.000Z')],
  ['a Set', new Set(['customer'])],
  ['a Map', new Map([['a', 1]])],
  ['a null-prototype object', Object.create(null) as object],
  ['a function', () => 1],
  ['an array with a hole', [, 'customer'] as unknown[]], // eslint-disable-line no-sparse-arrays
  ['an array holding undefined', [undefined]],
];

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function get(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], root);
}

/** a copy of `root` with `change` applied to the parent of `path` */
function edit(
  root: unknown,
  path: Path,
  change: (parent: Record<string | number, unknown>, key: string | number) => void,
) {
  const copy = clone(root);
  const parent = get(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  change(parent, path[path.length - 1]!);
  return copy;
}

function paths(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => {
    const path = [...prefix, k];
    return [path, ...paths((value as Record<string | number, unknown>)[k], path)];
  });
}

function objectPaths(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];
  const own = Array.isArray(value) ? [] : [prefix];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [...own, ...keys.flatMap((k) => objectPaths((value as Record<string | number, unknown>)[k], [...prefix, k]))];
}

/** the same value, a little off: longer, shorter, other case, other number */
function nearby(value: unknown): [string, unknown][] {
  if (typeof value === 'string') {
    return [
      ['+x', `${value}x`],
      ['minus its first char', value.slice(1)],
      ['upper-case', value.toUpperCase()],
      ['doubled', value + value],
      ['with a space', ` ${value}`],
    ];
  }
  if (typeof value === 'number') {
    return [
      ['+1', value + 1],
      ['-1', value - 1],
      ['negated', -value],
      ['+0.5', value + 0.5],
      ['as a string', String(value)],
    ];
  }
  if (Array.isArray(value)) {
    return [
      ['repeated 30 times', Array.from({ length: 30 }, () => value).flat()],
      ['with a null element', [...value, null]],
      ['with a number element', [...value, 7]],
    ];
  }
  if (typeof value === 'object' && value !== null) {
    return [
      ['wrapped in an array', [value]],
      ['with an extra key', { ...value, injected: 1 }],
    ];
  }
  return [];
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  // set on a JSON clone; non-JSON values are put in after cloning
  return edit(root, path, (parent, key) => {
    parent[key] = value;
  });
}

function variants(sample: Record<string, unknown>): Variant[] {
  const out: Variant[] = [{ label: 'the valid sample', data: clone(sample), json: true }];
  for (const path of paths(sample)) {
    const at = path.join('.');
    const current = get(sample, path);
    out.push({
      label: `${at} removed`,
      data: edit(sample, path, (parent, key) => {
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
      }),
      json: true,
    });
    for (const [name, value] of [...REPLACEMENTS, ...nearby(current)]) {
      out.push({ label: `${at} = ${name}`, data: setAt(sample, path, clone(value)), json: true });
    }
    for (const [name, value] of NON_JSON) {
      out.push({ label: `${at} = ${name}`, data: setAt(sample, path, value), json: false });
    }
  }
  for (const path of objectPaths(sample)) {
    const at = path.length > 0 ? path.join('.') : 'the data';
    out.push({
      label: `${at} with an extra key`,
      data: setAt(sample, [...path, 'injected'], 'x'),
      json: true,
    });
    out.push({
      label: `${at} with an extra key set to undefined`,
      data: setAt(sample, [...path, 'injected'], undefined),
      json: false,
    });
    for (const key of DROPPED_KEYS) {
      // JSON.parse makes __proto__ an own key, as a store's JSON would
      const text = JSON.stringify(get(sample, path));
      const withKey = JSON.parse(`{"${key}":"x"${text === '{}' ? '' : ','}${text.slice(1)}`) as unknown;
      out.push({ label: `${at} with a key ${key}`, data: setAt(sample, path, withKey), json: false });
    }
    out.push({
      label: `${at} as a null-prototype object`,
      data: setAt(sample, path, Object.assign(Object.create(null) as object, get(sample, path))),
      json: false,
    });
  }
  return out;
}

function checkOf(definition: EventDefinition): SchemaCheck {
  const compiled = compileSchemaCheck(definition.schema);
  if (!('check' in compiled)) throw new Error(`${definition.type}: ${compiled.unsupported}`);
  return compiled.check;
}

describe('compiled schema checks', () => {
  it.each(definitions.map((d) => [d.type, d] as const))('%s compiles to a check', (_type, definition) => {
    expect(compileSchemaCheck(definition.schema)).toHaveProperty('check');
  });

  it.each(definitions.map((d) => [d.type, d] as const))(
    '%s: the check agrees with class-validator on the sample and its mutations',
    (type, definition) => {
      const check = checkOf(definition);
      const sample = sampleOf(type)!;
      const all = variants(sample);
      expect(all.length).toBeGreaterThan(40);
      let refused = 0;
      for (const v of all) {
        const accepted = check(v.data);
        let expected: string[];
        try {
          expected = classValidatorProblems(definition.schema, v.data as object);
        } catch (err) {
          // class-transformer cannot copy some non-plain objects: the catalogue fails alike
          expect(accepted, `${type}: ${v.label}`).toBe(false);
          expect(() => eventCatalogue.problems(type, v.data)).toThrow((err as Error).message);
          continue;
        }
        // never accept what class-validator refuses
        if (accepted) expect(expected, `${type}: ${v.label} was accepted`).toEqual([]);
        // on stored (JSON) data, the same verdict, so the fast path is taken for valid events
        if (v.json) expect(accepted, `${type}: ${v.label}`).toBe(expected.length === 0);
        // the catalogue's answer is class-validator's, with its wording
        expect(eventCatalogue.problems(type, v.data), `${type}: ${v.label}`).toEqual(expected);
        if (expected.length > 0) refused++;
      }
      // the mutations do exercise refusals
      expect(refused).toBeGreaterThan(all.length / 3);
    },
  );

  it('a refusal still names the field at fault, nested ones with their path', () => {
    const data = { ...sampleOf('BookingPlaced')!, slot: { start: 'soon', end: '2030-01-07T09:00:00.000Z' } };
    expect(eventCatalogue.problems('BookingPlaced', data)).toEqual([
      expect.stringMatching(/^slot\.start: start must be a valid ISO 8601 date string$/),
    ]);
  });

  it('refuses an array at the top, as class-validator does', () => {
    expect(eventCatalogue.problems('BookingExpired', [])).not.toEqual([]);
  });
});

describe('the quick acceptance of ISO 8601 instants', () => {
  const quick = QUICK_ACCEPTS.get('isIso8601')!;
  const options = [undefined, { strict: true }, { strict: true, strictSeparator: true }, { strictSeparator: true }];

  function agrees(s: string): void {
    if (!quick(s, [])) return;
    for (const o of options) expect(isISO8601(s, o), `${s} with ${JSON.stringify(o)}`).toBe(true);
  }

  it('accepts what Date#toISOString writes', () => {
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 2000; i++) {
      const s = new Date(
        Date.UTC(1000, 0, 1) + random() * (Date.UTC(9999, 11, 31) - Date.UTC(1000, 0, 1)),
      ).toISOString();
      expect(quick(s, []), s).toBe(true);
      agrees(s);
    }
  });

  it('accepts only what isISO8601 accepts, at every month end and around each field', () => {
    const years = [
      '0000',
      '0004',
      '0999',
      '1000',
      '1004',
      '1900',
      '1999',
      '2000',
      '2023',
      '2024',
      '2100',
      '2400',
      '9999',
    ];
    for (const y of years) {
      for (let m = 0; m <= 13; m++) {
        for (const d of ['00', '01', '28', '29', '30', '31', '32']) {
          const month = String(m).padStart(2, '0');
          agrees(`${y}-${month}-${d}T00:00:00.000Z`);
          agrees(`${y}-${month}-${d}T23:59:59Z`);
        }
      }
    }
    const base = '2024-02-29T23:59:59.999Z';
    const alphabet = '0123456789-:.TZtz+ W';
    for (let i = 0; i < base.length; i++) {
      for (const c of alphabet) {
        agrees(base.slice(0, i) + c + base.slice(i + 1)); // replaced
        agrees(base.slice(0, i) + c + base.slice(i)); // inserted
      }
      agrees(base.slice(0, i) + base.slice(i + 1)); // removed
    }
    for (const s of ['2030-01-01T24:00:00Z', '2030-01-01T10:60:00Z', '2030-01-01T10:15:60Z', '2030-01-01T10:15:00.Z']) {
      expect(quick(s, []), s).toBe(false);
    }
  });

  it('refuses what is not a string', () => {
    for (const v of [undefined, null, 1, {}, new Date()]) expect(quick(v, [])).toBe(false);
  });
});

describe('the quick acceptances of Length and Matches', () => {
  const quickLength = QUICK_ACCEPTS.get('isLength')!;
  const quickMatches = QUICK_ACCEPTS.get('matches')!;
  const strings = [
    '',
    'a',
    'ab',
    'abc',
    '😀',
    'a😀',
    '✔️',
    '✔︎',
    'a\uFE0F',
    '\uD83D',
    '\uDE00x',
    'é',
    'e\u0301',
    ' '.repeat(5),
  ];

  it('accepts only what Length accepts, and the plain strings it accepts', () => {
    for (const s of strings) {
      for (const [min, max] of [
        [0, 0],
        [1, 1],
        [1, 2],
        [2, 2],
        [0, 5],
        [3, 200],
      ] as const) {
        if (quickLength(s, [min, max])) expect(length(s, min, max), `${JSON.stringify(s)} ${min}-${max}`).toBe(true);
        if (/^[ -~]*$/.test(s)) expect(quickLength(s, [min, max])).toBe(length(s, min, max));
      }
    }
    expect(quickLength('abc', [1, undefined])).toBe(false); // not modelled: left to Length
    expect(quickLength(3, [1, 5])).toBe(false);
  });

  it('accepts only what Matches accepts, and leaves global or sticky patterns to it', () => {
    for (const pattern of [/^[A-Z]{3}$/, /b/, /^a/i, /^[\w-]+$/]) {
      for (const s of ['EUR', 'eur', 'abc', 'a-b_c', '', 'a b']) {
        expect(quickMatches(s, [pattern])).toBe(matches(s, pattern));
      }
    }
    expect(quickMatches('abc', [/b/g])).toBe(false);
    expect(quickMatches('abc', [/a/y])).toBe(false);
    expect(quickMatches('abc', ['b'])).toBe(false);
    expect(quickMatches(1, [/1/])).toBe(false);
  });
});
