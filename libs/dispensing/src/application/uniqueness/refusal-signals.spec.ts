import { DispensingEventTypes, Topics, validateDispensingCloudEvent, type AttemptRefusedV1, type CloudEvent } from '@rx/contracts';
import type { RecordedEvent } from '@rx/event-store';
import { ATTEMPT_REFUSED, SIGNAL_STREAM_PREFIX, toSignalMessage } from './refusal-signals';

const reuse: AttemptRefusedV1 = {
  prescriptionId: 'rx-2',
  pharmacyId: 'P002',
  pharmacistId: 'PH002',
  command: 'dispense',
  code: 'TRACE_CODE_USED',
  field: 'lines[0].traceCodes[0]',
  refusedAt: '2026-03-02T01:00:00.000Z',
  dispenseId: 'd-2',
  traceCodes: [{ traceCode: '81234567890123456789', field: 'lines[0].traceCodes[0]', heldByDispenseId: 'd-1', heldByPrescriptionId: 'rx-1' }],
};
const recorded = (data: unknown, type = ATTEMPT_REFUSED) => ({ id: 'e1', streamId: `${SIGNAL_STREAM_PREFIX}1`, revision: 0, position: 1n, type, data, metadata: {} }) as unknown as RecordedEvent;
const envelope = (type: string, subject: string, data: unknown): CloudEvent => ({
  specversion: '1.0',
  id: 'e1',
  type,
  source: '/rx/dispensing',
  subject,
  time: '2026-03-02T01:00:00.000Z',
  datacontenttype: 'application/json',
  data,
  correlationid: 'c',
  causationid: 'c',
});

describe('refusal signals', () => {
  it('given a stored refusal, when relayed, then it is a valid rx.dispensing.attempt-refused.v1 keyed by the prescription', () => {
    const m = toSignalMessage(recorded(reuse));
    expect(m).toEqual({ topic: Topics.dispensing, key: 'rx-2', type: DispensingEventTypes.attemptRefused, data: reuse });
    expect(validateDispensingCloudEvent(envelope(m!.type, m!.key, m!.data))).toBeUndefined();
  });

  it('the contract refuses a reuse refusal that does not name its codes, or names a malformed one', () => {
    const { traceCodes: _, ...bare } = reuse;
    expect(validateDispensingCloudEvent(envelope(DispensingEventTypes.attemptRefused, 'rx-2', bare))).toMatch(/data\.traceCodes must name the codes/);
    const bad = { ...reuse, traceCodes: [{ ...reuse.traceCodes![0], traceCode: '123' }] };
    expect(validateDispensingCloudEvent(envelope(DispensingEventTypes.attemptRefused, 'rx-2', bad))).toMatch(/data\.traceCodes\[0\]\.traceCode must be exactly 20 digits/);
    expect(validateDispensingCloudEvent(envelope(DispensingEventTypes.attemptRefused, 'rx-2', { ...reuse, code: 'PICKUP_CODE_INVALID' }))).toMatch(/data\.code must be one of/);
  });

  it('other stored types are not relayed as signals', () => {
    expect(toSignalMessage(recorded(reuse, 'PrescriptionDispensed'))).toBeNull();
  });
});
