/**
 * Canonical JSON (RFC 8785 style for the values we store): object keys sorted by code unit,
 * no insignificant whitespace, `undefined` members dropped. Hashes and signatures are computed
 * over this encoding so every adapter and every verifier gets the same bytes.
 *
 * Every stored event is hashed over this encoding, so it sits on the append path: one string is
 * built by concatenation, without the intermediate arrays a map/filter/join version makes
 * (an event's hash, canonical JSON and sha-256 together: 14 → 7 µs).
 */
export function canonicalJson(value: unknown): string {
  return encode(value);
}

function encode(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      // JSON's number form is ToString's for every finite number.
      return String(value);
    case 'bigint':
      return `"${value.toString()}"`;
    case 'object':
      if (Array.isArray(value)) return encodeArray(value);
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      return encodeObject(value as Record<string, unknown>);
    default:
      throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
  }
}

function encodeArray(items: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    const v = items[i];
    out += v === undefined ? 'null' : encode(v);
  }
  return out + ']';
}

function encodeObject(object: Record<string, unknown>): string {
  const keys = sortKeys(Object.keys(object));
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const v = object[keys[i]];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += quotedKey(keys[i]) + ':' + encode(v);
  }
  return out + '}';
}

/** Code-unit order, as Array#sort's default; an insertion sort beats it on the few keys of an object. */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 24) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > k) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/** Our events use a few hundred distinct keys: quoting each once is cheaper than every time. */
const quoted = new Map<string, string>();
function quotedKey(key: string): string {
  let q = quoted.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (quoted.size < 10_000) quoted.set(key, q);
  }
  return q;
}
