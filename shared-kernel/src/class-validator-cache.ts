/**
 * class-validator works out, on every validation, which rules apply to a class: it walks
 * every class it knows (over a hundred here: events and request bodies) to find parents,
 * then filters and groups the rules by property. The answer only changes when a rule is
 * registered (decorators run when a class is defined), so it is kept per class and
 * forgotten whenever a rule is added. Validation results are unchanged.
 */
import { getMetadataStorage } from 'class-validator';

const CACHED = Symbol.for('booking.class-validator-cache');

/** Bumped whenever a rule is registered (once the cache is installed): whatever was worked
 *  out from the rules before (e.g. a compiled check) is out of date when it changes. */
let rulesVersion = 0;
export function validationRulesVersion(): number {
  return rulesVersion;
}

type Metadata = { propertyName: string };
interface Storage {
  getTargetValidationMetadatas(
    target: unknown,
    schema: string | undefined,
    always: boolean,
    strictGroups: boolean,
    groups?: string[],
  ): Metadata[];
  groupByPropertyName(metadata: Metadata[]): Record<string, Metadata[]>;
  addValidationMetadata(metadata: unknown): void;
  [CACHED]?: true;
}

/** Installs the cache on class-validator's (process-wide) metadata storage, once. */
export function cacheValidationMetadata(): void {
  const storage = getMetadataStorage() as unknown as Storage;
  if (storage[CACHED]) return;
  storage[CACHED] = true;

  const targets = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const addValidation = storage.addValidationMetadata.bind(storage);
  let byTarget = new Map<unknown, Map<string | number, Metadata[]>>();
  let grouped = new WeakMap<Metadata[], Record<string, Metadata[]>>();
  const forget = () => {
    byTarget = new Map();
    grouped = new WeakMap();
  };

  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    // validation groups are not used here; such calls go uncached
    if (groups && groups.length > 0) return targets(target, schema, always, strictGroups, groups);
    // the three flags as a number; a schema name (rare) makes it a string
    const flags = (always ? 1 : 0) | (strictGroups ? 2 : 0) | (groups ? 4 : 0);
    const key = schema ? `${schema}|${flags}` : flags;
    let forTarget = byTarget.get(target);
    if (!forTarget) byTarget.set(target, (forTarget = new Map()));
    let found = forTarget.get(key);
    if (!found) forTarget.set(key, (found = targets(target, schema, always, strictGroups, groups)));
    return found;
  };
  // the grouping of a cached list (callers only read it)
  storage.groupByPropertyName = (metadata) => {
    let found = grouped.get(metadata);
    if (!found) grouped.set(metadata, (found = group(metadata)));
    return found;
  };
  storage.addValidationMetadata = (metadata) => {
    forget();
    rulesVersion++;
    addValidation(metadata);
  };
}
