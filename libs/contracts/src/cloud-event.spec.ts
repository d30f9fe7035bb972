import { parseCloudEvent, validateCloudEvent } from './cloud-event';

const valid = () => ({
  specversion: '1.0',
  id: '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b',
  type: 'rx.prescribing.prescription-issued.v1',
  source: '/rx/prescribing',
  subject: 'rx-1',
  time: '2026-03-02T09:00:00.000Z',
  datacontenttype: 'application/json',
  data: { prescriptionId: 'rx-1' },
  correlationid: 'c-1',
  causationid: 'c-1',
});

describe('CloudEvents envelope', () => {
  it('accepts a complete 1.0 envelope and keeps the extensions', () => {
    const result = validateCloudEvent({ ...valid(), actor: 'physician:D001', integrityhash: 'ab'.repeat(32) });
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ actor: 'physician:D001', subject: 'rx-1' }) });
  });

  it.each([
    ['specversion', { specversion: '0.3' }, 'specversion'],
    ['missing id', { id: undefined }, 'id must be'],
    ['empty type', { type: '' }, 'type must be'],
    ['bad time', { time: 'yesterday' }, 'time must be'],
    ['data not an object', { data: 'x' }, 'data must be'],
    ['content type', { datacontenttype: 'text/plain' }, 'datacontenttype'],
    ['oversized attribute', { subject: 'x'.repeat(600) }, 'longer than'],
    ['missing correlation', { correlationid: undefined }, 'correlationid'],
  ])('refuses %s with a reason', (_name, patch, reason) => {
    const result = validateCloudEvent({ ...valid(), ...patch });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('refuses bytes that are not JSON, naming the problem', () => {
    const result = parseCloudEvent(Buffer.from('{not json'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/^not JSON/);
    expect(parseCloudEvent(null)).toEqual({ ok: false, reason: 'empty message' });
  });

  it('parses a valid envelope from bytes', () => {
    expect(parseCloudEvent(Buffer.from(JSON.stringify(valid()))).ok).toBe(true);
  });
});
