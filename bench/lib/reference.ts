import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './proc';

/**
 * The demo region ships four patients; a benefit ledger is one stream per patient and year, so four
 * patients would turn every payment into a fight over four streams. The bench copies the reference
 * data and adds `count` employees (like PT001: own personal account) so the load spreads the way a
 * real region's does. `count = 0` keeps the demo's four (PT001..PT004), the contention case.
 */
export function benchReferenceData(count: number): { dir: string; patients: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'rx-bench-ref-'));
  cpSync(join(ROOT, 'data', 'reference'), dir, { recursive: true });
  if (count <= 0) return { dir, patients: ['PT001', 'PT002', 'PT003'] };
  const file = join(dir, 'patients.json');
  const patients = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
  const ids: string[] = [];
  for (let i = 1; i <= count; i++) {
    const id = `BP${String(i).padStart(6, '0')}`;
    ids.push(id);
    patients.push({ id, name: `Bench Patient ${i}`, regionCode: '522700', insuranceType: i % 3 === 0 ? 'resident' : 'employee', retired: i % 5 === 0, ...(i % 3 === 0 ? {} : { personalAccountFen: 500_000 }), chronicConditions: [] });
  }
  writeFileSync(file, JSON.stringify(patients, null, 1));
  return { dir, patients: ids };
}
