// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkImport, importsOf } = require('./check-boundaries.js') as {
  checkImport(file: string, specifier: string): string | null;
  importsOf(source: string): { line: number; specifier: string }[];
};

describe('import boundaries', () => {
  it.each([
    ['libs/dispensing/src/application/x.handler.ts', '@rx/prescribing', /contexts talk only through/],
    ['libs/dispensing/src/application/x.handler.ts', '../../../prescribing/src/domain/x', /relative import into another library/],
    ['libs/dispensing/src/domain/x.decider.ts', '@nestjs/common', /domain code imports the package @nestjs\/common/],
    ['libs/dispensing/src/domain/x.decider.ts', '@rx/event-store', /domain code imports @rx\/event-store/],
    ['libs/dispensing/src/domain/x.decider.ts', '../application/y', /domain code imports outside domain/],
    ['libs/kernel/src/money.ts', '@rx/contracts', /shared library kernel may not import/],
    ['libs/event-store/src/x.ts', '@rx/settlement', /may not import @rx\/settlement/],
    ['apps/platform/src/main.ts', '@rx/prescribing/src/domain/x', /deep import/],
    ['libs/settlement/src/application/x.ts', '@rx/kernel/testing', /test helpers/],
    ['apps/platform/src/main.ts', '../../../dist/libs/x', /dist/],
  ])('%s importing %s is refused', (file, specifier, reason) => {
    expect(checkImport(file, specifier)).toMatch(reason);
  });

  it.each([
    ['libs/dispensing/src/domain/x.decider.ts', '@rx/kernel'],
    ['libs/dispensing/src/domain/x.decider.ts', '@rx/contracts'],
    ['libs/dispensing/src/domain/x.decider.ts', './events'],
    ['libs/dispensing/src/domain/x.decider.spec.ts', '@rx/kernel/testing'],
    ['libs/dispensing/src/application/x.handler.ts', '@nestjs/cqrs'],
    ['libs/runtime/src/x.ts', '@rx/messaging'],
    ['apps/platform/src/main.ts', '@rx/prescribing'],
  ])('%s importing %s is allowed', (file, specifier) => {
    expect(checkImport(file, specifier)).toBeNull();
  });

  it('finds imports on multi-line statements with their first line', () => {
    const found = importsOf("import {\n  a,\n  b,\n} from '@rx/prescribing';\nconst x = require('kafkajs');\nexport * from './y';\n");
    expect(found).toEqual([
      { line: 1, specifier: '@rx/prescribing' },
      { line: 5, specifier: 'kafkajs' },
      { line: 6, specifier: './y' },
    ]);
  });
});
