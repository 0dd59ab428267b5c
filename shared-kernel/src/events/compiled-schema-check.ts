/**
 * A plain checking function compiled once per event schema from class-validator's own
 * metadata, so class-validator stays the one place a schema is declared. It answers one
 * question — would plainToInstance + validateSync (whitelist, forbidNonWhitelisted,
 * forbidUnknownValues) accept this data? — without building instances or looking the
 * rules up again on every call (class-validator walks every known class per object).
 *
 * It may say "no" where class-validator would say "yes" (shapes it does not model: class
 * instances, Sets, keys class-transformer drops); the catalogue then asks class-validator
 * itself, which also words the problems. It must never say "yes" where class-validator says
 * "no": it runs class-validator's own constraint objects, in class-validator's control flow
 * (conditions, `each`, nested objects and arrays, whitelist), on the plain data, and refuses
 * at compile time what would make the plain data and the instance validate differently.
 * test/event-validation-differential.test.ts holds the two side by side on every event type.
 */
import { createRequire } from 'node:module';
import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';
import { QUICK_ACCEPTS } from './constraint-shortcuts.js';
import { validationRulesVersion } from '../class-validator-cache.js';

/** Says whether class-validator accepts `data`; false may also mean "not sure". */
export type SchemaCheck = (data: unknown) => boolean;

export type CompiledSchemaCheck = { readonly check: SchemaCheck } | { readonly unsupported: string };

type SchemaClass = abstract new () => object;
type Data = Record<string, unknown>;

/**
 * Constraints whose verdict depends only on the value's primitive content, array length or
 * "is a non-array object": the plain value and class-transformer's copy of it get the same
 * answer. A constraint missing here makes its schemas fall back to class-validator (the
 * differential test then fails until it is checked and added).
 */
const VALUE_ONLY_CONSTRAINTS = new Set([
  'arrayMaxSize',
  'isArray',
  'isBoolean',
  'isEmail',
  'isIn',
  'isInt',
  'isIso8601',
  'isLength',
  'isObject',
  'isString',
  'isUuid',
  'matches',
  'max',
  'min',
]);

/** What the compiler reads of class-validator's metadata (its public getMetadataStorage()). */
interface ValidationMetadataView {
  type: string;
  propertyName: string;
  constraintCls: object;
  constraints: unknown[];
  each: boolean;
  validateIf?: (object: unknown, value: unknown) => boolean;
}
interface ConstraintMetadataView {
  name: string;
  async: boolean;
  instance: { validate(value: unknown, args: ValidationArguments): unknown };
}
interface ValidatorStorageView {
  getTargetValidationMetadatas(
    target: SchemaClass,
    schema: string | undefined,
    always: boolean,
    strictGroups: boolean,
    groups?: string[],
  ): ValidationMetadataView[];
  getTargetValidatorConstraints(target: object): ConstraintMetadataView[];
}

/** What the compiler reads of class-transformer's metadata: how plainToInstance would
 *  build the instance class-validator sees. */
interface TypeMetadataView {
  typeFunction?: ((options?: unknown) => unknown) & { length: number };
  reflectedType?: unknown;
  options?: { discriminator?: unknown };
}
interface TransformerStorageView {
  findTypeMetadata(target: SchemaClass, propertyName: string): TypeMetadataView | undefined;
  findTransformMetadatas(target: SchemaClass, propertyName: string, transformationType: number): unknown[];
  getStrategy(target: SchemaClass): string;
  getExposedMetadatas(target: SchemaClass): unknown[];
  getExcludedMetadatas(target: SchemaClass): unknown[];
}

// class-transformer does not export its metadata storage from the package root; the CJS
// module is the one `import ... from 'class-transformer'` loads in Node, so it holds the
// schemas' @Type metadata. (Were it another copy, @Type lookups fail and the schemas fall
// back to class-validator: slower, never wrong.)
const transformerStorage = (
  createRequire(import.meta.url)('class-transformer/cjs/storage') as { defaultMetadataStorage: TransformerStorageView }
).defaultMetadataStorage;
const PLAIN_TO_CLASS = 0;

class Unsupported extends Error {}

type Rule = (object: Data, value: unknown) => boolean;
type NestedCheck = (value: unknown) => boolean;

interface PropertyCheck {
  readonly name: string;
  /** IsOptional / ValidateIf: when one is false, the property is not validated at all */
  readonly conditions: ((object: unknown, value: unknown) => boolean)[];
  readonly rules: Rule[];
  readonly nested: NestedCheck | undefined;
}

function isThenable(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function isPlainObject(v: unknown): v is Data {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * A primitive, a plain object or a plain array: what JSON holds, and what class-transformer
 * hands on as it is (a copy with the same content). Other objects it may turn into something
 * else first (a Set into an array; an object with a `then` function it leaves uncopied), so
 * a rule could judge them differently.
 */
function isJsonLike(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return typeof v !== 'function';
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || (proto === Array.prototype && Array.isArray(v));
}

/** nested arrays deeper than this are left to class-validator */
const MAX_ARRAY_NESTING = 8;
/** content of unchecked objects deeper than this is left to class-validator */
const MAX_CONTENT_DEPTH = 32;

/**
 * JSON-like all the way down, and copyable by class-transformer: it builds each copy from
 * `value.constructor`, so an own `constructor` key makes it throw. Applied to values whose
 * content no rule looks at (an IsObject-only map, an array of strings).
 */
function isCopyableJson(v: unknown, depth = 0): boolean {
  if (typeof v !== 'object' || v === null) return typeof v !== 'function';
  if (depth >= MAX_CONTENT_DEPTH) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Array.prototype && Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!isCopyableJson(v[i], depth + 1)) return false;
    return true;
  }
  if (proto !== Object.prototype || Object.hasOwn(v, 'constructor')) return false;
  for (const key in v) if (!isCopyableJson((v as Data)[key], depth + 1)) return false;
  return true;
}

/** One custom (or IsDefined) validation metadata as a rule over the plain data. */
function compileRule(
  cls: SchemaClass,
  meta: ValidationMetadataView,
  constraint: ConstraintMetadataView,
): Rule | undefined {
  // validateSync skips asynchronous constraints
  if (constraint.async) return undefined;
  if (!VALUE_ONLY_CONSTRAINTS.has(constraint.name)) {
    throw new Unsupported(
      `${cls.name}.${meta.propertyName}: constraint ${constraint.name} is not known to be value-only`,
    );
  }
  const validator = constraint.instance;
  // the arguments class-validator passes; `object` is the plain data here, which the
  // value-only constraints do not read
  const args: ValidationArguments = {
    targetName: cls.name,
    property: meta.propertyName,
    object: {},
    value: undefined,
    constraints: meta.constraints,
  };
  const validateIf = meta.validateIf;
  const quickAccept = QUICK_ACCEPTS.get(constraint.name);
  const constraints = meta.constraints;
  // a truthy answer passes, as in class-validator; a promise from a "synchronous"
  // constraint is treated as a refusal (class-validator would ignore it): not sure -> no
  const passes = (value: unknown): boolean => {
    if (quickAccept?.(value, constraints)) return true;
    const answer = validator.validate(value, args);
    return Boolean(answer) && !isThenable(answer);
  };
  return (object, value) => {
    if (validateIf && !validateIf(object, value)) return true;
    args.object = object;
    args.value = value;
    // the property's value was found JSON-like by the object check
    if (meta.each && Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const element: unknown = value[i];
        if (!isJsonLike(element) || !passes(element)) return false;
      }
      return true;
    }
    return passes(value);
  };
}

/** ValidateNested on a property: arrays are checked element by element (undefined
 *  elements pass, arrays in arrays are walked the same way), an object must be plain data
 *  valid for the property's @Type class. */
function nestedCheck(check: SchemaCheck): NestedCheck {
  const walk = (value: unknown, depth: number): boolean => {
    if (!Array.isArray(value)) return check(value);
    if (depth >= MAX_ARRAY_NESTING || Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      if (element !== undefined && !walk(element, depth + 1)) return false;
    }
    return true;
  };
  return (value) => walk(value, 0);
}

class Compiler {
  private readonly validatorStorage = getMetadataStorage() as unknown as ValidatorStorageView;
  private readonly compiled = new Map<SchemaClass, SchemaCheck>();

  /** Compiles `cls` and the classes it nests; on Unsupported nothing of it is kept. */
  compileTop(cls: SchemaClass): SchemaCheck {
    const before = new Set(this.compiled.keys());
    try {
      return this.compile(cls);
    } catch (err) {
      for (const c of [...this.compiled.keys()]) if (!before.has(c)) this.compiled.delete(c);
      throw err;
    }
  }

  private compile(cls: SchemaClass): SchemaCheck {
    const done = this.compiled.get(cls);
    if (done) return done;
    // a placeholder first, so a class that (indirectly) nests itself compiles
    const slot: { check?: SchemaCheck } = {};
    this.compiled.set(cls, (data) => slot.check!(data));
    slot.check = this.compileClass(cls);
    this.compiled.set(cls, slot.check);
    return slot.check;
  }

  private compileClass(cls: SchemaClass): SchemaCheck {
    this.assertPlainTransform(cls);
    // what validateSync asks for: no schema name, no groups, `always` and `strictGroups` off
    const metadatas = this.validatorStorage.getTargetValidationMetadatas(cls, undefined, false, false, undefined);
    // forbidUnknownValues: an object of a class without rules is refused
    if (metadatas.length === 0) return () => false;

    const byProperty = new Map<string, ValidationMetadataView[]>();
    for (const m of metadatas) {
      const list = byProperty.get(m.propertyName);
      if (list) list.push(m);
      else byProperty.set(m.propertyName, [m]);
    }
    const properties: PropertyCheck[] = [];
    for (const [name, list] of byProperty) properties.push(this.compileProperty(cls, name, list));
    // whitelist + forbidNonWhitelisted: every key of the data must have metadata
    const known = new Set(byProperty.keys());

    return (data) => {
      if (!isPlainObject(data)) return false;
      for (const key in data) if (!known.has(key)) return false;
      for (let p = 0; p < properties.length; p++) {
        const property = properties[p]!;
        const value = data[property.name];
        if (property.nested ? !isJsonLike(value) : !isCopyableJson(value)) return false;
        let validated = true;
        for (let c = 0; c < property.conditions.length; c++) {
          if (!property.conditions[c]!(data, value)) {
            validated = false;
            break;
          }
        }
        if (!validated) continue;
        for (let r = 0; r < property.rules.length; r++) if (!property.rules[r]!(data, value)) return false;
        if (property.nested && value !== undefined && !property.nested(value)) return false;
      }
      return true;
    };
  }

  private compileProperty(cls: SchemaClass, name: string, metadatas: ValidationMetadataView[]): PropertyCheck {
    // class-transformer leaves out keys that name a method or getter of the class (and
    // `constructor`): data under such a name never reaches class-validator
    if (name in cls.prototype) throw new Unsupported(`${cls.name}.${name} shadows a member of the class`);
    const conditions: PropertyCheck['conditions'] = [];
    const rules: Rule[] = [];
    let nested: NestedCheck | undefined;
    for (const m of metadatas) {
      switch (m.type) {
        case ValidationTypes.WHITELIST:
          break; // only makes the property allowed
        case ValidationTypes.CONDITIONAL_VALIDATION:
          // IsOptional's condition reads the property; the plain data has the same value
          conditions.push(m.constraints[0] as (object: unknown, value: unknown) => boolean);
          break;
        case ValidationTypes.CUSTOM_VALIDATION:
        case ValidationTypes.IS_DEFINED:
          for (const constraint of this.validatorStorage.getTargetValidatorConstraints(m.constraintCls)) {
            const rule = compileRule(cls, m, constraint);
            if (rule) rules.push(rule);
          }
          break;
        case ValidationTypes.NESTED_VALIDATION:
          nested ??= this.compileNested(cls, name);
          break;
        default:
          throw new Unsupported(`${cls.name}.${name}: validation type ${m.type}`);
      }
    }
    // a @Type without ValidateNested would still convert the value (e.g. to a Number)
    if (!nested && transformerStorage.findTypeMetadata(cls, name)) {
      throw new Unsupported(`${cls.name}.${name}: @Type without @ValidateNested`);
    }
    return { name, conditions, rules, nested };
  }

  /** The class plainToInstance builds for the property's objects (its @Type). */
  private compileNested(cls: SchemaClass, name: string): NestedCheck {
    const type = transformerStorage.findTypeMetadata(cls, name);
    // without @Type the nested object stays an Object, which forbidUnknownValues refuses
    if (!type?.typeFunction) return () => false;
    if (type.options?.discriminator) throw new Unsupported(`${cls.name}.${name}: @Type with a discriminator`);
    if (type.reflectedType === Map) throw new Unsupported(`${cls.name}.${name}: a Map`);
    // a type function that looks at the object could choose another class per value
    if (type.typeFunction.length > 0) throw new Unsupported(`${cls.name}.${name}: @Type depends on the value`);
    const target = type.typeFunction();
    if (typeof target !== 'function' || [String, Number, Boolean, Date, Object, Array].includes(target as never)) {
      throw new Unsupported(`${cls.name}.${name}: @Type is not a schema class`);
    }
    return nestedCheck(this.compile(target as SchemaClass));
  }

  /** No @Transform, @Expose or @Exclude: plainToInstance copies the data as it is. */
  private assertPlainTransform(cls: SchemaClass): void {
    if (transformerStorage.getStrategy(cls) !== 'none') throw new Unsupported(`${cls.name}: @Expose/@Exclude strategy`);
    if (transformerStorage.getExposedMetadatas(cls).length > 0) throw new Unsupported(`${cls.name}: @Expose`);
    if (transformerStorage.getExcludedMetadatas(cls).length > 0) throw new Unsupported(`${cls.name}: @Exclude`);
    const metadatas = this.validatorStorage.getTargetValidationMetadatas(cls, undefined, false, false, undefined);
    for (const name of new Set(metadatas.map((m) => m.propertyName))) {
      if (transformerStorage.findTransformMetadatas(cls, name, PLAIN_TO_CLASS).length > 0) {
        throw new Unsupported(`${cls.name}.${name}: @Transform`);
      }
    }
  }
}

let compiler = new Compiler();
let compiledAtRules = validationRulesVersion();

/** Compiles `schema`'s class-validator rules into a plain check, or says why it cannot. */
export function compileSchemaCheck(schema: SchemaClass): CompiledSchemaCheck {
  // a rule registered since the last compile: the classes compiled so far may be stale
  if (validationRulesVersion() !== compiledAtRules) {
    compiler = new Compiler();
    compiledAtRules = validationRulesVersion();
  }
  try {
    return { check: compiler.compileTop(schema) };
  } catch (err) {
    if (err instanceof Unsupported) return { unsupported: err.message };
    throw err;
  }
}
