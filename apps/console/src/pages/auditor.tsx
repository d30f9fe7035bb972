import { Alert, Badge, Button, Card, Group, Progress, Select, SimpleGrid, Stack, Table, Text, TextInput, Timeline, Title, Tooltip } from '@mantine/core';
import { IconCircleCheck, IconCircleX, IconHelpCircle } from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import { ApiError, get, query } from '../api';
import type { RolePageProps } from '../app';
import { BarChart } from '../charts';
import { chinaDate, fromChinaLocalInput, toChinaLocalInput } from '../format';
import { useI18n, type MessageKey } from '../i18n';
import { go, href } from '../router';
import { ErrorAlert, fieldError, Loading, Money, PharmacyName, placedOnField, Section, StatusBadge, Time, useLoad } from '../ui';
import { PaymentBreakdown, type FundPayment } from './payment-breakdown';

const RULES = ['stockpiling', 'price-above-reference', 'dissolved-agreement', 'overdue-settlement-claim', 'unusual-volume'] as const;

interface Card_ {
  prescriptionId: string;
  patientId: string | null;
  institutionId: string | null;
  physicianId: string | null;
  issuedAt: string | null;
  longTerm: boolean | null;
  pharmacyIds: string[];
  facts: number;
  lastFactType: string;
  lastFactAt: string;
}

interface HistoryEntry {
  seq: number;
  type: string;
  context: 'prescribing' | 'dispensing' | 'settlement';
  time: string;
  actor: { role: string; id: string } | null;
  summary: string;
  data: Record<string, unknown>;
  sourceEventId: string;
  integrity: { verified: boolean; auditChain: string; sourceHash: string | null; sourceVerified: boolean | null; reason?: string };
}

interface StateAsOf {
  asOf: string;
  existed: boolean;
  status: string;
  factsApplied: number;
  patientId?: string;
  institutionId?: string;
  holder: { pharmacyId: string } | null;
  items: { drugCode: string; drugName: string; prescribed: number; dispensed: number; remaining: number }[];
  dispenses: { dispenseId: string; instalment: number; pharmacyId: string; dispensedAt: string; totalFen: number; reversed: boolean }[];
  fund: { paidFen: number; reversedFen: number; netFen: number; personalAccountFen: number; cashFen: number; payments: number; reversals: number };
}

interface AlertView {
  alertId: string;
  ruleId: string;
  severity: 'info' | 'warning' | 'high';
  occurredAt: string;
  raisedAt: string;
  summary: string;
  prescriptionId?: string;
  patientId?: string;
  pharmacyId?: string;
}

export default function AuditorPages({ route }: RolePageProps) {
  const [page, id] = route;
  if (page === 'prescriptions' && id) return <PrescriptionAudit id={id} />;
  if (page === 'alerts') return <AlertsPage />;
  if (page === 'integrity') return <IntegrityPage />;
  return <SearchPage />;
}

function SearchPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const [form, setForm] = useState({ prescriptionId: '', patientId: '', pharmacyId: '' });
  const [criteria, setCriteria] = useState<typeof form>();
  const result = useLoad(
    () => (criteria ? get<{ prescriptions: Card_[]; count: number; truncated: boolean }>(`/audit/prescriptions${query({ ...criteria, limit: 200 })}`) : Promise.resolve(undefined)),
    [JSON.stringify(criteria)],
  );
  useEffect(() => {
    // An id that names one prescription opens it at once.
    if (criteria?.prescriptionId && result.data?.count === 1) go('auditor', 'prescriptions', result.data.prescriptions[0].prescriptionId);
  }, [criteria, result.data]);
  const run = () => setCriteria({ prescriptionId: form.prescriptionId.trim(), patientId: form.patientId.trim(), pharmacyId: form.pharmacyId.trim() });
  const fields = ['prescriptionId', 'patientId', 'pharmacyId'] as const;
  return (
    <Stack>
      <Title order={2}>{t('nav.search')}</Title>
      <Text c="dimmed">{t('findBy')}</Text>
      <Group align="flex-start">
        {fields.map((f) => (
          <TextInput
            key={f}
            label={t(f)}
            value={form[f]}
            onChange={(e) => setForm({ ...form, [f]: e.currentTarget.value })}
            onKeyDown={(e) => e.key === 'Enter' && run()}
            error={fieldError(result.error, f, i18n)}
            className={f === 'prescriptionId' ? 'mono' : undefined}
            w={f === 'prescriptionId' ? 380 : 180}
          />
        ))}
        <Button mt={25} onClick={run}>
          {t('search')}
        </Button>
      </Group>
      <ErrorAlert error={result.error} hidden={placedOnField(result.error, [...fields])} />
      {result.data && (
        <>
          {result.data.truncated && <Alert color="yellow">{t('truncated', { n: result.data.prescriptions.length })}</Alert>}
          {result.data.count === 0 ? (
            <Text c="dimmed">{t('none')}</Text>
          ) : (
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('prescriptionId')}</Table.Th>
                  <Table.Th>{t('patientId')}</Table.Th>
                  <Table.Th>{t('institution')}</Table.Th>
                  <Table.Th>{t('issuedAt')}</Table.Th>
                  <Table.Th>{t('pharmacy')}</Table.Th>
                  <Table.Th>{t('lastFact')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {result.data.prescriptions.map((p) => (
                  <Table.Tr key={p.prescriptionId}>
                    <Table.Td>
                      <a className="mono" href={href('auditor', 'prescriptions', p.prescriptionId)}>
                        {p.prescriptionId}
                      </a>
                      {p.longTerm && (
                        <Badge ml={4} size="xs" variant="outline">
                          {t('longTermShort')}
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>{p.patientId ?? '—'}</Table.Td>
                    <Table.Td>{p.institutionId ?? '—'}</Table.Td>
                    <Table.Td>
                      <Time iso={p.issuedAt} />
                    </Table.Td>
                    <Table.Td>{p.pharmacyIds.join('、') || '—'}</Table.Td>
                    <Table.Td>
                      <Text size="xs" className="mono">
                        {p.lastFactType.replace(/^rx\./, '').replace(/\.v\d+$/, '')}
                      </Text>
                      <Time iso={p.lastFactAt} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </>
      )}
    </Stack>
  );
}

function IntegrityBadges({ integrity }: { integrity: HistoryEntry['integrity'] }) {
  const { t } = useI18n();
  const chainOk = integrity.verified && integrity.auditChain === 'ok';
  const source = integrity.sourceVerified;
  return (
    <Group gap={4}>
      <Tooltip label={integrity.reason ?? integrity.auditChain}>
        <Badge color={chainOk ? 'teal' : 'red'} variant="light" leftSection={chainOk ? <IconCircleCheck size={12} aria-hidden /> : <IconCircleX size={12} aria-hidden />}>
          {chainOk ? t('chainVerified') : t('chainBroken')}
        </Badge>
      </Tooltip>
      <Badge color={source === true ? 'teal' : source === false ? 'red' : 'gray'} variant="light" leftSection={source === true ? <IconCircleCheck size={12} aria-hidden /> : source === false ? <IconCircleX size={12} aria-hidden /> : <IconHelpCircle size={12} aria-hidden />}>
        {source === true ? t('sourceVerified') : source === false ? t('sourceFailed') : t('sourceUnknown')}
      </Badge>
    </Group>
  );
}

function PrescriptionAudit({ id }: { id: string }) {
  const i18n = useI18n();
  const { t, td } = i18n;
  const history = useLoad(() => get<{ prescriptionId: string; entries: HistoryEntry[] }>(`/audit/prescriptions/${encodeURIComponent(id)}/history`), [id]);
  const alerts = useLoad(() => get<{ alerts: AlertView[] }>(`/audit/alerts${query({ prescriptionId: id })}`), [id]);
  const [asOfInput, setAsOfInput] = useState(() => toChinaLocalInput(new Date().toISOString()));
  const [asOf, setAsOf] = useState<string>(() => new Date().toISOString());
  const state = useLoad(() => get<StateAsOf>(`/audit/prescriptions/${encodeURIComponent(id)}/state${query({ asOf })}`), [id, asOf]);

  const showAsOf = (iso: string) => {
    setAsOf(iso);
    setAsOfInput(toChinaLocalInput(iso));
  };
  // The payments as the settlement context published them: the audit store has them in both modes.
  const payments = useMemo(() => {
    const entries = history.data?.entries ?? [];
    const reversed = new Set(entries.filter((e) => e.type === 'rx.settlement.fund-payment-reversed.v1').map((e) => String(e.data.dispenseId)));
    return entries.filter((e) => e.type === 'rx.settlement.fund-payment-recorded.v1').map((e) => ({ ...(e.data as unknown as FundPayment), reversed: reversed.has(String(e.data.dispenseId)) }));
  }, [history.data]);

  if (history.loading && !history.data) return <Loading />;
  if (history.error) return <ErrorAlert error={history.error instanceof ApiError && history.error.status === 400 ? new ApiError(404, 'PRESCRIPTION_NOT_FOUND', '', {}) : history.error} />;
  const entries = history.data!.entries;
  return (
    <Stack>
      <Group>
        <Title order={2}>{t('prescriptionId')}</Title>
        <Text className="mono">{id}</Text>
      </Group>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="xl">
        <Section title={t('timeline')}>
          <Timeline bulletSize={22} lineWidth={2} active={entries.length}>
            {entries.map((e) => (
              <Timeline.Item
                key={e.seq}
                bullet={e.integrity.verified && e.integrity.sourceVerified !== false ? <IconCircleCheck size={14} aria-hidden /> : <IconCircleX size={14} aria-hidden />}
                color={e.integrity.verified && e.integrity.sourceVerified !== false ? 'teal' : 'red'}
                title={
                  <Group gap="xs">
                    <Badge size="sm" variant="outline">
                      {td(`context.${e.context}`, e.context)}
                    </Badge>
                    <Text fw={700} size="sm" className="mono">
                      {e.type.replace(/^rx\.[a-z]+\./, '').replace(/\.v\d+$/, '')}
                    </Text>
                  </Group>
                }
                data-testid="timeline-entry"
              >
                <Text size="sm">{e.summary}</Text>
                <Text size="xs" c="dimmed">
                  <Time iso={e.time} /> · {t('actor')} {e.actor ? `${td(`role.${e.actor.role}`, e.actor.role)} ${e.actor.id}` : '—'}
                </Text>
                <Group gap="xs" mt={4}>
                  <IntegrityBadges integrity={e.integrity} />
                  <Button size="compact-xs" variant="subtle" onClick={() => showAsOf(new Date(Date.parse(e.time) - 1).toISOString())} data-testid={`before-${e.type}`}>
                    {t('beforeThis')}
                  </Button>
                </Group>
              </Timeline.Item>
            ))}
          </Timeline>
        </Section>
        <Stack>
          <Section title={t('stateAsOf')}>
            <Group align="flex-start">
              <TextInput
                type="datetime-local"
                step={1}
                label={t('asOf')}
                value={asOfInput}
                onChange={(e) => setAsOfInput(e.currentTarget.value)}
                error={fieldError(state.error, 'asOf', i18n, { INVALID_AS_OF: 'asOf' })}
              />
              <Button
                mt={25}
                onClick={() => {
                  const iso = fromChinaLocalInput(asOfInput);
                  if (iso) setAsOf(iso);
                }}
              >
                {t('showState')}
              </Button>
            </Group>
            {state.data && <StateCard s={state.data} />}
            <ErrorAlert error={state.error} hidden={placedOnField(state.error, ['asOf'], { INVALID_AS_OF: 'asOf' })} />
          </Section>
          <Section title={t('fundBreakdown')}>
            {payments.length === 0 ? <Text c="dimmed">{t('none')}</Text> : payments.map((p) => <PaymentBreakdown key={p.dispenseId} payment={p} />)}
          </Section>
          <Section title={t('alertsFor')}>{alerts.data ? <AlertTable alerts={alerts.data.alerts} /> : <Loading />}</Section>
        </Stack>
      </SimpleGrid>
    </Stack>
  );
}

function StateCard({ s }: { s: StateAsOf }) {
  const { t } = useI18n();
  return (
    <Card withBorder mt="sm" data-testid="state-card">
      <Stack gap="xs">
        <Group>
          <Time iso={s.asOf} />
          <StatusBadge status={s.status} />
          <Text size="sm" c="dimmed">
            {t('facts')} {s.factsApplied}
          </Text>
        </Group>
        {!s.existed ? (
          <Text>{t('existedNot')}</Text>
        ) : (
          <>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('drug')}</Table.Th>
                  <Table.Th className="num">{t('prescribed')}</Table.Th>
                  <Table.Th className="num">{t('dispensed')}</Table.Th>
                  <Table.Th className="num">{t('remaining')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {s.items.map((i) => (
                  <Table.Tr key={i.drugCode}>
                    <Table.Td>
                      {i.drugName} ({i.drugCode})
                    </Table.Td>
                    <Table.Td className="num">{i.prescribed}</Table.Td>
                    <Table.Td className="num" data-testid={`state-dispensed-${i.drugCode}`}>
                      {i.dispensed}
                    </Table.Td>
                    <Table.Td className="num">{i.remaining}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Text size="sm">
              {t('dispenses')} {s.dispenses.length} · {t('fundAmount')} <Money fen={s.fund.netFen} /> · {t('personalAccount')} <Money fen={s.fund.personalAccountFen} /> · {t('cash')} <Money fen={s.fund.cashFen} />
            </Text>
            {s.holder && (
              <Text size="sm">
                {t('holder')} <PharmacyName id={s.holder.pharmacyId} />
              </Text>
            )}
          </>
        )}
      </Stack>
    </Card>
  );
}

function AlertTable({ alerts }: { alerts: AlertView[] }) {
  const { t, td } = useI18n();
  if (alerts.length === 0) return <Text c="dimmed">{t('none')}</Text>;
  return (
    <Table striped>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('rule')}</Table.Th>
          <Table.Th>{t('severity')}</Table.Th>
          <Table.Th>{t('occurredAt')}</Table.Th>
          <Table.Th>{t('summary')}</Table.Th>
          <Table.Th>{t('prescriptionId')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {alerts.map((a) => (
          <Table.Tr key={a.alertId}>
            <Table.Td>{td(`rule.${a.ruleId}`, a.ruleId)}</Table.Td>
            <Table.Td>
              <Badge color={a.severity === 'high' ? 'red' : a.severity === 'warning' ? 'orange' : 'blue'} variant="light">
                {td(`severity.${a.severity}`, a.severity)}
              </Badge>
            </Table.Td>
            <Table.Td>
              <Time iso={a.occurredAt} />
            </Table.Td>
            <Table.Td>{a.summary}</Table.Td>
            <Table.Td>
              {a.prescriptionId ? (
                <a className="mono" href={href('auditor', 'prescriptions', a.prescriptionId)}>
                  {a.prescriptionId.slice(0, 13)}…
                </a>
              ) : (
                (a.pharmacyId ?? '—')
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function AlertsPage() {
  const i18n = useI18n();
  const { t, td } = i18n;
  const [filter, setFilter] = useState<{ rule: string | null; pharmacyId: string; patientId: string; prescriptionId: string }>({ rule: null, pharmacyId: '', patientId: '', prescriptionId: '' });
  const [applied, setApplied] = useState(filter);
  const alerts = useLoad(() => get<{ alerts: AlertView[]; count: number }>(`/audit/alerts${query({ ...applied, pharmacyId: applied.pharmacyId.trim(), patientId: applied.patientId.trim(), prescriptionId: applied.prescriptionId.trim() })}`), [JSON.stringify(applied)]);
  const chart = useMemo(() => {
    const list = alerts.data?.alerts ?? [];
    const days = [...new Set(list.map((a) => chinaDate(a.occurredAt)))].sort();
    return { days, series: RULES.map((r) => ({ name: td(`rule.${r}`, r), values: days.map((d) => list.filter((a) => a.ruleId === r && chinaDate(a.occurredAt) === d).length) })).filter((s) => s.values.some((v) => v > 0)) };
  }, [alerts.data, td]);
  const fields = ['pharmacyId', 'patientId', 'prescriptionId'] as const;
  return (
    <Stack>
      <Title order={2}>{t('nav.alerts')}</Title>
      <Group align="flex-start">
        <Select label={t('rule')} clearable data={RULES.map((r) => ({ value: r, label: t(`rule.${r}` as MessageKey) }))} value={filter.rule} onChange={(v) => setFilter({ ...filter, rule: v })} w={200} />
        {fields.map((f) => (
          <TextInput key={f} label={t(f)} value={filter[f]} onChange={(e) => setFilter({ ...filter, [f]: e.currentTarget.value })} onKeyDown={(e) => e.key === 'Enter' && setApplied(filter)} error={fieldError(alerts.error, f, i18n)} w={f === 'prescriptionId' ? 320 : 160} />
        ))}
        <Button mt={25} onClick={() => setApplied(filter)}>
          {t('search')}
        </Button>
      </Group>
      <ErrorAlert error={alerts.error} hidden={placedOnField(alerts.error, [...fields, 'rule'])} />
      {alerts.data && (
        <>
          <Card withBorder>
            <Text fw={700} mb="sm">
              {t('alertsByRule')}
            </Text>
            {chart.days.length === 0 ? (
              <Text c="dimmed">{t('none')}</Text>
            ) : (
              <BarChart label={`${t('alertsByRule')}: ${chart.series.map((s) => `${s.name} ${s.values.reduce((a, b) => a + b, 0)}`).join(', ')}`} labels={chart.days} series={chart.series} stacked />
            )}
          </Card>
          <AlertTable alerts={alerts.data.alerts} />
        </>
      )}
    </Stack>
  );
}

interface IntegrityPage_ {
  ok: boolean;
  streamsTotal: number;
  streamsDone: number;
  streamsChecked: number;
  eventsChecked: number;
  failures: { streamId: string; brokenAt: number; reason: string }[];
  nextAfter: string | null;
  store: { checked: boolean; ok: boolean; eventCount: number; missing: { from: string; to: string; evidence?: string }[] } | null;
}

/** The whole store, page by page, so the auditor sees progress on a large store. */
function IntegrityPage() {
  const { t } = useI18n();
  const [progress, setProgress] = useState<{ done: number; total: number; events: number; failures: IntegrityPage_['failures']; store: IntegrityPage_['store']; finished: boolean }>();
  const [error, setError] = useState<unknown>();
  const [running, setRunning] = useState(false);
  const run = async () => {
    setRunning(true);
    setError(undefined);
    let after: string | null = null;
    let events = 0;
    const failures: IntegrityPage_['failures'] = [];
    setProgress({ done: 0, total: 0, events: 0, failures: [], store: null, finished: false });
    try {
      do {
        const page: IntegrityPage_ = await get<IntegrityPage_>(`/audit/integrity${query({ limit: 200, after })}`);
        events += page.eventsChecked;
        failures.push(...page.failures);
        after = page.nextAfter;
        setProgress({ done: page.streamsDone, total: page.streamsTotal, events, failures: [...failures], store: page.store, finished: after === null });
      } while (after !== null);
    } catch (e) {
      setError(e);
    } finally {
      setRunning(false);
    }
  };
  const pct = progress && progress.total > 0 ? (100 * progress.done) / progress.total : progress?.finished ? 100 : 0;
  const ok = progress?.finished && progress.failures.length === 0 && (progress.store?.ok ?? true);
  return (
    <Stack maw={960}>
      <Title order={2}>{t('nav.integrity')}</Title>
      <Group>
        <Button onClick={run} loading={running}>
          {t('startCheck')}
        </Button>
      </Group>
      <ErrorAlert error={error} />
      {progress && (
        <Card withBorder>
          <Stack>
            <Progress value={pct} size="xl" striped={running} animated={running} aria-label={`${t('streams')} ${progress.done}/${progress.total}`} />
            <Text data-testid="integrity-progress">
              {running ? t('checking') : ''} {t('streams')} {progress.done} / {progress.total} · {t('events')} {progress.events}
            </Text>
            {progress.finished && (
              <Alert color={ok ? 'teal' : 'red'} title={ok ? t('integrityOk') : t('integrityFailed')} role="status" data-testid="integrity-result">
                {progress.store && (
                  <Text size="sm">
                    {t('storeComplete')}: {progress.store.checked ? (progress.store.ok ? '✓' : '✗') : '—'} · {t('events')} {progress.store.eventCount}
                  </Text>
                )}
              </Alert>
            )}
            {progress.failures.length > 0 && (
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('streams')}</Table.Th>
                    <Table.Th>{t('brokenAt')}</Table.Th>
                    <Table.Th>{t('reason')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {progress.failures.map((f) => (
                    <Table.Tr key={f.streamId}>
                      <Table.Td className="mono">
                        {f.streamId.startsWith('audit-') && !f.streamId.startsWith('audit-pharmacy-') ? <a href={href('auditor', 'prescriptions', f.streamId.slice(6))}>{f.streamId}</a> : f.streamId}
                      </Table.Td>
                      <Table.Td>{f.brokenAt}</Table.Td>
                      <Table.Td>{f.reason}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
            {progress.store && progress.store.missing.length > 0 && (
              <Text c="red">
                {t('missingPositions')}: {progress.store.missing.map((m) => `${m.from}–${m.to}`).join(', ')}
              </Text>
            )}
          </Stack>
        </Card>
      )}
    </Stack>
  );
}
