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
