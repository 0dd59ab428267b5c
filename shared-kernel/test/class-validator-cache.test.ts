/**
 * The cache of class-validator's rules per class gives the answers class-validator gives
 * without it, also for classes and rules that appear after a validation has run.
 */
import { describe, expect, it } from 'vitest';
import { IsInt, IsString, Min, registerDecorator, validateSync } from 'class-validator';
import { parseInput } from '@booking/shared-kernel';

const problems = (o: object) =>
  validateSync(o, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }).map((e) => e.property);

describe('class-validator rule cache', () => {
  it('a subclass defined after its parent was validated gets both sets of rules', () => {
    class Parent {
      @IsString() name!: string;
    }
    expect(problems(Object.assign(new Parent(), { name: 'a' }))).toEqual([]);
    expect(problems(Object.assign(new Parent(), { name: 1 }))).toEqual(['name']);
    class Child extends Parent {
      @IsInt() @Min(1) count!: number;
    }
    expect(problems(Object.assign(new Child(), { name: 'a', count: 2 }))).toEqual([]);
    expect(problems(Object.assign(new Child(), { name: 1, count: 0 })).sort()).toEqual(['count', 'name']);
    // the parent's own rules did not change with the child's
    expect(problems(Object.assign(new Parent(), { name: 'a', count: 0 }))).toEqual(['count']);
  });

  it('a rule registered on a class that was already validated applies from then on', () => {
    class Body {
      @IsString() title!: string;
      note?: string;
    }
    expect(() => parseInput(Body, { title: 'x', note: 'ok' })).toThrow(/note/);
    registerDecorator({
      name: 'shortNote',
      target: Body,
      propertyName: 'note',
      validator: { validate: (value: unknown) => typeof value === 'string' && value.length <= 3 },
    });
    expect(parseInput(Body, { title: 'x', note: 'ok' })).toMatchObject({ title: 'x', note: 'ok' });
    expect(() => parseInput(Body, { title: 'x', note: 'too long' })).toThrow(/note/);
  });
});
