import { Badge, Group, Table, Text } from '@mantine/core';
import { useI18n } from '../i18n';
import { Money, Time } from '../ui';

/** The settlement amounts, as the payment view and the payment fact (`amounts`) both carry them. */
export interface Amounts {
  totalFen: number;
  fullyOwnPayFen: number;
  overLimitSelfPayFen: number;
  preSelfPayFen: number;
  inScopeFen: number;
  deductibleAppliedFen: number;
  fundFen: number;
  coPayFen: number;
  personalAccountFen: number;
  cashFen: number;
  specialFundFen?: number;
  deliveryFeeFen?: number;
}

export interface FundPayment extends Partial<Amounts> {
  dispenseId: string;
  policyVersion: string;
  paidAt?: string;
  amounts?: Amounts;
  reversed?: boolean;
  flags?: string[];
  policyProvisional?: boolean;
}

/** National medical-insurance platform settlement fields, in the order of its settlement record. */
const FIELDS: [keyof Amounts, string, string, string][] = [
  ['totalFen', 'medfee_sumamt', '医疗费总额', 'total medical cost'],
  ['fullyOwnPayFen', 'fulamt_ownpay_amt', '全自费金额', 'fully self-paid'],
  ['overLimitSelfPayFen', 'overlmt_selfpay', '超限价自费费用', 'over-limit self-pay'],
  ['preSelfPayFen', 'preselfpay_amt', '先行自付金额', 'self-pay first'],
  ['inScopeFen', 'inscp_scp_amt', '符合政策范围金额', 'within policy scope'],
  ['deductibleAppliedFen', 'act_pay_dedc', '实际支付起付线', 'deductible applied'],
  ['fundFen', 'hifp_pay', '基本医疗保险统筹基金支出', 'pooling fund pays'],
  ['coPayFen', 'pool_prop_selfpay', '基本医疗保险统筹基金支付比例自付', 'co-pay above the fund ratio'],
  ['personalAccountFen', 'acct_pay', '个人账户支出', 'personal account pays'],
  ['cashFen', 'psn_cash_pay', '个人现金支出', 'cash paid'],
];

export function PaymentBreakdown({ payment, caption }: { payment: FundPayment; caption?: string }) {
  const { t, lang } = useI18n();
  const amounts = (payment.amounts ?? payment) as Partial<Amounts>;
  return (
    <div data-testid={`breakdown-${payment.dispenseId}`}>
      <Group gap="xs" mb="xs">
        <Text size="sm">
          {t('dispenseId')} <span className="mono">{payment.dispenseId}</span> · {t('policyVersion')} {payment.policyVersion}
          {payment.paidAt && (
            <>
              {' '}
              · <Time iso={payment.paidAt} />
            </>
          )}
        </Text>
        {payment.reversed && <Badge color="gray">{t('refunded')}</Badge>}
        {payment.policyProvisional && <Badge color="orange">provisional</Badge>}
        {(payment.flags ?? []).map((f) => (
          <Badge key={f} variant="outline">
            {f}
          </Badge>
        ))}
      </Group>
      <Table striped withTableBorder>
        {caption && <Table.Caption>{caption}</Table.Caption>}
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('field')}</Table.Th>
            <Table.Th>{t('meaning')}</Table.Th>
            <Table.Th className="num">{t('amount')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {FIELDS.map(([key, national, zh, en]) => (
            <Table.Tr key={key}>
              <Table.Td className="mono">{national}</Table.Td>
              <Table.Td>{lang === 'zh' ? zh : en}</Table.Td>
              <Table.Td className="num">
                <Money fen={amounts[key] as number | undefined} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}
