import { Badge, Button, Card, Checkbox, Group, Modal, Progress, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { ApiError, get, post, query } from '../api';
import type { RolePageProps } from '../app';
import { BarChart, DoughnutChart } from '../charts';
import { parseYuan, workingDaysLeft, yuan } from '../format';
import { useI18n } from '../i18n';
import { chinaToday, ErrorAlert, fieldError, Loading, Money, PharmacyName, placedOnField, Section, StatusBadge, Time, useCatalogue, useLoad } from '../ui';
import { PaymentBreakdown, type FundPayment } from './payment-breakdown';

interface ClaimLine {
  dispenseId: string;
  prescriptionId: string;
  fundFen: number;
}

interface Claim {
  claimId: string;
  pharmacyId: string;
  status: 'SUBMITTED' | 'APPROVED' | 'PAID';
  periodStart: string;
  periodEnd: string;
  submittedAt: string;
  dispenseCount: number;
  fundFen: number;
  lines: ClaimLine[];
  /** Recovery lines (冲销: refunds after reimbursement) deducted by this claim; negative amounts. */
  recoveryLines?: { dispenseId: string; prescriptionId: string; fromClaimId: string; amountFen: number }[];
  dueBy: string;
  provisional: boolean;
  overdue: boolean;
  approval: { approvedAt: string; approvedFundFen: number; refusedLines: { dispenseId: string; reason: string }[] } | null;
  payment: { paidAt: string; amountFen: number; late: boolean } | null;
}

export default function AgencyPages({ route }: RolePageProps) {
  if (route[0] === 'budget') return <BudgetPage />;
  if (route[0] === 'patients') return <PatientPage />;
  return <ClaimsPage />;
}

function DueBadge({ claim }: { claim: Claim }) {
  const { t } = useI18n();
  const { holidays } = useCatalogue();
  if (claim.status === 'PAID') return <Text size="sm">{claim.dueBy}</Text>;
  const left = workingDaysLeft(chinaToday(), claim.dueBy, holidays);
  const text = left > 0 ? t('workingDaysLeft', { n: left }) : left === 0 ? t('dueToday') : t('overdueBy', { n: -left });
  return (
    <Stack gap={2}>
      <Text size="sm">{claim.dueBy}</Text>
      <Badge color={claim.overdue || left < 0 ? 'red' : left <= 5 ? 'orange' : 'gray'} variant={claim.overdue ? 'filled' : 'light'}>
        {claim.overdue ? `${t('overdue')} · ` : ''}
        {text}
      </Badge>
    </Stack>
  );
}

function ClaimsPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const [onlyOverdue, setOnlyOverdue] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const claims = useLoad(() => get<{ claims: Claim[]; count: number }>(`/settlement/claims${query({ overdue: onlyOverdue ? 'true' : undefined, status })}`), [onlyOverdue, status]);
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<{ id: string; e: unknown }>();
  const [open, setOpen] = useState<Claim>();

  const act = async (id: string, what: 'approve' | 'pay', body: object) => {
    setBusy(`${what}-${id}`);
    setError(undefined);
    try {
      await post(`/settlement/claims/${encodeURIComponent(id)}/${what}`, body);
      claims.reload();
    } catch (e) {
      setError({ id, e });
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <Stack>
      <Title order={2}>{t('nav.claims')}</Title>
      <Group>
        <Checkbox label={t('onlyOverdue')} checked={onlyOverdue} onChange={(e) => setOnlyOverdue(e.currentTarget.checked)} />
        <Select
          aria-label={t('status')}
          placeholder={t('status')}
          clearable
          value={status}
          onChange={setStatus}
          data={(['SUBMITTED', 'APPROVED', 'PAID'] as const).map((s) => ({ value: s, label: t(`claim.${s}`) }))}
          w={180}
        />
        <Button variant="subtle" onClick={claims.reload}>
          {t('refresh')}
        </Button>
      </Group>
      {claims.error ? <ErrorAlert error={claims.error} /> : null}
      {!claims.data ? (
        <Loading />
      ) : claims.data.claims.length === 0 ? (
        <Text c="dimmed">{t('none')}</Text>
      ) : (
        <Table striped highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('claimId')}</Table.Th>
              <Table.Th>{t('pharmacy')}</Table.Th>
              <Table.Th>{t('period')}</Table.Th>
              <Table.Th className="num">{t('dispenseCount')}</Table.Th>
              <Table.Th className="num">{t('fundAmount')}</Table.Th>
              <Table.Th>{t('submittedAt')}</Table.Th>
              <Table.Th>{t('dueBy')}</Table.Th>
              <Table.Th>{t('status')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {claims.data.claims.map((c) => (
              <Table.Tr key={c.claimId} data-testid={`claim-${c.claimId}`}>
                <Table.Td>
                  <Button variant="subtle" size="compact-sm" className="mono" onClick={() => setOpen(c)}>
                    {c.claimId.slice(0, 8)}
                  </Button>
                </Table.Td>
                <Table.Td>
                  <PharmacyName id={c.pharmacyId} />
                </Table.Td>
                <Table.Td>
                  {c.periodStart} ~ {c.periodEnd}
                </Table.Td>
                <Table.Td className="num">{c.dispenseCount}</Table.Td>
                <Table.Td className="num">
                  <Money fen={c.approval?.approvedFundFen ?? c.fundFen} />
                </Table.Td>
                <Table.Td>
                  <Time iso={c.submittedAt} />
                </Table.Td>
                <Table.Td>
                  <DueBadge claim={c} />
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={c.status} prefix="claim" />
                  {c.payment?.late && (
                    <Badge ml={4} color="red" variant="outline">
                      {t('paidLate')}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    {c.status === 'SUBMITTED' && (
                      <Button size="xs" loading={busy === `approve-${c.claimId}`} onClick={() => act(c.claimId, 'approve', { refusedLines: [] })}>
                        {t('approve')}
                      </Button>
                    )}
                    {c.status === 'APPROVED' && (
                      <Button size="xs" color="teal" loading={busy === `pay-${c.claimId}`} onClick={() => act(c.claimId, 'pay', { amountFen: c.approval!.approvedFundFen })}>
                        {t('pay')} {yuan(c.approval!.approvedFundFen, i18n.lang)}
                      </Button>
                    )}
                  </Group>
                  {error?.id === c.claimId && <ErrorAlert error={error.e} />}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={!!open} onClose={() => setOpen(undefined)} title={open ? `${t('claimId')} ${open.claimId}` : ''} size="xl" closeButtonProps={{ 'aria-label': t('close') }}>
        {open && <ClaimDetails claim={open} />}
      </Modal>
    </Stack>
  );
}

function ClaimDetails({ claim }: { claim: Claim }) {
  const { t } = useI18n();
  const [payment, setPayment] = useState<string>();
  const recoveries = claim.recoveryLines ?? [];
  const refused = new Map((claim.approval?.refusedLines ?? []).map((r) => [r.dispenseId, r.reason]));
  return (
    <Stack>
      <Section title={t('claimLines')}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('dispenseId')}</Table.Th>
              <Table.Th>{t('prescriptionId')}</Table.Th>
              <Table.Th className="num">{t('fundAmount')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {claim.lines
              .filter((l) => l.fundFen >= 0)
              .map((l) => (
                <Table.Tr key={l.dispenseId}>
                  <Table.Td className="mono">{l.dispenseId.slice(0, 13)}…</Table.Td>
                  <Table.Td className="mono">{l.prescriptionId.slice(0, 13)}…</Table.Td>
                  <Table.Td className="num">
                    <Money fen={l.fundFen} />
                    {refused.has(l.dispenseId) && (
                      <Text size="xs" c="red">
                        {refused.get(l.dispenseId)}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Button size="compact-xs" variant="subtle" onClick={() => setPayment(l.dispenseId)}>
                      {t('viewPayment')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
          </Table.Tbody>
        </Table>
      </Section>
      <Section title={t('recoveryLines')}>
        {recoveries.length === 0 ? (
          <Text c="dimmed">{t('noRecoveries')}</Text>
        ) : (
          <Table>
            <Table.Tbody>
              {recoveries.map((l) => (
                <Table.Tr key={`r-${l.dispenseId}`}>
                  <Table.Td className="mono">{l.dispenseId}</Table.Td>
                  <Table.Td className="mono">{l.fromClaimId}</Table.Td>
                  <Table.Td className="num">
                    <Money fen={l.amountFen} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Section>
      {payment && <DispensePayment dispenseId={payment} />}
    </Stack>
  );
}

function DispensePayment({ dispenseId }: { dispenseId: string }) {
  const p = useLoad(() => get<FundPayment>(`/settlement/dispenses/${encodeURIComponent(dispenseId)}`), [dispenseId]);
  if (!p.data) return p.error ? <ErrorAlert error={p.error} /> : <Loading />;
  return <PaymentBreakdown payment={p.data} />;
}

interface Budget {
  regionCode: string;
  year: number;
  budgetFen: number;
  spentFen: number;
  remainingFen: number;
  specialSpentFen: number;
  /** A separate special-drug budget line, when the region's policy has one. */
  specialBudgetFen?: number;
  utilisationBp: number;
  overBudget: boolean;
  policyVersion: string;
  payments: number;
  reversals: number;
}

function BudgetPage() {
  const i18n = useI18n();
  const { t, lang } = i18n;
  const { regions } = useCatalogue();
  const [region, setRegion] = useState<string | null>(regions[0]?.regionCode ?? null);
  const years = regions.find((r) => r.regionCode === region)?.years ?? [];
  const [year, setYear] = useState<string | null>(String(years.includes(new Date().getFullYear()) ? new Date().getFullYear() : (years[years.length - 1] ?? new Date().getFullYear())));
  const budget = useLoad(() => (region && year ? get<Budget>(`/settlement/budget/${encodeURIComponent(region)}/${year}`) : Promise.resolve(undefined)), [region, year]);
  const b = budget.data;
  const fmt = (n: number) => yuan(n, lang);
  return (
    <Stack>
      <Title order={2}>{t('nav.budget')}</Title>
      <Group>
        <Select label={t('region')} data={regions.map((r) => r.regionCode)} value={region} onChange={setRegion} w={180} />
        <Select label={t('year')} data={years.map(String)} value={year} onChange={setYear} w={140} />
      </Group>
      {budget.error ? <ErrorAlert error={budget.error} /> : null}
      {!b ? (
        budget.loading && <Loading />
      ) : (
        <>
          <SimpleGrid cols={{ base: 1, sm: 4 }}>
            <Stat label={t('budget')} value={<Money fen={b.budgetFen} />} />
            <Stat label={t('spent')} value={<Money fen={b.spentFen} />} />
            <Stat label={t('remainingBudget')} value={<Money fen={b.remainingFen} />} />
            <Stat label={t('utilisation')} value={`${(b.utilisationBp / 100).toFixed(2)}%`} extra={b.overBudget ? <Badge color="red">{t('overBudget')}</Badge> : undefined} />
          </SimpleGrid>
          <Text size="sm" c="dimmed">
            {t('policyVersion')} {b.policyVersion} · {t('payments')} {b.payments} · {t('reversals')} {b.reversals}
          </Text>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Card withBorder>
              <Text fw={700} mb="sm">
                {t('budget')}
              </Text>
              <DoughnutChart label={`${t('budget')}: ${t('spent')} ${fmt(b.spentFen)}, ${t('remainingBudget')} ${fmt(b.remainingFen)}`} labels={[t('spent'), t('remainingBudget')]} values={[b.spentFen, Math.max(0, b.remainingFen)]} format={fmt} />
            </Card>
            <Card withBorder>
              <Text fw={700} mb="sm">
                {t('spent')}
              </Text>
              <BarChart
                label={`${t('ordinarySpent')} ${fmt(b.spentFen - b.specialSpentFen)}, ${t('specialSpent')} ${fmt(b.specialSpentFen)}`}
                labels={[t('ordinarySpent'), t('specialSpent')]}
                series={[
                  { name: t('spent'), values: [b.spentFen - b.specialSpentFen, b.specialSpentFen] },
                  ...(b.specialBudgetFen !== undefined ? [{ name: t('budget'), values: [b.budgetFen, b.specialBudgetFen] }] : []),
                ]}
                format={fmt}
              />
            </Card>
          </SimpleGrid>
        </>
      )}
    </Stack>
  );
}

function Stat({ label, value, extra }: { label: string; value: React.ReactNode; extra?: React.ReactNode }) {
  return (
    <Card withBorder>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text fw={700} size="lg">
        {value}
      </Text>
      {extra}
    </Card>
  );
}

interface Benefits {
  patientId: string;
  year: number;
  regionCode: string;
  policyVersion: string;
  deductibleFen: number;
  deductibleUsedFen: number;
  deductibleRemainingFen: number;
  ordinaryFundCapFen: number;
  ordinaryFundUsedFen: number;
  ordinaryFundRemainingFen: number;
  specialFundCapFen: number;
  specialFundUsedFen: number;
  specialFundRemainingFen: number;
  personalAccount: { holderId: string; openingBalanceFen: number; balanceFen: number; familyAccount: boolean } | null;
}

interface AccountView {
  holderId: string;
  opened: boolean;
  openingBalanceFen: number;
  balanceFen: number;
  annualAllotmentFen: number;
  allottedYears: number[];
  movements: { at: string; kind: string; by: string; amountFen: number; balanceAfterFen: number; year?: number; creditId?: string; note?: string | null; dispenseId?: string; patientId?: string }[];
}

/** The agency credits a personal account (contributions); the client-chosen id makes a retry credit nothing more. */
function CreditForm({ holderId, onCredited }: { holderId: string; onCredited: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const [creditId, setCreditId] = useState(() => `console-${crypto.randomUUID()}`);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setError(undefined);
    const amountFen = parseYuan(amount);
    if (amountFen === undefined || amountFen < 1) return setError(new ApiError(400, 'VALIDATION_FAILED', '', { amountFen: [i18n.lang === 'zh' ? '请输入大于零的金额，最多两位小数' : 'an amount above zero with at most two decimals'] }));
    setBusy(true);
    try {
      await post(`/settlement/personal-accounts/${encodeURIComponent(holderId)}/credits`, { creditId, amountFen, ...(note.trim() ? { note: note.trim() } : {}) });
      setAmount('');
      setNote('');
      setCreditId(`console-${crypto.randomUUID()}`);
      onCredited();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Group align="flex-start">
      <TextInput label={t('creditAmount')} value={amount} onChange={(e) => setAmount(e.currentTarget.value)} error={fieldError(error, 'amountFen', i18n)} inputMode="decimal" w={160} />
      <TextInput label={t('note')} value={note} onChange={(e) => setNote(e.currentTarget.value)} error={fieldError(error, 'note', i18n)} w={260} />
      <Button mt={25} onClick={submit} loading={busy}>
        {t('credit')}
      </Button>
      <ErrorAlert error={error} hidden={placedOnField(error, ['amountFen', 'note'])} />
    </Group>
  );
}

function PatientPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const [patientText, setPatientText] = useState('');
  const [yearText, setYearText] = useState(String(new Date().getFullYear()));
  const [shown, setShown] = useState<{ patientId: string; year: string }>();
  const benefits = useLoad(() => (shown ? get<Benefits>(`/settlement/patients/${encodeURIComponent(shown.patientId)}/benefits/${encodeURIComponent(shown.year)}`) : Promise.resolve(undefined)), [shown?.patientId, shown?.year]);
  // The continuing personal account (money-accounts); an older platform without the route shows the ledger's balance only.
  const account = useLoad(
    () => (benefits.data?.personalAccount ? get<AccountView>(`/settlement/personal-accounts/${encodeURIComponent(benefits.data.personalAccount.holderId)}`) : Promise.resolve(undefined)),
    [benefits.data?.personalAccount?.holderId],
  );
  const b = benefits.data;
  const byCode = { PATIENT_NOT_FOUND: 'patientId', POLICY_NOT_FOUND: 'year' };
  const bar = (used: number, cap: number) => (cap > 0 ? Math.min(100, (100 * used) / cap) : 0);
  return (
    <Stack maw={960}>
      <Title order={2}>{t('nav.patients')}</Title>
      <Group align="flex-start">
        <TextInput label={t('patientId')} placeholder="PT001" value={patientText} onChange={(e) => setPatientText(e.currentTarget.value)} onKeyDown={(e) => e.key === 'Enter' && setShown({ patientId: patientText.trim(), year: yearText })} error={fieldError(benefits.error, 'patientId', i18n, byCode)} />
        <TextInput label={t('year')} value={yearText} onChange={(e) => setYearText(e.currentTarget.value)} error={fieldError(benefits.error, 'year', i18n, byCode)} w={120} />
        <Button mt={25} onClick={() => setShown({ patientId: patientText.trim(), year: yearText })}>
          {t('search')}
        </Button>
      </Group>
      {shown && <ErrorAlert error={benefits.error} hidden={placedOnField(benefits.error, ['patientId', 'year'], byCode)} />}
      {b && (
        <>
          <Section title={`${t('benefitLedger')} · ${b.patientId} · ${b.year}`}>
            <Stack>
              {[
                [t('deductible'), b.deductibleUsedFen, b.deductibleFen],
                [t('ordinaryCap'), b.ordinaryFundUsedFen, b.ordinaryFundCapFen],
                [t('specialCap'), b.specialFundUsedFen, b.specialFundCapFen],
              ].map(([label, used, cap]) => (
                <div key={String(label)}>
                  <Group justify="space-between">
                    <Text size="sm">{label}</Text>
                    <Text size="sm">
                      {t('used')} <Money fen={used as number} /> / <Money fen={cap as number} />
                    </Text>
                  </Group>
                  <Progress value={bar(used as number, cap as number)} aria-label={`${label} ${yuan(used as number, i18n.lang)} / ${yuan(cap as number, i18n.lang)}`} />
                </div>
              ))}
              <Text size="sm" c="dimmed">
                {t('region')} {b.regionCode} · {t('policyVersion')} {b.policyVersion}
              </Text>
            </Stack>
          </Section>
          <Section title={t('personalAccount')}>
            {!b.personalAccount ? (
              <Text c="dimmed">{t('none')}</Text>
            ) : (
              <Stack>
                <SimpleGrid cols={{ base: 1, sm: 3 }}>
                  <Stat label={t('balance')} value={<Money fen={account.data?.balanceFen ?? b.personalAccount.balanceFen} />} />
                  <Stat label={t('openingBalance')} value={<Money fen={b.personalAccount.openingBalanceFen} />} />
                  <Stat label={t('familyAccount')} value={b.personalAccount.familyAccount ? `${t('yes')} · ${b.personalAccount.holderId}` : t('no')} />
                </SimpleGrid>
                {account.error ? <ErrorAlert error={account.error} /> : null}
                {account.data && (
                  <>
                    <CreditForm holderId={account.data.holderId} onCredited={account.reload} />
                    <Table striped>
                      <Table.Caption>{t('movements')}</Table.Caption>
                      <Table.Thead>
                        <Table.Tr>
                          <Table.Th>{t('time')}</Table.Th>
                          <Table.Th>{t('movementKind')}</Table.Th>
                          <Table.Th>{t('details')}</Table.Th>
                          <Table.Th className="num">{t('amount')}</Table.Th>
                          <Table.Th className="num">{t('balance')}</Table.Th>
                        </Table.Tr>
                      </Table.Thead>
                      <Table.Tbody>
                        {account.data.movements.map((m, i) => (
                          <Table.Tr key={i}>
                            <Table.Td>
                              <Time iso={m.at} />
                            </Table.Td>
                            <Table.Td>{i18n.td(`movement.${m.kind}`, m.kind)}</Table.Td>
                            <Table.Td>
                              <Text size="sm">{[m.year, m.note, m.creditId, m.dispenseId && `${t('dispenseId')} ${m.dispenseId.slice(0, 13)}…`, m.patientId, m.by].filter(Boolean).join(' · ')}</Text>
                            </Table.Td>
                            <Table.Td className="num">
                              <Money fen={m.amountFen} />
                            </Table.Td>
                            <Table.Td className="num">
                              <Money fen={m.balanceAfterFen} />
                            </Table.Td>
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                  </>
                )}
              </Stack>
            )}
          </Section>
        </>
      )}
    </Stack>
  );
}
