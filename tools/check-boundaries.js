#!/usr/bin/env node
/**
 * Import boundaries (style.md §10): contexts never import each other; domain code imports no
 * framework or infrastructure; shared libraries never reach up into a context or the runtime.
 * Exits 1 listing every violation as file:line.
 */
const fs = require('fs');
const path = require('path');

const CONTEXTS = ['prescribing', 'dispensing', 'settlement', 'audit'];
/** What each shared library may import from @rx/*. */
const SHARED_ALLOWED = {
  kernel: [],
  contracts: ['kernel'],
  'reference-data': ['kernel'],
  'event-store': ['kernel'],
  messaging: ['kernel', 'contracts', 'event-store'],
  auth: ['kernel'],
  runtime: ['kernel', 'contracts', 'event-store', 'messaging', 'auth', 'reference-data'],
};
/** Packages pure domain code may use: types and helpers without I/O or framework. */
const DOMAIN_ALLOWED_RX = ['kernel', 'contracts', 'reference-data'];
const DOMAIN_ALLOWED_PACKAGES = ['node:crypto'];

function libOf(file) {
  const m = /^(libs|apps)\/([^/]+)\//.exec(file);
  return m ? { area: m[1], name: m[2] } : null;
}

/** Returns a reason string when `specifier` imported from `file` (repo-relative) breaks a rule. */
function checkImport(file, specifier) {
  const from = libOf(file);
  if (!from) return null;
  if (/(^|\/)dist\//.test(specifier)) return `deep import from dist: ${specifier}`;

  let target = null; // { kind: 'rx', name, deep } | { kind: 'relative', lib, area } | { kind: 'package', name }
  const rx = /^@rx\/([^/]+)(\/.*)?$/.exec(specifier);
  if (rx) target = { kind: 'rx', name: rx[1], deep: rx[2] ?? '' };
  else if (specifier.startsWith('.')) {
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
    const to = libOf(resolved + '/');
    if (to && (to.area !== from.area || to.name !== from.name)) {
      return `relative import into another library (${to.area}/${to.name}); use its @rx alias: ${specifier}`;
    }
    const isDomain = /\/src\/domain\//.test(file);
    if (isDomain && !/\/src\/domain\//.test(resolved + '/') && !/\.spec$/.test(resolved)) {
      return `domain code imports outside domain/ (${resolved})`;
    }
    return null;
  } else target = { kind: 'package', name: specifier };

  const isTestFile = /\.(spec|int-spec|e2e-spec|kafka-spec)\.ts$/.test(file) || /\/testing\//.test(file);
  if (target.kind === 'rx') {
    if (target.deep && target.deep !== '/testing') return `deep import into @rx/${target.name}${target.deep}; import the library's index`;
    if (target.deep === '/testing' && !isTestFile) return `test helpers (@rx/${target.name}/testing) imported from production code`;
  }

  if (from.area === 'libs' && CONTEXTS.includes(from.name)) {
    if (target.kind === 'rx' && CONTEXTS.includes(target.name) && target.name !== from.name) {
      return `context ${from.name} imports context ${target.name}; contexts talk only through @rx/contracts events`;
    }
    if (/\/src\/domain\//.test(file) && !isTestFile) {
      if (target.kind === 'rx' && !DOMAIN_ALLOWED_RX.includes(target.name)) return `domain code imports @rx/${target.name}`;
      if (target.kind === 'package' && !DOMAIN_ALLOWED_PACKAGES.includes(target.name)) return `domain code imports the package ${target.name}`;
    }
    if (/\/src\/domain\//.test(file) && isTestFile && target.kind === 'package' && /^@nestjs\//.test(target.name)) {
      return `domain spec imports ${target.name}`;
    }
  } else if (from.area === 'libs' && SHARED_ALLOWED[from.name] && target.kind === 'rx' && target.name !== from.name) {
    if (!SHARED_ALLOWED[from.name].includes(target.name) && !(isTestFile && target.deep === '/testing')) {
      return `shared library ${from.name} may not import @rx/${target.name}`;
    }
  }
  return null;
}

const IMPORT_RE = /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\s)import\s+['"]([^'"]+)['"]|\brequire\(\s*['"]([^'"]+)['"]\s*\)|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(source) {
  const found = [];
  const lines = source.split('\n');
  let inImport = null;
  for (let i = 0; i < lines.length; i++) {
    // Multi-line imports: remember where the statement started so the line number is useful.
    const text = inImport ? inImport.text + ' ' + lines[i] : lines[i];
    const start = inImport ? inImport.line : i + 1;
    if (/^\s*(import|export)\b/.test(text) && !/['"][^'"]+['"]\s*;?\s*$/.test(text) && !/^\s*export\s+(const|function|class|interface|type|default|abstract|enum|async|let)\b/.test(text)) {
      inImport = { text, line: start };
      continue;
    }
    inImport = null;
    for (const m of text.matchAll(IMPORT_RE)) found.push({ line: start, specifier: m[1] ?? m[2] ?? m[3] ?? m[4] });
  }
  return found;
}

function walk(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

function main(root = path.join(__dirname, '..')) {
  const violations = [];
  let count = 0;
  for (const top of ['libs', 'apps']) {
    for (const abs of walk(path.join(root, top))) {
      const file = path.relative(root, abs).split(path.sep).join('/');
      count++;
      for (const { line, specifier } of importsOf(fs.readFileSync(abs, 'utf8'))) {
        const reason = checkImport(file, specifier);
        if (reason) violations.push(`${file}:${line}: ${reason}`);
      }
    }
  }
  if (violations.length > 0) {
    process.stderr.write(`Import boundary violations (${violations.length}):\n${violations.map((v) => `  ${v}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`import boundaries: ${count} files checked, no violations\n`);
}

module.exports = { checkImport, importsOf };
if (require.main === module) main();
