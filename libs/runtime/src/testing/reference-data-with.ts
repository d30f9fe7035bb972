import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private copy of the demo reference data with more registered users, for tests that need
 * several pharmacists of one pharmacy (the demo has one each). Returns the directory, for
 * `RX_REFERENCE_DATA`; the tokens of these users pass the registry check like the demo's.
 */
export function referenceDataWith(extra: { pharmacists?: Array<{ id: string; pharmacyId: string }>; physicians?: Array<{ id: string; institutionId: string }> }, from = './data/reference'): string {
  const dir = mkdtempSync(join(tmpdir(), 'rx-ref-'));
  cpSync(from, dir, { recursive: true });
  const add = (file: string, rows: object[]) => {
    const path = join(dir, file);
    writeFileSync(path, JSON.stringify([...JSON.parse(readFileSync(path, 'utf8')), ...rows], null, 2));
  };
  if (extra.pharmacists) add('pharmacists.json', extra.pharmacists.map((p) => ({ id: p.id, name: `Test pharmacist ${p.id}`, pharmacyId: p.pharmacyId })));
  if (extra.physicians) add('physicians.json', extra.physicians.map((p) => ({ id: p.id, name: `Test physician ${p.id}`, institutionId: p.institutionId, responsibleForSpecialDrugs: [] })));
  return dir;
}
