import {
  AlreadyClaimed,
  DispenseInputInvalid,
  DrugNotOnPrescription,
  InstalmentTooEarly,
  InstalmentTooLong,
  NotClaimedByPharmacy,
  PrescriptionExpired,
  QuantityExceedsPrescribed,
  TraceCodeInvalid,
  TraceCodeUsed,
} from './dispensation.errors';
import type { PrescriptionDispensed } from './dispensation.events';
import { viewOf } from './dispensation.state';
import { claim, days, demoPolicy, dispense, history, line, longTermRx, mins, ordinaryRx, spec, traceCode } from './testing/dispensation.fixtures';

const dispensedData = (events: unknown[]) => (events[0] as PrescriptionDispensed).data;

describe('dispensation: dispense', () => {
  it('records every line with prices, reference prices, batch, trace codes and the delivery fee', () => {
    const rx = ordinaryRx();
    const cmd = dispense(
      'P002',
      [
        line('MET-500', 14, 50, { traceCodes: [traceCode(7, 1)], batchNo: 'MET2601' }),
        line('ATV-20', 7, 520, { traceCodes: [traceCode(7, 2)], batchNo: 'ATV2602' }),
        line('VITC-100', 1, 2500, { traceCodes: [traceCode(7, 3)], batchNo: 'VC2603' }),
      ],
      { dispenseId: 'DSP-FULL', deliveryFeeFen: 800 },
    );
    spec()
      .given(history(rx).ready('P002', mins(10)).events)
      .when(cmd, mins(15))
      .then([
        {
          type: 'PrescriptionDispensed',
          data: {
            dispenseId: 'DSP-FULL',
            prescriptionId: rx.prescriptionId,
            pharmacyId: 'P002',
            pharmacistId: 'PH002',
            patientId: 'PT001',
            insuranceType: 'employee',
            retired: false,
            regionCode: '522700',
            institutionId: 'H001',
            institutionLevel: 1,
            longTerm: false,
            instalment: 1,
            daysSupply: 7,
            dispensedAt: mins(15).toISOString(),
            lines: [
              {
                lineNo: 1,
                drugCode: 'MET-500',
                drugName: 'metformin 0.5 g tablet',
                drugClass: 'A',
                special: false,
                unit: 'tablet',
                quantity: 14,
                unitPriceFen: 50,
                referencePriceFen: 50,
                amountFen: 700,
                aboveReferencePrice: false,
                batchNo: 'MET2601',
                traceCodes: [traceCode(7, 1)],
                daysSupply: 7,
              },
              {
                lineNo: 2,
                drugCode: 'ATV-20',
                drugName: 'atorvastatin 20 mg tablet',
                drugClass: 'B',
                special: false,
                unit: 'tablet',
                quantity: 7,
                unitPriceFen: 520,
                referencePriceFen: 500,
                amountFen: 3640,
                aboveReferencePrice: true,
                batchNo: 'ATV2602',
                traceCodes: [traceCode(7, 2)],
                daysSupply: 7,
              },
              {
                lineNo: 3,
                drugCode: 'VITC-100',
                drugName: 'vitamin C 100 tablets',
                drugClass: 'SELF_PAY',
                special: false,
                unit: 'bottle',
                quantity: 1,
                unitPriceFen: 2500,
                referencePriceFen: 2500,
                amountFen: 2500,
                aboveReferencePrice: false,
                batchNo: 'VC2603',
                traceCodes: [traceCode(7, 3)],
                daysSupply: 7,
              },
            ],
            deliveryFeeFen: 800,
            fullyDispensed: true,
            remaining: [
              { drugCode: 'MET-500', quantity: 0 },
              { drugCode: 'ATV-20', quantity: 0 },
              { drugCode: 'VITC-100', quantity: 0 },
            ],
          },
        },
      ]);
  });

  it('completes the prescription when nothing remains', () => {
    const h = history(ordinaryRx())
      .ready('P002', mins(10))
      .do(dispense('P002', [line('MET-500', 14, 50), line('ATV-20', 7, 500, { seed: 2 }), line('VITC-100', 1, 2500, { seed: 3 })]), mins(15));
    const view = viewOf(h.state(), mins(16));
    expect(view.status).toBe('completed');
    expect(view.items.map((i) => i.status)).toEqual(['DISPENSED', 'DISPENSED', 'DISPENSED']);
  });

  it('carries a delivery fee of 0 when there was no delivery', () => {
    spec()
      .given(history(ordinaryRx()).ready('P002', mins(10)).events)
      .when(dispense('P002', [line('MET-500', 14, 50)]), mins(15))
      .thenMatch((events) => expect(dispensedData(events).deliveryFeeFen).toBe(0));
  });

  it('allows a price above the reference price and flags it for monitoring', () => {
    spec()
      .given(history(ordinaryRx()).ready('P002', mins(10)).events)
      .when(dispense('P002', [line('MET-500', 14, 51)]), mins(15))
      .thenMatch((events) => expect(dispensedData(events).lines[0]).toMatchObject({ unitPriceFen: 51, referencePriceFen: 50, amountFen: 714, aboveReferencePrice: true }));
  });

  describe('per-item status, apart from the prescription status', () => {
    it('tracks dispensed, partly dispensed and not dispensed items', () => {
      const h = history(ordinaryRx())
        .ready('P002', mins(10))
        .do(dispense('P002', [line('MET-500', 14, 50), line('ATV-20', 3, 500, { seed: 2 })]), mins(15));
      const view = viewOf(h.state(), mins(16));
      expect(view.status).toBe('claimed');
      expect(view.items).toEqual([
        { lineNo: 1, drugCode: 'MET-500', prescribed: 14, dispensed: 14, remaining: 0, status: 'DISPENSED' },
        { lineNo: 2, drugCode: 'ATV-20', prescribed: 7, dispensed: 3, remaining: 4, status: 'PARTLY_DISPENSED' },
        { lineNo: 3, drugCode: 'VITC-100', prescribed: 1, dispensed: 0, remaining: 1, status: 'NOT_DISPENSED' },
      ]);
    });

    it('reports what remains and that the prescription is not fully dispensed', () => {
      spec()
        .given(history(ordinaryRx()).ready('P002', mins(10)).events)
        .when(dispense('P002', [line('ATV-20', 3, 500)]), mins(15))
        .thenMatch((events) => {
          const d = dispensedData(events);
          expect(d.fullyDispensed).toBe(false);
          expect(d.remaining).toEqual([
            { drugCode: 'MET-500', quantity: 14 },
            { drugCode: 'ATV-20', quantity: 4 },
            { drugCode: 'VITC-100', quantity: 1 },
          ]);
        });
    });

    it('numbers a second dispense as the next instalment and completes on it', () => {
      const h = history(ordinaryRx())
        .ready('P002', mins(10))
        .do(dispense('P002', [line('MET-500', 14, 50), line('ATV-20', 3, 500, { seed: 2 })]), mins(15));
      spec()
        .given(h.events)
        .when(dispense('P002', [line('ATV-20', 4, 500, { seed: 3 }), line('VITC-100', 1, 2500, { seed: 4 })]), mins(20))
        .thenMatch((events) => expect(dispensedData(events)).toMatchObject({ instalment: 2, fullyDispensed: true }));
    });
  });

  describe('quantity', () => {
    it('never dispenses more than prescribed', () => {
      spec()
        .given(history(ordinaryRx()).ready('P002', mins(10)).events)
        .when(dispense('P002', [line('MET-500', 15, 50)]), mins(15))
        .thenThrows(QuantityExceedsPrescribed, 'QUANTITY_EXCEEDS_PRESCRIBED');
    });

    it('counts what earlier dispenses took', () => {
      const h = history(ordinaryRx()).ready('P002', mins(10)).do(dispense('P002', [line('ATV-20', 5, 500)]), mins(15));
      spec().given(h.events).when(dispense('P002', [line('ATV-20', 3, 500, { seed: 2 })]), mins(16)).thenThrows(QuantityExceedsPrescribed);
    });

    it('refuses a drug that is not on the prescription', () => {
      spec()
        .given(history(ordinaryRx()).ready('P002', mins(10)).events)
        .when(dispense('P002', [line('AML-5', 1, 80)]), mins(15))
        .thenThrows(DrugNotOnPrescription, 'DRUG_NOT_ON_PRESCRIPTION');
    });

    it.each([
      ['no lines', []],
      ['a drug on two lines', [line('MET-500', 1, 50), line('MET-500', 1, 50, { seed: 2 })]],
      ['a zero quantity', [line('MET-500', 0, 50)]],
      ['a fractional quantity', [line('MET-500', 1.5, 50)]],
      ['a negative price', [line('MET-500', 1, -1)]],
      ['a fractional price', [line('MET-500', 1, 50.5)]],
      ['an absurd price', [line('MET-500', 1, 10_000_001)]],
      ['a blank batch number', [line('MET-500', 1, 50, { batchNo: '' })]],
      ['a batch number with spaces', [line('MET-500', 1, 50, { batchNo: 'B 1' })]],
      ['an overlong batch number', [line('MET-500', 1, 50, { batchNo: 'B'.repeat(65) })]],
    ])('refuses %s as invalid input', (_name, lines) => {
      spec()
        .given(history(ordinaryRx()).ready('P002', mins(10)).events)
        .when(dispense('P002', lines), mins(15))
        .thenThrows(DispenseInputInvalid, 'DISPENSE_INPUT_INVALID');
    });

    it.each([-1, 0.5, 1_000_001])('refuses a delivery fee of %p', (deliveryFeeFen) => {
      spec()
        .given(history(ordinaryRx()).ready('P002', mins(10)).events)
        .when(dispense('P002', [line('MET-500', 1, 50)], { deliveryFeeFen }), mins(15))
        .thenThrows(DispenseInputInvalid);
    });
  });

  describe('traceability codes (20 digits; 1 to quantity per line; never twice)', () => {
    const given = () => history(ordinaryRx()).ready('P002', mins(10)).events;

    it.each([
      ['none', 2, []],
      ['19 digits', 2, ['1234567890123456789']],
      ['21 digits', 2, ['123456789012345678901']],
      ['letters', 2, ['1234567890123456789X']],
      ['full-width digits', 2, ['１２３４５６７８９０１２３４５６７８９０']],
      ['more codes than units', 1, [traceCode(1, 1), traceCode(1, 2)]],
      ['the same code twice', 2, [traceCode(1, 1), traceCode(1, 1)]],
    ])('refuses %s', (_name, quantity, traceCodes) => {
      spec()
        .given(given())
        .when(dispense('P002', [line('MET-500', quantity as number, 50, { traceCodes: traceCodes as string[] })]), mins(15))
        .thenThrows(TraceCodeInvalid, 'TRACE_CODE_INVALID');
    });

    it('accepts one code per package, fewer than units', () => {
      spec()
        .given(given())
        .when(dispense('P002', [line('MET-500', 14, 50, { traceCodes: [traceCode(1, 1), traceCode(1, 2)] })]), mins(15))
        .thenMatch((events) => expect(dispensedData(events).lines[0].traceCodes).toHaveLength(2));
    });

    it('refuses a code already sold on this prescription as TRACE_CODE_USED, naming the code', () => {
      const h = history(ordinaryRx())
        .ready('P002', mins(10))
        .do(dispense('P002', [line('MET-500', 7, 50, { traceCodes: [traceCode(9, 9)] })]), mins(15));
      spec()
        .given(h.events)
        .when(dispense('P002', [line('MET-500', 7, 50, { traceCodes: [traceCode(9, 9)] })]), mins(16))
        .thenThrows(TraceCodeUsed, 'TRACE_CODE_USED');
    });
  });

  describe('claim and validity', () => {
    it('refuses a pharmacy that does not hold the claim', () => {
      spec()
        .given(history(ordinaryRx()).ready('P002', mins(10)).events)
        .when(dispense('P001', [line('MET-500', 14, 50)]), mins(15))
        .thenThrows(NotClaimedByPharmacy, 'NOT_CLAIMED_BY_PHARMACY');
    });

    it('refuses a dispense after the claim lapsed', () => {
      spec()
        .given(history(ordinaryRx()).ready('P002', mins(10)).events)
        .when(dispense('P002', [line('MET-500', 14, 50)]), mins(40))
        .thenThrows(NotClaimedByPharmacy);
    });

    it('keeps a claim after a partial dispense until it lapses', () => {
      const h = history(ordinaryRx()).ready('P002', mins(10)).do(dispense('P002', [line('MET-500', 7, 50)]), mins(12));
      spec().given(h.events).when(claim('P001'), mins(20)).thenThrows(AlreadyClaimed);
      spec()
        .given(h.events)
        .when(claim('P001'), mins(41))
        .thenMatch((events) => expect(events.map((e) => e.type)).toEqual(['ClaimReleased', 'PrescriptionClaimed']));
    });

    it('dispenses an ordinary prescription only within its validity', () => {
      const rx = ordinaryRx();
      const h = history(rx).ready('P002', mins(-10, days(3)));
      spec().given(h.events).when(dispense('P002', [line('MET-500', 14, 50)]), mins(-1, days(3))).thenMatch(([e]) => expect(e.type).toBe('PrescriptionDispensed'));
      spec().given(h.events).when(dispense('P002', [line('MET-500', 14, 50)]), days(3)).thenThrows(PrescriptionExpired, 'PRESCRIPTION_EXPIRED');
    });

    it('dispenses a long-term prescription only until it is valid', () => {
      const h = history(longTermRx()).ready('P002', mins(-10, days(84)));
      spec().given(h.events).when(dispense('P002', [line('MET-500', 56, 50)]), mins(1, days(84))).thenThrows(PrescriptionExpired);
    });

    it('treats a retried dispense id as already done', () => {
      const h = history(ordinaryRx()).ready('P002', mins(10)).do(dispense('P002', [line('MET-500', 7, 50)], { dispenseId: 'DSP-RETRY' }), mins(12));
      spec().given(h.events).when(dispense('P002', [line('MET-500', 7, 50)], { dispenseId: 'DSP-RETRY' }), mins(13)).thenNothing();
    });
  });
});

describe('dispensation: long-term instalments (at most 28 days; next from 7 days before the previous runs out)', () => {
  // longTermRx: MET-500 168 tablets / 84 days (2 a day), AML-5 84 tablets / 84 days (1 a day).

  it('derives days of supply from the prescribed rate', () => {
    spec()
      .given(history(longTermRx()).ready('P002', mins(10)).events)
      .when(dispense('P002', [line('MET-500', 56, 50), line('AML-5', 14, 80, { seed: 2 })]), mins(15))
      .thenMatch((events) => {
        const d = dispensedData(events);
        expect(d.lines.map((l) => l.daysSupply)).toEqual([28, 14]);
        expect(d.daysSupply).toBe(28);
        expect(d.longTerm).toBe(true);
      });
  });

  it('rounds a partial day up', () => {
    spec()
      .given(history(longTermRx()).ready('P002', mins(10)).events)
      .when(dispense('P002', [line('MET-500', 55, 50)]), mins(15))
      .thenMatch((events) => expect(dispensedData(events).daysSupply).toBe(28));
  });

  it('refuses an instalment longer than the maximum', () => {
    spec()
      .given(history(longTermRx()).ready('P002', mins(10)).events)
      .when(dispense('P002', [line('MET-500', 57, 50)]), mins(15))
      .thenThrows(InstalmentTooLong, 'INSTALMENT_TOO_LONG');
  });

  it('does not split ordinary prescriptions into instalments', () => {
    const policy = demoPolicy({ instalmentMaxDays: 3 });
    spec(policy)
      .given(history(ordinaryRx(), policy).ready('P002', mins(10)).events)
      .when(dispense('P002', [line('MET-500', 14, 50)]), mins(15))
      .thenMatch(([e]) => expect(e.type).toBe('PrescriptionDispensed'));
  });

  const firstInstalment = () =>
    history(longTermRx())
      .ready('P002', mins(10))
      .do(dispense('P002', [line('MET-500', 56, 50), line('AML-5', 28, 80, { seed: 2 })]), mins(15));

  it('allows the next instalment from (start + days - tolerance)', () => {
    const h = firstInstalment().ready('P002', days(21));
    spec()
      .given(h.events)
      .when(dispense('P002', [line('MET-500', 56, 50, { seed: 3 })]), mins(5, days(21)))
      .thenMatch((events) => expect(dispensedData(events)).toMatchObject({ instalment: 2, daysSupply: 28 }));
  });

  it('refuses the next instalment a day earlier', () => {
    const h = firstInstalment().ready('P002', days(20));
    spec()
      .given(h.events)
      .when(dispense('P002', [line('MET-500', 56, 50, { seed: 3 })]), mins(5, days(20)))
      .thenThrows(InstalmentTooEarly, 'INSTALMENT_TOO_EARLY');
  });

  it('counts calendar days in China Standard Time', () => {
    // First instalment at 23:30 CST on 2 March; the 21st day after is 23 March from 00:00 CST.
    const late = new Date('2026-03-02T15:30:00.000Z');
    const h = history(longTermRx())
      .ready('P002', late)
      .do(dispense('P002', [line('MET-500', 56, 50)]), late)
      .ready('P002', new Date('2026-03-22T15:50:00.000Z'));
    spec()
      .given(h.events)
      .when(dispense('P002', [line('MET-500', 56, 50, { seed: 3 })]), new Date('2026-03-22T15:55:00.000Z'))
      .thenThrows(InstalmentTooEarly);
    spec()
      .given(h.events)
      .when(dispense('P002', [line('MET-500', 56, 50, { seed: 3 })]), new Date('2026-03-22T16:05:00.000Z'))
      .thenMatch(([e]) => expect(e.type).toBe('PrescriptionDispensed'));
  });

  it('times each drug from its own previous instalment', () => {
    // AML-5 got 14 days on day 0: due again from day 7, while MET-500 (28 days) waits until day 21.
    const h = history(longTermRx())
      .ready('P002', mins(10))
      .do(dispense('P002', [line('MET-500', 56, 50), line('AML-5', 14, 80, { seed: 2 })]), mins(15))
      .ready('P002', days(7));
    spec()
      .given(h.events)
      .when(dispense('P002', [line('AML-5', 28, 80, { seed: 3 })]), mins(5, days(7)))
      .thenMatch(([e]) => expect(e.type).toBe('PrescriptionDispensed'));
    spec()
      .given(h.events)
      .when(dispense('P002', [line('MET-500', 2, 50, { seed: 4 })]), mins(5, days(7)))
      .thenThrows(InstalmentTooEarly);
  });

  it('takes its numbers from the policy', () => {
    const policy = demoPolicy({ instalmentMaxDays: 14, earlyRefillToleranceDays: 0 });
    const h = history(longTermRx(), policy)
      .ready('P002', mins(10))
      .do(dispense('P002', [line('MET-500', 28, 50)]), mins(15))
      .ready('P002', days(13));
    spec(policy).given(h.events).when(dispense('P002', [line('MET-500', 28, 50, { seed: 2 })]), mins(5, days(13))).thenThrows(InstalmentTooEarly);
    spec(policy).given(h.events).when(dispense('P002', [line('MET-500', 30, 50, { seed: 2 })]), mins(5, days(13))).thenThrows(InstalmentTooLong);
  });
});
