import { ActionIcon, Alert, Badge, Button, Card, Group, List, NumberInput, Paper, Progress, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { IconBarcode, IconTrash } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { ApiError, del, get, post } from '../api';
import type { RolePageProps } from '../app';
import { parseYuan } from '../format';
import { useI18n } from '../i18n';
import { ErrorAlert, fieldError, Loading, Money, placedOnField, Section, StatusBadge, Time, useCatalogue, useLoad } from '../ui';

export interface Dispensation {
  prescriptionId: string;
  status: string;
  longTerm: boolean;
  issuedAt: string;
  validUntil: string;
  claim: { pharmacyId: string; pharmacistId: string; claimedAt: string; expiresAt: string; reviewed: boolean } | null;
  cancellationPending: boolean;
  lastClaim?: { pharmacyId: string; reason: string; endedAt: string; rejectionReasons?: string[] };
  items: { lineNo: number; drugCode: string; drugName: string; unit: string; special: boolean; prescribed: number; dispensed: number; remaining: number; status: string }[];
  dispenses: { dispenseId: string; instalment: number; pharmacyId: string; dispensedAt: string; lines: { drugCode: string; quantity: number; daysSupply: number }[]; reversal: { reversedAt: string; reason: string } | null }[];
}

export interface Payment {
  dispenseId: string;
  totalFen: number;
  fundFen: number;
  personalAccountFen: number;
  cashFen: number;
  deductibleAppliedFen: number;
  policyVersion: string;
  reversed: boolean;
}

const SLIP = /^\s*([A-Za-z0-9][A-Za-z0-9._:-]{0,127})\/([0-9A-Za-z]{8})\s*$/;

export default function PharmacistPages({ route }: RolePageProps) {
  if (route[0] === 'refunds') return <RefundsPage />;
  if (route[0] === 'settlement') return <SettlementApplication />;
  return <CounterPage />;
}

/** Claim (typed or scanned slip), review, dispense with one scanned traceability code per box. */
function CounterPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const [rxText, setRxText] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [held, setHeld] = useState<{ rxId: string; expiresAt: string }>();
  const codeRef = useRef<HTMLInputElement>(null);
  const byCode = { PICKUP_CODE_INVALID: 'pickupCode', PICKUP_ATTEMPTS_THROTTLED: 'pickupCode', UNKNOWN_PRESCRIPTION: 'prescriptionId', ALREADY_CLAIMED: 'prescriptionId', PRESCRIPTION_EXPIRED: 'prescriptionId', PRESCRIPTION_REVOKED: 'prescriptionId', PRESCRIPTION_FULLY_DISPENSED: 'prescriptionId' };

  const claim = async (rxId: string, pickupCode: string) => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await post<{ prescriptionId: string; expiresAt: string }>('/dispensing/claims', { prescriptionId: rxId, pickupCode });
      setHeld({ rxId: r.prescriptionId, expiresAt: r.expiresAt });
      setRxText('');
      setCode('');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  // A keyboard-wedge scanner types the slip ("<id>/<code>") and presses Enter.
  const onRxEnter = () => {
    const m = SLIP.exec(rxText);
    if (m) {
      setRxText(m[1]);
      setCode(m[2]);
      void claim(m[1], m[2]);
    } else if (rxText.trim() && code.trim()) void claim(rxText.trim(), code.trim());
    else codeRef.current?.focus();
  };

  return (
    <Stack maw={1040}>
      <Title order={2}>{t('nav.counter')}</Title>
      <Card withBorder>
        <Stack>
          <Text fw={700}>{t('claimTitle')}</Text>
          <Text size="sm" c="dimmed">
            {t('claimHelp')}
          </Text>
          <ErrorAlert error={error} hidden={placedOnField(error, ['prescriptionId', 'pickupCode'], byCode)} />
          <Group align="flex-start" grow>
            <TextInput
              label={`${t('prescriptionId')} / ${t('pickupSlip')}`}
              leftSection={<IconBarcode size={18} aria-hidden />}
              value={rxText}
              onChange={(e) => setRxText(e.currentTarget.value)}
              onKeyDown={(e) => e.key === 'Enter' && onRxEnter()}
              error={fieldError(error, 'prescriptionId', i18n, byCode)}
              autoFocus
              className="mono"
              data-testid="claim-rx"
            />
            <TextInput
              ref={codeRef}
              label={t('pickupCode')}
              value={code}
              onChange={(e) => setCode(e.currentTarget.value)}
              onKeyDown={(e) => e.key === 'Enter' && rxText.trim() && code.trim() && void claim(rxText.trim(), code.trim())}
              error={fieldError(error, 'pickupCode', i18n, byCode)}
              className="mono"
              maxLength={8}
              data-testid="claim-code"
            />
          </Group>
          <Group>
            <Button onClick={() => claim(rxText.trim(), code.trim())} loading={busy} disabled={!rxText.trim() || !code.trim()}>
              {t('claim')}
            </Button>
          </Group>
        </Stack>
      </Card>
      {held && <DispensationPanel key={held.rxId} rxId={held.rxId} onReleased={() => setHeld(undefined)} />}
    </Stack>
  );
}

function InstalmentProgress({ d }: { d: Dispensation }) {
  const { t } = useI18n();
  return (
    <Section title={t('instalmentProgress')}>
      <Stack gap="xs">
        {d.items.map((it) => (
          <div key={it.lineNo}>
            <Group justify="space-between">
              <Text size="sm">
                {it.drugName} ({it.drugCode})
              </Text>
              <Text size="sm">
                {t('dispensed')} {it.dispensed} / {t('prescribed')} {it.prescribed} {it.unit} · {t('remaining')} {it.remaining}
              </Text>
            </Group>
            <Progress value={it.prescribed ? (100 * it.dispensed) / it.prescribed : 0} aria-label={`${it.drugName} ${it.dispensed}/${it.prescribed}`} />
          </div>
        ))}
        {d.dispenses.length > 0 && (
          <List size="sm">
            {d.dispenses.map((x) => (
              <List.Item key={x.dispenseId}>
                {t('instalment', { n: x.instalment })} · <Time iso={x.dispensedAt} /> · {x.lines.map((l) => `${l.drugCode}×${l.quantity}（${l.daysSupply}d）`).join('，')}
                {x.reversal && (
                  <Badge ml="xs" color="gray">
                    {t('refunded')}
                  </Badge>
                )}
              </List.Item>
            ))}
          </List>
        )}
      </Stack>
    </Section>
  );
}

function DispensationPanel({ rxId, onReleased }: { rxId: string; onReleased: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const view = useLoad(() => get<Dispensation>(`/dispensing/prescriptions/${encodeURIComponent(rxId)}`), [rxId]);
  const [error, setError] = useState<unknown>();
  const [reasons, setReasons] = useState('');
  const [busy, setBusy] = useState<string>();
  const [done, setDone] = useState<{ dispenseId: string; instalment: number; fullyDispensed: boolean }>();

  const act = async (what: string, run: () => Promise<unknown>) => {
    setBusy(what);
    setError(undefined);
    try {
      await run();
      view.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };

  if (!view.data) return view.error ? <ErrorAlert error={view.error} /> : <Loading />;
  const d = view.data;
  const reviewed = d.claim?.reviewed ?? false;
  return (
    <Card withBorder>
      <Stack>
        <Group justify="space-between">
          <Group>
            <Text fw={700}>{t('prescriptionId')}</Text>
            <Text className="mono">{d.prescriptionId}</Text>
            <StatusBadge status={d.status} />
            {d.longTerm && <Badge variant="outline">{t('longTermShort')}</Badge>}
            {reviewed && <Badge color="teal">{t('reviewed')}</Badge>}
          </Group>
          {d.claim && (
            <Text size="sm">
              {t('claimed')} <Time iso={d.claim.expiresAt} />
            </Text>
          )}
        </Group>
        {d.cancellationPending && <Alert color="orange">{t('err.CANCELLATION_PENDING')}</Alert>}
        <InstalmentProgress d={d} />
        {done && (
          <Alert color="teal" title={t('dispenseDone')} role="status">
            <Text>
              {t('instalment', { n: done.instalment })} · {t('dispenseId')} <span className="mono">{done.dispenseId}</span>
              {done.fullyDispensed && ` · ${t('fullyDispensed')}`}
            </Text>
            <PaymentSummary dispenseId={done.dispenseId} />
          </Alert>
        )}
        <ErrorAlert error={error} hidden={placedOnField(error, ['reasons'], { REVIEW_REASONS_INVALID: 'reasons' })} />
        {d.claim && !reviewed && (
          <Section title={t('review')}>
            <Stack>
              <Textarea label={t('rejectReasons')} value={reasons} onChange={(e) => setReasons(e.currentTarget.value)} error={fieldError(error, 'reasons', i18n, { REVIEW_REASONS_INVALID: 'reasons' })} autosize minRows={2} />
              <Group>
                <Button loading={busy === 'approve'} onClick={() => act('approve', () => post(`/dispensing/prescriptions/${encodeURIComponent(rxId)}/review`, { decision: 'APPROVED' }))}>
                  {t('approve')}
                </Button>
                <Button
                  color="red"
                  variant="light"
                  loading={busy === 'reject'}
                  onClick={() =>
                    act('reject', () =>
                      post(`/dispensing/prescriptions/${encodeURIComponent(rxId)}/review`, {
                        decision: 'REJECTED',
                        reasons: reasons.split('\n').map((r) => r.trim()).filter(Boolean),
                      }),
                    )
                  }
                >
                  {t('reject')}
                </Button>
              </Group>
            </Stack>
          </Section>
        )}
        {d.claim && reviewed && d.items.some((i) => i.remaining > 0) && (
          <DispenseForm
            key={d.dispenses.length}
            rxId={rxId}
            items={d.items.filter((i) => i.remaining > 0)}
            onDispensed={(r) => {
              setDone(r);
              view.reload();
            }}
          />
        )}
        {d.claim && (
          <Group>
            <Button variant="subtle" color="gray" loading={busy === 'release'} onClick={() => act('release', () => del(`/dispensing/claims/${encodeURIComponent(rxId)}`).then(onReleased))}>
              {t('release')}
            </Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}

interface LineDraft {
  drugCode: string;
  include: boolean;
  quantity: number | string;
  price: string;
  batchNo: string;
  traceCodes: string[];
  scan: string;
}

function DispenseForm({ rxId, items, onDispensed }: { rxId: string; items: Dispensation['items']; onDispensed: (r: { dispenseId: string; instalment: number; fullyDispensed: boolean }) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const catalogue = useCatalogue();
  const [lines, setLines] = useState<LineDraft[]>(() =>
    items.map((it) => {
      const ref = catalogue.drugs.find((x) => x.code === it.drugCode)?.referencePriceFen ?? 0;
      return { drugCode: it.drugCode, include: true, quantity: it.remaining, price: (ref / 100).toFixed(2), batchNo: '', traceCodes: [], scan: '' };
    }),
  );
  const [fee, setFee] = useState('0.00');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  // A client-chosen id: a retry after a lost answer returns the dispense that stands.
  const [dispenseId] = useState(() => crypto.randomUUID());

  const included = lines.map((l, i) => ({ l, i })).filter((x) => x.l.include);
  const sentIndex = (i: number) => included.findIndex((x) => x.i === i);
  const fe = (i: number, f: string) => {
    const k = sentIndex(i);
    return k < 0 ? undefined : fieldError(error, `lines[${k}].${f}`, i18n);
  };
  const fieldNames = ['lines', 'deliveryFeeFen', 'dispenseId', ...included.flatMap((_, k) => ['drugCode', 'quantity', 'unitPriceFen', 'batchNo', 'traceCodes', ...Array.from({ length: 200 }, (_, j) => `traceCodes[${j}]`)].map((f) => `lines[${k}].${f}`))];
  const set = (i: number, patch: Partial<LineDraft>) => setLines((ls) => ls.map((x, j) => (j === i ? { ...x, ...patch } : x)));

  const submit = async () => {
    setError(undefined);
    const badPrice = included.find((x) => parseYuan(x.l.price) === undefined);
    if (badPrice) return setError(new ApiError(400, 'VALIDATION_FAILED', 'unitPriceFen', { [`lines[${sentIndex(badPrice.i)}].unitPriceFen`]: [i18n.lang === 'zh' ? '请输入金额，最多两位小数' : 'an amount with at most two decimals'] }));
    const feeFen = parseYuan(fee);
    if (feeFen === undefined) return setError(new ApiError(400, 'VALIDATION_FAILED', 'deliveryFeeFen', { deliveryFeeFen: [i18n.lang === 'zh' ? '请输入金额，最多两位小数' : 'an amount with at most two decimals'] }));
    setBusy(true);
    try {
      const r = await post<{ dispenseId: string; instalment: number; fullyDispensed: boolean }>(`/dispensing/prescriptions/${encodeURIComponent(rxId)}/dispenses`, {
        dispenseId,
        lines: included.map(({ l }) => ({ drugCode: l.drugCode, quantity: Number(l.quantity), unitPriceFen: parseYuan(l.price)!, batchNo: l.batchNo.trim(), traceCodes: l.traceCodes })),
        deliveryFeeFen: feeFen,
      });
      onDispensed(r);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title={t('dispenseTitle')}>
      <Stack>
        <ErrorAlert error={error} hidden={placedOnField(error, fieldNames)} />
        {fieldError(error, 'lines', i18n) && (
          <Text c="red" size="sm" role="alert">
            {fieldError(error, 'lines', i18n)}
          </Text>
        )}
        {lines.map((l, i) => {
          const item = items.find((x) => x.drugCode === l.drugCode)!;
          return (
            <Paper key={l.drugCode} withBorder p="sm" data-testid={`line-${l.drugCode}`}>
              <Group justify="space-between" mb="xs">
                <Text fw={700}>
                  {item.drugName} ({item.drugCode}) · {t('remaining')} {item.remaining} {item.unit}
                </Text>
                <Button size="xs" variant="subtle" onClick={() => set(i, { include: !l.include })} aria-pressed={l.include}>
                  {l.include ? t('remove') : t('add')}
                </Button>
              </Group>
              {l.include && (
                <SimpleGrid cols={{ base: 1, sm: 3 }}>
                  <NumberInput label={`${t('quantity')}（${item.unit}）`} min={1} max={item.remaining} allowDecimal={false} value={l.quantity} onChange={(v) => set(i, { quantity: v })} error={fe(i, 'quantity') ?? fe(i, 'drugCode')} />
                  <TextInput label={t('unitPrice')} value={l.price} onChange={(e) => set(i, { price: e.currentTarget.value })} error={fe(i, 'unitPriceFen')} inputMode="decimal" />
                  <TextInput label={t('batchNo')} value={l.batchNo} onChange={(e) => set(i, { batchNo: e.currentTarget.value })} error={fe(i, 'batchNo')} data-testid={`batch-${l.drugCode}`} />
                  <div style={{ gridColumn: '1 / -1' }}>
                    <TextInput
                      label={`${t('traceCodes')} · ${l.traceCodes.length}`}
                      description={t('scanTraceCode')}
                      leftSection={<IconBarcode size={18} aria-hidden />}
                      value={l.scan}
                      onChange={(e) => set(i, { scan: e.currentTarget.value })}
                      onKeyDown={(e) => {
                        if (e.key !== 'Enter') return;
                        e.preventDefault();
                        const scanned = l.scan.trim();
                        if (scanned) set(i, { traceCodes: [...l.traceCodes, scanned], scan: '' });
                      }}
                      error={fe(i, 'traceCodes')}
                      className="mono"
                      data-testid={`scan-${l.drugCode}`}
                    />
                    {l.traceCodes.length > 0 && (
                      <Table mt="xs" withRowBorders aria-label={t('traceCodes')}>
                        <Table.Tbody>
                          {l.traceCodes.map((c, j) => (
                            <Table.Tr key={`${c}-${j}`} data-testid={`trace-row-${l.drugCode}`}>
                              <Table.Td w={40}>{j + 1}</Table.Td>
                              <Table.Td className="mono">
                                {c}
                                {fe(i, `traceCodes[${j}]`) && (
                                  <Text c="red" size="sm" role="alert">
                                    {fe(i, `traceCodes[${j}]`)}
                                  </Text>
                                )}
                              </Table.Td>
                              <Table.Td w={48}>
                                <ActionIcon variant="subtle" color="red" aria-label={`${t('remove')} ${c}`} onClick={() => set(i, { traceCodes: l.traceCodes.filter((_, k) => k !== j) })}>
                                  <IconTrash size={16} aria-hidden />
                                </ActionIcon>
                              </Table.Td>
                            </Table.Tr>
                          ))}
                        </Table.Tbody>
                      </Table>
                    )}
                  </div>
                </SimpleGrid>
              )}
            </Paper>
          );
        })}
        <TextInput label={t('deliveryFee')} value={fee} onChange={(e) => setFee(e.currentTarget.value)} error={fieldError(error, 'deliveryFeeFen', i18n)} maw={200} inputMode="decimal" />
        <Group>
          <Button onClick={submit} loading={busy} disabled={included.length === 0}>
            {t('dispense')}
          </Button>
        </Group>
      </Stack>
    </Section>
  );
}

/** The fund's split of a dispense; the payment saga records it just after the dispense, so it is polled briefly. */
export function PaymentSummary({ dispenseId }: { dispenseId: string }) {
  const { t } = useI18n();
  const [payment, setPayment] = useState<Payment>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let stop = false;
    let tries = 0;
    const poll = async () => {
      try {
        const p = await get<Payment>(`/settlement/dispenses/${encodeURIComponent(dispenseId)}`);
        if (!stop) setPayment(p);
      } catch (e) {
        if (stop) return;
        if (e instanceof ApiError && e.code === 'FUND_PAYMENT_NOT_FOUND' && ++tries < 40) setTimeout(poll, 250);
        else setError(e);
      }
    };
    void poll();
    return () => {
      stop = true;
    };
  }, [dispenseId]);
  if (error) return <ErrorAlert error={error} />;
  if (!payment) return <Text size="sm">{t('paymentPending')}</Text>;
  return (
    <Group gap="lg" mt="xs" data-testid="payment-summary">
      <Text size="sm">
        {t('amount')} <Money fen={payment.totalFen} />
      </Text>
      <Text size="sm">
        {t('fundAmount')} <Money fen={payment.fundFen} />
      </Text>
      <Text size="sm">
        {t('personalAccount')} <Money fen={payment.personalAccountFen} />
      </Text>
      <Text size="sm">
        {t('cash')} <Money fen={payment.cashFen} />
      </Text>
    </Group>
  );
}

function RefundsPage() {
  const { t } = useI18n();
  const [rxId, setRxId] = useState('');
  const [shown, setShown] = useState<string>();
  return (
    <Stack maw={1040}>
      <Title order={2}>{t('nav.refunds')}</Title>
      <Group align="flex-end">
        <TextInput label={t('prescriptionId')} value={rxId} onChange={(e) => setRxId(e.currentTarget.value)} onKeyDown={(e) => e.key === 'Enter' && setShown(rxId.trim())} className="mono" style={{ flex: 1 }} maw={520} />
        <Button onClick={() => setShown(rxId.trim())}>{t('lookUp')}</Button>
      </Group>
      {shown && <RefundList key={shown} rxId={shown} />}
    </Stack>
  );
}

function RefundList({ rxId }: { rxId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const view = useLoad(() => get<Dispensation>(`/dispensing/prescriptions/${encodeURIComponent(rxId)}`), [rxId]);
  const [reason, setReason] = useState<Record<string, string>>({});
  const [error, setError] = useState<{ id: string; e: unknown }>();
  const [busy, setBusy] = useState<string>();
  if (!view.data) return view.error ? <ErrorAlert error={view.error} /> : <Loading />;
  const refund = async (dispenseId: string) => {
    setBusy(dispenseId);
    setError(undefined);
    try {
      await post(`/dispensing/dispenses/${encodeURIComponent(dispenseId)}/reversal`, { reason: reason[dispenseId] ?? '', reversalId: crypto.randomUUID() });
      view.reload();
    } catch (e) {
      setError({ id: dispenseId, e });
    } finally {
      setBusy(undefined);
    }
  };
  const byCode = { REVERSAL_REASON_INVALID: 'reason', DISPENSE_ALREADY_REVERSED: 'reason', NOT_DISPENSED_BY_PHARMACY: 'reason' };
  return (
    <Stack>
      <InstalmentProgress d={view.data} />
      <Section title={t('dispenses')}>
        {view.data.dispenses.length === 0 && <Text c="dimmed">{t('none')}</Text>}
        {view.data.dispenses.map((x) => (
          <Paper key={x.dispenseId} withBorder p="sm" mb="sm">
            <Group justify="space-between">
              <Text>
                {t('instalment', { n: x.instalment })} · <Time iso={x.dispensedAt} /> · <span className="mono">{x.dispenseId}</span>
              </Text>
              {x.reversal && <Badge color="gray">{t('refunded')}</Badge>}
            </Group>
            <PaymentSummary dispenseId={x.dispenseId} />
            {!x.reversal && (
              <Group align="flex-start" mt="sm">
                <TextInput
                  label={t('refundReason')}
                  value={reason[x.dispenseId] ?? ''}
                  onChange={(e) => setReason({ ...reason, [x.dispenseId]: e.currentTarget.value })}
                  error={error?.id === x.dispenseId ? fieldError(error.e, 'reason', i18n, byCode) : undefined}
                  style={{ flex: 1 }}
                />
                <Button mt={25} color="red" variant="light" loading={busy === x.dispenseId} onClick={() => refund(x.dispenseId)}>
                  {t('refund')}
                </Button>
              </Group>
            )}
            {error?.id === x.dispenseId && <ErrorAlert error={error.e} hidden={placedOnField(error.e, ['reason', 'reversalId'], byCode)} />}
          </Paper>
        ))}
      </Section>
    </Stack>
  );
}

function SettlementApplication() {
  const i18n = useI18n();
  const { t } = i18n;
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const [periodStart, setStart] = useState(`${today.slice(0, 8)}01`);
  const [periodEnd, setEnd] = useState(today);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ claimId: string; dispenseCount: number; fundFen: number; dueBy: string }>();
  const byCode = { CLAIM_EMPTY: 'periodEnd' };
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setResult(await post('/settlement/claims', { periodStart, periodEnd }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack maw={720}>
      <Title order={2}>{t('nav.settlementApply')}</Title>
      <ErrorAlert error={error} hidden={placedOnField(error, ['periodStart', 'periodEnd'], byCode)} />
      <Group align="flex-start" grow>
        <TextInput type="date" label={t('periodStart')} value={periodStart} onChange={(e) => setStart(e.currentTarget.value)} error={fieldError(error, 'periodStart', i18n, byCode)} />
        <TextInput type="date" label={t('periodEnd')} value={periodEnd} onChange={(e) => setEnd(e.currentTarget.value)} error={fieldError(error, 'periodEnd', i18n, byCode)} />
      </Group>
      <Group>
        <Button onClick={submit} loading={busy}>
          {t('applySettlement')}
        </Button>
      </Group>
      {result && (
        <Alert color="teal" title={t('claimSubmitted')} role="status">
          {t('claimId')} <span className="mono">{result.claimId}</span> · {t('dispenseCount')} {result.dispenseCount} · {t('fundAmount')} <Money fen={result.fundFen} /> · {t('dueBy')} {result.dueBy}
        </Alert>
      )}
    </Stack>
  );
}
