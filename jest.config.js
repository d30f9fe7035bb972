// Test projects by suffix (style.md §9): unit = pure *.spec.ts, int = real SQLite store and Nest apps
// over HTTP, kafka = suites that need a real broker (started by tools/kafka when none is given).
const fs = require('fs');
const path = require('path');
const base = JSON.parse(fs.readFileSync(path.join(__dirname, 'tsconfig.base.json'), 'utf8'));
const swc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
const moduleNameMapper = Object.fromEntries(
  Object.entries(base.compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
module.exports = {
  // No test asserts a time; the 5 s default only turned a busy 2-core machine into red runs.
  testTimeout: 30_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'] },
    { ...common, displayName: 'int', testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'] },
    // The console in Debian's Chromium against the real platform (npm run test:console).
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/apps/console/e2e/**/*.browser-spec.ts'] },
    {
      ...common,
      displayName: 'kafka',
      testMatch: ['<rootDir>/{libs,test}/**/*.kafka-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/kafka-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/kafka-global-teardown.ts',
    },
  ],
};
