import { validateAlertRaisedV1 } from '@rx/contracts';
import { deadLetterAlert, type DeadLetterRecord } from './index';

const record = (o: Partial<DeadLetterRecord> = {}): DeadLetterRecord => ({
  topic: 'rx.prescribing.v1',
  partition: 2,
  offset: '17',
  key: 'RX-1',
  reason: 'invalid event: rx.prescribing.prescription-issued.v1: diagnoses[0].name must be a non-blank string of 1 to 200 characters',
  payload: JSON.stringify({ id: 'evt-1', type: 'rx.prescribing.prescription-issued.v1', data: { prescriptionId: 'RX-1' } }),
  groupId: 'dispensing',
  failedAt: '2026-03-02T10:00:00.000Z',
  ...o,
});

describe('dead-letter alert', () => {
  it('given a dead letter of a prescription event, raises a high alert naming the group, topic, prescription and reason', () => {
    const a = deadLetterAlert(record());
    expect(a).toMatchObject({
      ruleId: 'dead-letter',
      severity: 'high',
      subjectKey: 'RX-1',
      prescriptionId: 'RX-1',
      occurredAt: '2026-03-02T10:00:00.000Z',
      evidence: ['evt-1'],
      details: { topic: 'rx.prescribing.v1', groupId: 'dispensing', offset: '17', partition: 2, eventType: 'rx.prescribing.prescription-issued.v1' },
    });
    expect(a.summary).toContain('dispensing dead-lettered a message of rx.prescribing.v1 (key RX-1)');
    expect(validateAlertRaisedV1(a)).toBeUndefined();
  });

  it('the same dead letter read twice is one alert; dead-lettered again later, or by another group, another', () => {
    expect(deadLetterAlert(record()).alertId).toBe(deadLetterAlert(record()).alertId);
    expect(deadLetterAlert(record({ failedAt: '2026-03-02T11:00:00.000Z' })).alertId).not.toBe(deadLetterAlert(record()).alertId);
    expect(deadLetterAlert(record({ groupId: 'audit' })).alertId).not.toBe(deadLetterAlert(record()).alertId);
  });

  it('an unreadable payload, no key and a huge astral reason still make an alert the contract accepts', () => {
    const a = deadLetterAlert(record({ key: null, payload: '\u0000not json', reason: '𝕏'.repeat(5000), failedAt: 'garbage' }));
    expect(a.prescriptionId).toBeUndefined();
    expect(a.subjectKey).toBe('rx.prescribing.v1');
    expect(a.evidence).toEqual([]);
    expect(validateAlertRaisedV1(a)).toBeUndefined();
  });
});
