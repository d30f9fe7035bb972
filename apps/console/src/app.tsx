import { AppShell, Badge, Burger, Button, Group, NavLink, SegmentedControl, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconLogout } from '@tabler/icons-react';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState, type ComponentType } from 'react';
import { get, setToken, whenUnauthenticated } from './api';
import type { Lang } from './format';
import { I18nContext, translate, translateDynamic, type I18n, type MessageKey } from './i18n';
import { go, href, useRoute } from './router';
import { isExpired, loadSession, saveSession, type Role, type Session } from './session';
import { SignIn } from './pages/sign-in';
import { CatalogueContext, Loading, Time, type Catalogue } from './ui';

// Each role's pages load on their own: a pharmacist's browser never downloads the auditor's charts.
const PhysicianPages = lazy(() => import('./pages/physician'));
const PharmacistPages = lazy(() => import('./pages/pharmacist'));
const AgencyPages = lazy(() => import('./pages/agency'));
const AuditorPages = lazy(() => import('./pages/auditor'));

export interface RolePageProps {
  route: string[];
  session: Session;
}

const PAGES: Record<Role, { component: ComponentType<RolePageProps>; nav: [string, MessageKey][] }> = {
  physician: { component: PhysicianPages, nav: [['issue', 'nav.issue'], ['prescriptions', 'nav.myPrescriptions']] },
  pharmacist: { component: PharmacistPages, nav: [['counter', 'nav.counter'], ['refunds', 'nav.refunds'], ['settlement', 'nav.settlementApply']] },
  agency: { component: AgencyPages, nav: [['claims', 'nav.claims'], ['budget', 'nav.budget'], ['patients', 'nav.patients']] },
  auditor: { component: AuditorPages, nav: [['search', 'nav.search'], ['alerts', 'nav.alerts'], ['integrity', 'nav.integrity']] },
};

const LANG_KEY = 'rx-console-lang';

export function App() {
  const [lang, setLangState] = useState<Lang>(() => (localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh'));
  const [session, setSession] = useState<Session | undefined>(() => loadSession());
  const [catalogue, setCatalogue] = useState<Catalogue | undefined>();
  const [opened, { toggle }] = useDisclosure();
  const route = useRoute();

  const i18n = useMemo<I18n>(
    () => ({
      lang,
      setLang: (l) => {
        localStorage.setItem(LANG_KEY, l);
        setLangState(l);
      },
      t: (key, vars) => translate(lang, key, vars),
      td: (key, fallback, vars) => translateDynamic(lang, key, vars) ?? fallback,
    }),
    [lang],
  );

  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = `${translate(lang, 'appTitle')} · ${translate(lang, 'console')}`;
  }, [lang]);

  const signOut = useCallback(() => {
    saveSession(undefined);
    setToken(null);
    setCatalogue(undefined);
    setSession(undefined);
    go('');
  }, []);

  useEffect(() => whenUnauthenticated(signOut), [signOut]);

  useEffect(() => {
    setToken(session?.token ?? null);
    if (!session) return;
    if (isExpired(session)) return signOut();
    get<Catalogue>('/console/api/catalogue').then(setCatalogue, () => setCatalogue({ drugs: [], pharmacies: [], institutions: [], regions: [], holidays: [] }));
  }, [session, signOut]);

  const signIn = (s: Session) => {
    saveSession(s);
    setToken(s.token);
    setSession(s);
    go(s.role, PAGES[s.role].nav[0][0]);
  };

  let body;
  if (!session) body = <SignIn onSignedIn={signIn} />;
  else if (!catalogue) body = <Loading />;
  else {
    const pages = PAGES[session.role];
    const [role, ...rest] = route;
    if (!role || (role === session.role && rest.length === 0)) {
      go(session.role, pages.nav[0][0]);
      body = <Loading />;
    } else if (role !== session.role) {
      body = (
        <Text role="alert" c="red">
          {i18n.t('notYourPage')}
        </Text>
      );
    } else {
      const Page = pages.component;
      body = (
        <Suspense fallback={<Loading />}>
          <Page route={rest} session={session} />
        </Suspense>
      );
    }
  }

  return (
    <I18nContext.Provider value={i18n}>
      <CatalogueContext.Provider value={catalogue ?? { drugs: [], pharmacies: [], institutions: [], regions: [], holidays: [] }}>
        <AppShell header={{ height: 60 }} navbar={session ? { width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } } : undefined} padding="md">
          <AppShell.Header>
            <Group h="100%" px="md" justify="space-between" wrap="nowrap">
              <Group gap="sm" wrap="nowrap">
                {session && <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="menu" />}
                <Title order={1} size="h4">
                  {i18n.t('appTitle')}
                </Title>
              </Group>
              <Group gap="sm" wrap="nowrap">
                <SegmentedControl
                  size="xs"
                  aria-label={i18n.t('language')}
                  value={lang}
                  onChange={(v) => i18n.setLang(v as Lang)}
                  data={[
                    { value: 'zh', label: '中文' },
                    { value: 'en', label: 'English' },
                  ]}
                />
                {session && (
                  <>
                    <Badge variant="light" size="lg" title={session.exp ? `${i18n.t('tokenExpires')} ${new Date(session.exp * 1000).toISOString()}` : undefined}>
                      {i18n.t(`role.${session.role}` as MessageKey)} · {session.name ?? session.sub}
                    </Badge>
                    <Button size="xs" variant="subtle" leftSection={<IconLogout size={16} aria-hidden />} onClick={signOut}>
                      {i18n.t('signOut')}
                    </Button>
                  </>
                )}
              </Group>
            </Group>
          </AppShell.Header>
          {session && (
            <AppShell.Navbar p="sm" aria-label={i18n.t('console')}>
              <nav>
                {PAGES[session.role].nav.map(([path, label]) => (
                  <NavLink key={path} href={href(session.role, path)} label={i18n.t(label)} active={route[0] === session.role && route[1] === path} />
                ))}
              </nav>
              <Text size="xs" c="dimmed" mt="auto">
                {session.orgName ?? session.org}
                {session.exp && (
                  <>
                    <br />
                    {i18n.t('tokenExpires')} <Time iso={new Date(session.exp * 1000).toISOString()} />
                  </>
                )}
              </Text>
            </AppShell.Navbar>
          )}
          <AppShell.Main>
            {body}
          </AppShell.Main>
        </AppShell>
      </CatalogueContext.Provider>
    </I18nContext.Provider>
  );
}
