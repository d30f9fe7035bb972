import { textProblem, type TextLimit } from '@rx/contracts';
import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';

/**
 * A text field checked against its `@rx/contracts` limit, the very definition the event contracts
 * check: code points, not UTF-16 units; no unpaired surrogate; not blank unless the limit allows it.
 * With `{ each: true }` every element of an array.
 */
export function IsText(limit: TextLimit, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isText',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [limit],
      options,
      validator: {
        validate: (value: unknown) => textProblem(value, limit) === undefined,
        defaultMessage: (args?: ValidationArguments) => `${args?.property ?? 'value'} ${textProblem(args?.value, limit) ?? 'is invalid'}`,
      },
    });
}

/**
 * A decimal with at most `places` decimal places, finite. class-validator's `maxDecimalPlaces`
 * reads the digits after a "." in the number's text and threw on `1e-300` (no "."): a 500.
 */
export function IsDecimal(places: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDecimal',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [places],
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'number' && Number.isFinite(value) && Number(value.toFixed(places)) === value,
        defaultMessage: (args?: ValidationArguments) => `${args?.property ?? 'value'} must be a number with at most ${places} decimal places`,
      },
    });
}
