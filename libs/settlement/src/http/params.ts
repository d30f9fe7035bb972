import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/** Ids of pharmacies, patients and dispenses: bounded, no path or control characters. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

const invalid = (field: string, message: string) =>
  new BadRequestException({ code: 'VALIDATION_FAILED', message: `${field}: ${message}`, errors: [{ field, messages: [`${field} ${message}`] }] });

/** `@Param('id', new IdParam('id'))`: 400 with the field instead of a lookup of garbage. */
@Injectable()
export class IdParam implements PipeTransform<string, string> {
  constructor(private readonly field: string) {}
  transform(value: string): string {
    if (typeof value !== 'string' || !ID_PATTERN.test(value)) throw invalid(this.field, 'must be an id of letters, digits, ".", "_", ":" or "-" (at most 128)');
    return value;
  }
}

@Injectable()
export class UuidParam implements PipeTransform<string, string> {
  constructor(private readonly field: string) {}
  transform(value: string): string {
    if (typeof value !== 'string' || !UUID.test(value)) throw invalid(this.field, 'must be a UUID');
    return value.toLowerCase();
  }
}

@Injectable()
export class YearParam implements PipeTransform<unknown, number> {
  constructor(private readonly field = 'year') {}
  /** The text as sent: the global pipe converts no path value (`0x7EA` is not 2026). */
  transform(value: unknown): number {
    const text = typeof value === 'string' ? value : '';
    if (!/^\d{4}$/.test(text) || Number(text) < 2000 || Number(text) > 2100) throw invalid(this.field, 'must be a year from 2000 to 2100');
    return Number(text);
  }
}
