/** A reference-data file that cannot be used: the message names the file and the field path. */
export class ReferenceDataError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(field ? `${file}: ${field} ${problem}` : `${file}: ${problem}`);
    this.name = 'ReferenceDataError';
  }
}
