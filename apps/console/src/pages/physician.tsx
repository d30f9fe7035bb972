import { ActionIcon, Button, Card, Checkbox, Group, NumberInput, Paper, Select, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { ApiError, get, post } from '../api';
import type { RolePageProps } from '../app';
import { useI18n } from '../i18n';
import { go, href } from '../router';
import { ErrorAlert, fieldError, Loading, placedOnField, Section, StatusBadge, Time, useCatalogue, useLoad } from '../ui';

interface Issued {
  prescriptionId: string;
  status: string;
  pickupCode: string;
  validUntil: string;
}

interface PrescriptionView {
  prescriptionId: string;
  status: string;
  patientId: string;
  physicianId: string;
  institutionId: string;
  longTerm: boolean;
  issuedAt: string;
  validUntil: string;
  items: { lineNo: number; drugCode: string; drugName: string; quantity: number; unit: string; daysSupply: number; dosage: { dose: number; unit: string; timesPerDay: number } }[];
  diagnoses: { code: string; name: string }[];
  dispensing?: { holderPharmacyId: string | null; dispenseIds: string[]; reversedDispenseIds: string[]; fullyDispensed: boolean };
}

/** Pickup codes are shown once, at issue; this tab keeps them so the physician can hand them over. */
const ISSUED_KEY = 'rx-console-issued';
const remembered = (): (Issued & { patientId: string })[] => JSON.parse(sessionStorage.getItem(ISSUED_KEY) ?? '[]');
const remember = (x: Issued & { patientId: string }) => sessionStorage.setItem(ISSUED_KEY, JSON.stringify([x, ...remembered().filter((r) => r.prescriptionId !== x.prescriptionId)].slice(0, 50)));

/** The slip a pharmacy scans: prescription id and pickup code in one line. */
export const pickupSlip = (rxId: string, code: string) => `${rxId}/${code}`;

export default function PhysicianPages({ route }: RolePageProps) {
  const [page, id] = route;
  if (page === 'issue') return <IssuePage />;
  if (page === 'prescriptions' && id) return <PrescriptionPage id={id} />;
  return <MyPrescriptions />;
}

interface ItemRow {
  drugCode: string | null;
  quantity: number | string;
  daysSupply: number | string;
  dose: number | string;
  timesPerDay: number | string;
}

const emptyItem = (): ItemRow => ({ drugCode: null, quantity: '', daysSupply: 7, dose: 1, timesPerDay: 1 });

function IssuePage() {
  const i18n = useI18n();
  const { t } = i18n;
  const catalogue = useCatalogue();
  const [patientId, setPatientId] = useState('');
  const [diagnoses, setDiagnoses] = useState([{ code: '', name: '' }]);
  const [items, setItems] = useState<ItemRow[]>([emptyItem()]);
  const [longTerm, setLongTerm] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [issued, setIssued] = useState<Issued>();

  const fields = ['patientId', 'longTerm', 'diagnoses', 'items', ...diagnoses.flatMap((_, i) => [`diagnoses[${i}].code`, `diagnoses[${i}].name`]), ...items.flatMap((_, i) => ['drugCode', 'quantity', 'daysSupply', 'dosage', 'dosage.dose', 'dosage.timesPerDay'].map((f) => `items[${i}].${f}`))];
  const byCode = { PATIENT_NOT_REGISTERED: 'patientId', LONG_TERM_NOT_ELIGIBLE: 'longTerm', EMPTY_PRESCRIPTION: 'items' };
  const fe = (f: string) => fieldError(error, f, i18n, byCode);

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const body = {
        patientId: patientId.trim(),
        diagnoses: diagnoses.map((d) => ({ code: d.code.trim(), name: d.name.trim() })),
        items: items.map((it) => {
          const drug = catalogue.drugs.find((d) => d.code === it.drugCode);
          return { drugCode: it.drugCode ?? '', quantity: Number(it.quantity), daysSupply: Number(it.daysSupply), dosage: { dose: Number(it.dose), unit: drug?.unit ?? 'tablet', timesPerDay: Number(it.timesPerDay) } };
        }),
        longTerm,
      };
      const result = await post<Issued>('/prescriptions', body);
      remember({ ...result, patientId: body.patientId });
      setIssued(result);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (issued) {
    return (
      <Stack maw={720}>
        <Title order={2}>{t('issued')}</Title>
        <IssuedCard issued={issued} />
        <Group>
          <Button component="a" href={href('physician', 'prescriptions', issued.prescriptionId)} variant="light">
            {t('details')}
          </Button>
          <Button
            variant="subtle"
            onClick={() => {
              setIssued(undefined);
              setItems([emptyItem()]);
              setDiagnoses([{ code: '', name: '' }]);
              setPatientId('');
              setLongTerm(false);
            }}
          >
            {t('nav.issue')}
          </Button>
        </Group>
      </Stack>
    );
  }

  const drugOptions = catalogue.drugs.map((d) => ({ value: d.code, label: `${d.name} · ${d.form} (${d.code})` }));
  return (
    <Stack maw={960}>
      <Title order={2}>{t('nav.issue')}</Title>
      <ErrorAlert error={error} hidden={placedOnField(error, fields, byCode)} />
      <TextInput label={t('patientId')} placeholder="PT001" value={patientId} onChange={(e) => setPatientId(e.currentTarget.value)} error={fe('patientId')} required maw={320} />
      <Section
        title={t('diagnoses')}
        right={
          <Button size="xs" variant="light" leftSection={<IconPlus size={14} aria-hidden />} onClick={() => setDiagnoses([...diagnoses, { code: '', name: '' }])}>
            {t('add')}
          </Button>
        }
      >
        <Stack gap="xs">
          {diagnoses.map((d, i) => (
            <Group key={i} align="flex-start" wrap="nowrap">
              <TextInput label={t('diagnosisCode')} placeholder="E11.9" value={d.code} onChange={(e) => setDiagnoses(diagnoses.map((x, j) => (j === i ? { ...x, code: e.currentTarget.value } : x)))} error={fe(`diagnoses[${i}].code`)} />
              <TextInput label={t('diagnosisName')} style={{ flex: 1 }} value={d.name} onChange={(e) => setDiagnoses(diagnoses.map((x, j) => (j === i ? { ...x, name: e.currentTarget.value } : x)))} error={fe(`diagnoses[${i}].name`)} />
              {diagnoses.length > 1 && (
                <ActionIcon mt={28} variant="subtle" color="red" aria-label={`${t('remove')} ${i + 1}`} onClick={() => setDiagnoses(diagnoses.filter((_, j) => j !== i))}>
                  <IconTrash size={16} aria-hidden />
                </ActionIcon>
              )}
            </Group>
          ))}
        </Stack>
      </Section>
      <Section
        title={t('items')}
        right={
          <Button size="xs" variant="light" leftSection={<IconPlus size={14} aria-hidden />} onClick={() => setItems([...items, emptyItem()])}>
            {t('add')}
          </Button>
        }
      >
        <Stack gap="sm">
          {fe('items') && (
            <Text c="red" size="sm" role="alert">
              {fe('items')}
            </Text>
          )}
          {items.map((it, i) => {
            const set = (patch: Partial<ItemRow>) => setItems(items.map((x, j) => (j === i ? { ...x, ...patch } : x)));
            const drug = catalogue.drugs.find((d) => d.code === it.drugCode);
            return (
              <Paper key={i} withBorder p="sm">
                <SimpleGrid cols={{ base: 1, sm: 3 }}>
                  <Select label={t('drug')} data={drugOptions} value={it.drugCode} onChange={(v) => set({ drugCode: v })} searchable error={fe(`items[${i}].drugCode`)} required />
                  <NumberInput label={`${t('quantity')}${drug ? `（${drug.unit}）` : ''}`} min={1} allowDecimal={false} value={it.quantity} onChange={(v) => set({ quantity: v })} error={fe(`items[${i}].quantity`)} required />
                  <NumberInput label={t('daysSupply')} min={1} allowDecimal={false} value={it.daysSupply} onChange={(v) => set({ daysSupply: v })} error={fe(`items[${i}].daysSupply`)} required />
                  <NumberInput label={`${t('dose')}${drug ? `（${drug.unit}）` : ''}`} min={0} decimalScale={4} value={it.dose} onChange={(v) => set({ dose: v })} error={fe(`items[${i}].dosage.dose`) ?? fe(`items[${i}].dosage`)} />
                  <NumberInput label={t('timesPerDay')} min={1} allowDecimal={false} value={it.timesPerDay} onChange={(v) => set({ timesPerDay: v })} error={fe(`items[${i}].dosage.timesPerDay`)} />
                  {items.length > 1 && (
                    <Group align="flex-end">
                      <Button variant="subtle" color="red" leftSection={<IconTrash size={14} aria-hidden />} onClick={() => setItems(items.filter((_, j) => j !== i))}>
                        {t('remove')}
                      </Button>
                    </Group>
                  )}
                </SimpleGrid>
              </Paper>
            );
          })}
        </Stack>
      </Section>
      <Checkbox label={t('longTerm')} checked={longTerm} onChange={(e) => setLongTerm(e.currentTarget.checked)} error={fe('longTerm')} />
      <Group>
        <Button onClick={submit} loading={busy}>
          {t('issue')}
        </Button>
      </Group>
    </Stack>
  );
}

function IssuedCard({ issued }: { issued: Issued }) {
  const { t } = useI18n();
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Group>
          <Text fw={700}>{t('prescriptionId')}</Text>
          <Text className="mono" data-testid="issued-rx">
            {issued.prescriptionId}
          </Text>
          <StatusBadge status={issued.status} />
        </Group>
        <Text fw={700}>{t('pickupCode')}</Text>
        <Text className="mono pickup-code" data-testid="issued-code">
          {issued.pickupCode}
        </Text>
        <Text fw={700}>{t('pickupSlip')}</Text>
        <Text className="mono" data-testid="pickup-slip">
          {pickupSlip(issued.prescriptionId, issued.pickupCode)}
        </Text>
        <Text size="sm" c="dimmed">
          {t('pickupSlipHelp')}
        </Text>
        <Text>
          {t('validUntil')}: <Time iso={issued.validUntil} />
        </Text>
      </Stack>
    </Card>
  );
}

function MyPrescriptions() {
  const { t } = useI18n();
  const [lookup, setLookup] = useState('');
  const list = remembered();
  return (
    <Stack maw={960}>
      <Title order={2}>{t('nav.myPrescriptions')}</Title>
      <Group align="flex-end">
        <TextInput label={t('prescriptionId')} value={lookup} onChange={(e) => setLookup(e.currentTarget.value)} onKeyDown={(e) => e.key === 'Enter' && lookup.trim() && go('physician', 'prescriptions', lookup.trim())} style={{ flex: 1 }} maw={480} />
        <Button onClick={() => lookup.trim() && go('physician', 'prescriptions', lookup.trim())}>{t('lookUp')}</Button>
      </Group>
      <Section title={t('recentIssued')}>
        {list.length === 0 ? (
          <Text c="dimmed">{t('none')}</Text>
        ) : (
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('prescriptionId')}</Table.Th>
                <Table.Th>{t('patientId')}</Table.Th>
                <Table.Th>{t('pickupCode')}</Table.Th>
                <Table.Th>{t('validUntil')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((r) => (
                <Table.Tr key={r.prescriptionId}>
                  <Table.Td>
                    <a href={href('physician', 'prescriptions', r.prescriptionId)} className="mono">
                      {r.prescriptionId}
                    </a>
                  </Table.Td>
                  <Table.Td>{r.patientId}</Table.Td>
                  <Table.Td className="mono">{r.pickupCode}</Table.Td>
                  <Table.Td>
                    <Time iso={r.validUntil} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Section>
    </Stack>
  );
}

function PrescriptionPage({ id }: { id: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const rx = useLoad(() => get<PrescriptionView>(`/prescriptions/${encodeURIComponent(id)}`), [id]);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<{ status: string }>();
  const [busy, setBusy] = useState(false);
  const pickup = remembered().find((r) => r.prescriptionId === id);

  const revoke = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setResult(await post<{ status: string }>(`/prescriptions/${encodeURIComponent(id)}/revoke`, { reason }));
      rx.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (rx.loading && !rx.data) return <Loading />;
  if (rx.error) return <ErrorAlert error={rx.error instanceof ApiError && rx.error.status === 400 ? new ApiError(404, 'PRESCRIPTION_NOT_FOUND', rx.error.message, {}) : rx.error} />;
  const p = rx.data!;
  const open = p.status === 'ISSUED';
  return (
    <Stack maw={960}>
      <Group>
        <Title order={2}>{t('prescriptionId')}</Title>
        <Text className="mono">{p.prescriptionId}</Text>
        <StatusBadge status={p.status} />
        {p.longTerm && <StatusBadge status={t('longTermShort')} />}
      </Group>
      {pickup && <IssuedCard issued={{ prescriptionId: p.prescriptionId, status: p.status, pickupCode: pickup.pickupCode, validUntil: p.validUntil }} />}
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Text>
          {t('patientId')}: {p.patientId}
        </Text>
        <Text>
          {t('issuedAt')}: <Time iso={p.issuedAt} />
        </Text>
        <Text>
          {t('validUntil')}: <Time iso={p.validUntil} />
        </Text>
      </SimpleGrid>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('drug')}</Table.Th>
            <Table.Th className="num">{t('quantity')}</Table.Th>
            <Table.Th className="num">{t('daysSupply')}</Table.Th>
            <Table.Th>{t('dose')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {p.items.map((it) => (
            <Table.Tr key={it.lineNo}>
              <Table.Td>
                {it.drugName} ({it.drugCode})
              </Table.Td>
              <Table.Td className="num">
                {it.quantity} {it.unit}
              </Table.Td>
              <Table.Td className="num">{it.daysSupply}</Table.Td>
              <Table.Td>
                {it.dosage.dose} {it.dosage.unit} × {it.dosage.timesPerDay}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {p.dispensing && (
        <Text>
          {t('holder')}: {p.dispensing.holderPharmacyId ?? '—'} · {t('dispensedSoFar')}: {p.dispensing.dispenseIds.length - p.dispensing.reversedDispenseIds.length}
          {p.dispensing.fullyDispensed && ` · ${t('fullyDispensed')}`}
        </Text>
      )}
      {result && (
        <Text role="status" c="teal">
          {result.status === 'REVOKED' ? t('revoked') : t('revocationPending')}
        </Text>
      )}
      {open && (
        <Card withBorder>
          <Stack>
            <Textarea label={t('revokeReason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={fieldError(error, 'reason', i18n, { REVOCATION_REASON_INVALID: 'reason', ALREADY_DISPENSED: 'reason' })} />
            <ErrorAlert error={error} hidden={placedOnField(error, ['reason'], { REVOCATION_REASON_INVALID: 'reason', ALREADY_DISPENSED: 'reason' })} />
            <Group>
              <Button color="red" variant="light" onClick={revoke} loading={busy}>
                {t('revoke')}
              </Button>
            </Group>
          </Stack>
        </Card>
      )}
    </Stack>
  );
}
