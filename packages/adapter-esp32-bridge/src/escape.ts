/**
 * Quote a string argument for an AT command: wrap it in `"` and escape `,` `"` and `\` with `\`, as
 * ESP-AT requires (e.g. SSID `ab\,c` → `"ab\\\,c"`).
 *
 * @example
 * ```ts
 * atQuote('my "home", 2.4'); // → "my \"home\"\, 2.4" (with the surrounding quotes)
 * ```
 */
export function atQuote(value: string): string {
  return '"' + value.replace(/[\\",]/g, (c) => '\\' + c) + '"';
}

/**
 * Split the argument list of an AT command (the part after `=`) into raw values, honouring quotes and
 * `\` escapes. Quoted values are returned unescaped and without quotes; empty positions are `undefined`.
 *
 * @example
 * ```ts
 * splitAtArgs('"ab\\,c","pw",,3'); // → ['ab,c', 'pw', undefined, '3']
 * ```
 */
export function splitAtArgs(args: string): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  let cur = '';
  let quoted = false;
  let inQuotes = false;
  let touched = false;
  for (let i = 0; i < args.length; i++) {
    const c = args[i]!;
    if (inQuotes) {
      if (c === '\\' && i + 1 < args.length) {
        cur += args[++i];
      } else if (c === '"') {
        inQuotes = false;
      } else {
        cur += c;
      }
    } else if (c === '"') {
      inQuotes = true;
      quoted = true;
      touched = true;
    } else if (c === ',') {
      out.push(touched ? cur : undefined);
      cur = '';
      quoted = false;
      touched = false;
    } else {
      cur += c;
      touched = true;
    }
  }
  if (inQuotes) throw new Error('unterminated quoted argument');
  out.push(touched || quoted ? cur : undefined);
  return out;
}
