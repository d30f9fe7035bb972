import { Button, Card, Group, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useState } from 'react';
import { get, post } from '../api';
import { useI18n, type MessageKey } from '../i18n';
import { sessionFromToken, type Role, type Session } from '../session';
import { ErrorAlert, errorWords, Loading, useLoad } from '../ui';

interface DemoUser {
  id: string;
  role: Role;
  org: string;
  name: string;
  orgName: string;
}

/** Development: pick a demo user (the server mints the token). Production: paste a bearer token; nothing is minted. */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const how = useLoad(() => get<{ signIn: 'demo-users' | 'bearer-token'; demoUsers: DemoUser[] }>('/console/api/session'), []);
  const [error, setError] = useState<unknown>();
  const [token, setTokenText] = useState('');
  const [busy, setBusy] = useState<string>();

  const pick = async (u: DemoUser) => {
    setBusy(u.id);
    setError(undefined);
    try {
      const minted = await post<{ token: string }>('/console/api/dev-token', { userId: u.id });
      const s = sessionFromToken(minted.token, { name: u.name, orgName: u.orgName });
      if (s) onSignedIn(s);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };

  const useToken = () => {
    const s = sessionFromToken(token);
    if (!s || (s.exp !== null && s.exp * 1000 <= Date.now())) return setError(new Error(t('tokenInvalid')));
    onSignedIn(s);
  };

  if (how.loading) return <Loading />;
  if (how.error) return <ErrorAlert error={how.error} />;

  return (
    <Stack maw={860} mx="auto">
      <Title order={2}>{t('signIn')}</Title>
      {how.data!.signIn === 'demo-users' ? (
        <Card withBorder>
          <Text mb="sm">{t('signInDemo')}</Text>
          <ErrorAlert error={error} />
          <Table striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('user')}</Table.Th>
                <Table.Th>{i18n.lang === 'zh' ? '角色' : 'Role'}</Table.Th>
                <Table.Th>{i18n.lang === 'zh' ? '所属机构' : 'Organisation'}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {how.data!.demoUsers.map((u) => (
                <Table.Tr key={u.id}>
                  <Table.Td>
                    {u.name} <Text span c="dimmed" size="sm">({u.id})</Text>
                  </Table.Td>
                  <Table.Td>{t(`role.${u.role}` as MessageKey)}</Table.Td>
                  <Table.Td>{u.orgName}</Table.Td>
                  <Table.Td>
                    <Button size="xs" loading={busy === u.id} onClick={() => pick(u)} aria-label={`${t('signIn')} ${u.id}`} data-user={u.id}>
                      {t('signIn')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      ) : (
        <Card withBorder>
          <Stack>
            <Text>{t('signInToken')}</Text>
            <Textarea
              label={t('bearerToken')}
              autosize
              minRows={3}
              value={token}
              onChange={(e) => setTokenText(e.currentTarget.value)}
              error={error ? errorWords(error, i18n) : undefined}
              className="mono"
            />
            <Group>
              <Button onClick={useToken} disabled={!token.trim()}>
                {t('signIn')}
              </Button>
            </Group>
          </Stack>
        </Card>
      )}
    </Stack>
  );
}
