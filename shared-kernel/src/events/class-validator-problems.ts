/**
 * The reference validation of event data: class-transformer builds the schema's instance,
 * class-validator checks it and words every problem with the path of the field at fault.
 */
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError as ClassValidationError } from 'class-validator';

function flatten(errors: ClassValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => `${field}: ${m}`);
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Problems with `data` (an object) as an instance of `schema`; empty when valid. */
export function classValidatorProblems(schema: new () => object, data: object): string[] {
  const instance = plainToInstance(schema, data);
  return flatten(validateSync(instance, { forbidUnknownValues: true, whitelist: true, forbidNonWhitelisted: true }));
}
