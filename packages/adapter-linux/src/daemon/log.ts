/** Keys whose values are secrets and must never reach a log line (R10.3). */
const SECRET_KEYS = /^(passphrase|psk|password|secret|key)$/i;

function scrub(value: unknown, depth: number): unknown {
  if (depth > 6) return '[deep]';
  if (value instanceof Error) {
    const out: Record<string, unknown> = { message: value.message };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'function') continue;
      out[k] = SECRET_KEYS.test(k) ? '[redacted]' : scrub(v, depth + 1);
    }
    return out;
  }
  return value;
}

/**
 * One log line: `{"t":"<ISO time>","event":"<name>",...fields}` with secrets removed. journald keeps
 * one entry per line.
 */
export function logLine(event: string, fields: object = {}, now: Date = new Date()): string {
  return JSON.stringify({ t: now.toISOString(), event, ...(scrub(fields, 0) as object) });
}

/** A logger writing one JSON line per event. */
export type Logger = (event: string, fields?: object) => void;

/** Log to a stream (stdout by default). */
export function streamLogger(write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  return (event, fields) => write(`${logLine(event, fields)}\n`);
}
