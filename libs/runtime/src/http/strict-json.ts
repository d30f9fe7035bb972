/**
 * Checks JSON text before it is parsed: nesting deeper than `maxDepth`, or an object naming a key
 * twice, is refused. JSON.parse keeps the last of two equal keys without a word, so a body could
 * say one thing to a log or a proxy and another to the platform; and ten thousand nested arrays
 * parse fine but then overflow the stack of every recursive walker after (validation, hashing).
 * One pass over the text, strings skipped by their quotes; only keys with escapes are decoded.
 */
export type JsonTextProblem = { code: 'JSON_TOO_DEEP'; message: string } | { code: 'JSON_DUPLICATE_KEY'; message: string };

export function checkJsonText(text: string, maxDepth: number): JsonTextProblem | undefined {
  // Per open container: the keys seen, or null for an array.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const raw = text.slice(start + 1, i);
        let key = raw;
        if (escaped) {
          try {
            key = JSON.parse(text.slice(start, i + 1)) as string;
          } catch {
            return undefined; // malformed: JSON.parse reports it
          }
        }
        if (top.has(key)) return { code: 'JSON_DUPLICATE_KEY', message: `duplicate key ${JSON.stringify(key)} in a JSON object` };
        top.add(key);
        expectKey = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) return { code: 'JSON_TOO_DEEP', message: `JSON nested deeper than ${maxDepth} levels` };
      stack.push(c === 0x7b ? new Set() : null);
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return undefined;
}
