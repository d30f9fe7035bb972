import { Alert, Badge, Loader, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from './api';
import { chinaTime, yuan, type HolidayYear } from './format';
import { useI18n, type I18n } from './i18n';

/** Words for an API error: the code's text in the chosen language, else the server's message. */
export function errorWords(err: unknown, i18n: I18n): string {
  if (err instanceof ApiError) {
    const words = i18n.td(`err.${err.code}`, '');
    if (err.code === 'VALIDATION_FAILED') {
      const details = Object.values(err.fields).flat();
      return `${words}：${details.length ? details.join('；') : err.message}`;
    }
    if (words) return i18n.lang === 'zh' || !err.message ? words : `${words} (${err.message})`;
    return err.message || err.code;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * The error text for one form field: the server named it (`field` or `errors[].field`), or the
 * form maps the error's code to it (e.g. PICKUP_CODE_INVALID → pickupCode).
 */
export function fieldError(err: unknown, field: string, i18n: I18n, byCode: Record<string, string> = {}): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const messages = err.fields[field];
  if (messages) {
    const words = i18n.td(`err.${err.code}`, '');
    if (err.code === 'VALIDATION_FAILED' || !words) return `${i18n.t('err.VALIDATION_FAILED')}：${messages.join('；')}`;
    return words;
  }
  if (byCode[err.code] === field && Object.keys(err.fields).length === 0) return errorWords(err, i18n);
  return undefined;
}

/** Whether a form shows the error next to one of its fields (else it shows it above the form). */
export function placedOnField(err: unknown, fields: string[], byCode: Record<string, string> = {}): boolean {
  if (!(err instanceof ApiError)) return false;
  const named = Object.keys(err.fields);
  if (named.length > 0) return named.every((f) => fields.includes(f));
  return fields.includes(byCode[err.code] ?? '');
}

export function ErrorAlert({ error, hidden }: { error: unknown; hidden?: boolean }) {
  const i18n = useI18n();
  if (!error || hidden) return null;
  return (
    <Alert color="red" icon={<IconAlertTriangle size={18} aria-hidden />} role="alert" title={i18n.lang === 'zh' ? '操作未完成' : 'Not done'}>
      {errorWords(error, i18n)}
    </Alert>
  );
}

export const Money = ({ fen }: { fen: number | null | undefined }) => {
  const { lang } = useI18n();
  return <span className="money">{yuan(fen, lang)}</span>;
};

export const Time = ({ iso }: { iso: string | null | undefined }) => <time dateTime={iso ?? undefined}>{chinaTime(iso)}</time>;

const STATUS_COLOR: Record<string, string> = {
  ISSUED: 'blue',
  issued: 'blue',
  claimed: 'indigo',
  'partly-dispensed': 'cyan',
  dispensed: 'teal',
  DISPENSED: 'teal',
  REVOKED: 'gray',
  revoked: 'gray',
  EXPIRED: 'gray',
  expired: 'gray',
  REVOCATION_PENDING: 'orange',
  'revocation-pending': 'orange',
  SUBMITTED: 'yellow',
  APPROVED: 'blue',
  PAID: 'teal',
};

export function StatusBadge({ status, prefix = 'status' }: { status: string; prefix?: string }) {
  const { td } = useI18n();
  return (
    <Badge color={STATUS_COLOR[status] ?? 'gray'} variant="light">
      {td(`${prefix}.${status}`, status)}
    </Badge>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <Text c="dimmed" role="status">
      <Loader size="xs" mr="xs" aria-hidden />
      {t('loading')}
    </Text>
  );
}

/** Loads on mount and whenever `deps` change; `reload()` again. Errors are kept, never thrown. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  const current = useRef(0);
  useEffect(() => {
    const run = ++current.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => run === current.current && setState({ data, error: undefined, loading: false }),
      (error) => run === current.current && setState({ data: undefined, error, loading: false }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

export interface Catalogue {
  drugs: { code: string; name: string; form: string; unit: string; class: string; special: boolean; referencePriceFen: number; maxQuantity: number }[];
  pharmacies: { id: string; name: string; regionCode: string; agreementStatus: string }[];
  institutions: { id: string; name: string; regionCode: string }[];
  regions: { regionCode: string; years: number[] }[];
  holidays: HolidayYear[];
}

export const CatalogueContext = createContext<Catalogue>({ drugs: [], pharmacies: [], institutions: [], regions: [], holidays: [] });
export const useCatalogue = () => useContext(CatalogueContext);

export function PharmacyName({ id }: { id: string }) {
  const c = useCatalogue();
  const p = c.pharmacies.find((x) => x.id === id);
  return <span title={id}>{p ? `${p.name}（${id}）` : id}</span>;
}

export function Section({ title, children, right }: { title: string; children: ReactNode; right?: ReactNode }) {
  return (
    <section className="section" aria-label={title}>
      <div className="section-head">
        <h2>{title}</h2>
        {right}
      </div>
      {children}
    </section>
  );
}

/** Today's date in China. */
export const chinaToday = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
