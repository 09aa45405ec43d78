// A short, secret-free description of a thrown value for log lines.

/** The message of an Error, or the value as a string. */
export function describeError(e: unknown): string {
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  return String(e);
}
