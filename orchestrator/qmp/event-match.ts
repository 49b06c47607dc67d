/**
 * Sub-object matching as QEMU's own test tooling does it: every key of `pattern`
 * must be present in `actual` with a matching value; objects match recursively,
 * everything else by strict equality (arrays element by element).
 */
export function matchesPattern(actual: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    return (
      Array.isArray(actual) &&
      actual.length === pattern.length &&
      pattern.every((item, index) => matchesPattern(actual[index], item))
    );
  }
  if (pattern !== null && typeof pattern === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const record = actual as Record<string, unknown>;
    return Object.entries(pattern as Record<string, unknown>).every(
      ([key, value]) => key in record && matchesPattern(record[key], value),
    );
  }
  return actual === pattern;
}
