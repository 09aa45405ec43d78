import ansiEscapes from 'ansi-escapes';
import { Box, render, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import type { ProvisionConfig } from '@provision/core';
import { describeBadCredentials } from './bad-credentials';
import { NETWORK_MODES, SimDevice, type TimelineLine } from './device';
import { KeyHold } from './key-hold';
import { flow, type Item, type Line, type Span } from './layout';
import { entryRows, scrollBy, visibleLog, type LogView } from './log-view';
import { describePattern, formatDuration, formatTime, stateLabel } from './names';
import type { StateStore } from './state-file';

/** Options for {@link runApp}. */
export interface AppOptions {
  store: StateStore;
  config?: ProvisionConfig;
  /** Initial speed of simulated time. */
  speed: 1 | 10 | 100;
  /** The button-hold auto-repeat window, real ms. */
  repeatMs: number;
}

type Mode = 'keys' | 'ssid' | 'passphrase' | 'network';

/** Real milliseconds between screen updates (and clock advances). */
const TICK_MS = 40;
const LOG_LIMIT = 500;

/** The widths the screen lays text out at, from the terminal's columns. */
function layoutFor(columns: number): { inner: number; content: number; log: number; footer: number } {
  const cols = Math.max(40, columns);
  // Rounded border and one column of padding each side; the log box the same; the footer padding only.
  const inner = cols - 4;
  return { inner: inner, content: inner - LABEL_WIDTH, log: cols - 4, footer: cols - 2 };
}

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = (): { columns: number; rows: number } => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = (): void => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

/** The label column of the status rows. */
const LABEL_WIDTH = 13;

/** One laid-out line, its runs in their styles. */
function Styled(props: { line: Line }): ReactElement {
  return (
    <Text wrap="truncate">
      {props.line.map((sp, i) => (
        <Text key={i} color={sp.color} bold={sp.bold} dimColor={sp.dim}>
          {sp.text}
        </Text>
      ))}
    </Text>
  );
}

/** A status row: the label, then its items flowed over as many lines as they need. */
function Row(props: { label: string; lines: Line[] }): ReactElement {
  return (
    <Box>
      <Box width={LABEL_WIDTH} flexShrink={0}>
        <Text dimColor>{props.label}</Text>
      </Box>
      <Box flexDirection="column">
        {props.lines.map((l, i) => (
          <Styled key={i} line={l} />
        ))}
      </Box>
    </Box>
  );
}

/** A plain item in one style. */
function item(text: string, style: Omit<Span, 'text'> = {}): Item {
  return [{ ...style, text: text }];
}

/** A key and what it does, for the footer: the key bold, the words dimmed. */
function keyItem(key: string, does: string): Item {
  return [
    { text: key, bold: true },
    { text: ` ${does}`, dim: true },
  ];
}

/** The footer's key list, in the order a newcomer needs them. */
const KEY_ITEMS: Item[] = [
  keyItem('space/b', 'button'),
  keyItem('B', 'latch'),
  keyItem('w', 'Wi-Fi'),
  keyItem('n', 'network'),
  keyItem('s', 'session'),
  keyItem('c', 'cloud'),
  keyItem('d', 'drop'),
  keyItem('r', 'reboot'),
  keyItem('f', 'reset'),
  keyItem('1/2/3', 'speed'),
  keyItem('p', 'pause'),
  keyItem('↑↓ PgUp PgDn', 'scroll log'),
  keyItem('q', 'quit'),
];

function App(props: { dev: SimDevice; options: AppOptions }): ReactElement {
  const dev = props.dev;
  const { exit } = useApp();
  const size = useTerminalSize();
  const [, setFrame] = useState(0);
  // Keys can arrive faster than React re-renders, so what they change lives in a ref, read at once.
  const ui = useRef<{ mode: Mode; ssid: string; pass: string }>({ mode: 'keys', ssid: '', pass: '' });
  const log = useRef<TimelineLine[]>([]);
  const view = useRef<LogView>({ scroll: 0, logWidth: layoutFor(size.columns).log, page: 1 });
  const time = useRef({ speed: props.options.speed as number, paused: false, last: performance.now(), carry: 0 });

  // Catch simulated time up with real time × speed. Called every tick and before every key is handled,
  // so what a key does happens at the simulated instant it was pressed.
  const sync = (): void => {
    const t = time.current;
    const now = performance.now();
    if (!t.paused) {
      t.carry += (now - t.last) * t.speed;
      const ms = Math.floor(t.carry);
      t.carry -= ms;
      dev.advance(ms);
    }
    t.last = now;
  };
  const note = (text: string): void => {
    log.current.push({ at: dev.clock.now(), kind: 'sim', text: text });
  };

  const hold = useMemo(
    () =>
      new KeyHold(
        {
          press: () => {
            sync();
            dev.press();
            setFrame((f) => f + 1);
          },
          release: () => {
            sync();
            dev.release();
            setFrame((f) => f + 1);
          },
        },
        props.options.repeatMs,
        { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
      ),
    [dev],
  );

  useEffect(() => {
    const off = dev.onLine((l) => {
      log.current.push(l);
      // Scrolled back: the window stays on what it shows while new lines arrive below.
      if (view.current.scroll > 0) view.current.scroll += entryRows(l, view.current.logWidth).length;
      if (log.current.length > LOG_LIMIT) log.current.splice(0, log.current.length - LOG_LIMIT);
    });
    dev.boot();
    time.current.last = performance.now();
    const timer = setInterval(() => {
      sync();
      setFrame((f) => f + 1);
    }, TICK_MS);
    return () => {
      clearInterval(timer);
      hold.dispose();
      off();
    };
  }, [dev]);

  useInput((input, key) => {
    sync();
    if (key.ctrl && input === 'c') {
      exit();
      return;
    }
    const u = ui.current;
    if (u.mode === 'ssid' || u.mode === 'passphrase') {
      const field = u.mode === 'ssid' ? 'ssid' : 'pass';
      if (key.escape) u.mode = 'keys';
      else if (key.return) {
        if (u.mode === 'ssid') {
          if (u.ssid.length > 0) {
            u.pass = '';
            u.mode = 'passphrase';
          }
        } else {
          u.mode = 'keys';
          void dev.configureWifi(u.ssid, u.pass);
        }
      } else if (key.backspace || key.delete) u[field] = u[field].slice(0, -1);
      else if (!key.ctrl && !key.meta && input) u[field] += input;
    } else if (u.mode === 'network') {
      const i = Number(input) - 1;
      if (key.escape) u.mode = 'keys';
      else if (i >= 0 && i < NETWORK_MODES.length) {
        dev.setNetwork(NETWORK_MODES[i].mode);
        u.mode = 'keys';
      }
    } else if (key.upArrow || key.downArrow || key.pageUp || key.pageDown || key.home || key.end) {
      const v = view.current;
      if (key.upArrow) scrollBy(v, 1);
      else if (key.downArrow) scrollBy(v, -1);
      else if (key.pageUp) scrollBy(v, Math.max(1, v.page - 1));
      else if (key.pageDown) scrollBy(v, -Math.max(1, v.page - 1));
      else if (key.home) v.scroll = Number.MAX_SAFE_INTEGER;
      else v.scroll = 0;
    } else {
      const chars = [...input];
      for (let k = 0; k < chars.length; k++) {
        const ch = chars[k];
        const t = time.current;
        if (ch === ' ' || ch === 'b') hold.key();
        else if (ch === 'B') hold.toggle();
        else if (ch === 'w') {
          u.ssid = '';
          u.mode = 'ssid';
        } else if (ch === 'n') u.mode = 'network';
        else if (ch === 's') dev.toggleSession();
        else if (ch === 'c') dev.cloud();
        else if (ch === 'd') dev.dropLink('other');
        else if (ch === 'r') dev.reboot();
        else if (ch === 'f') dev.factoryReset();
        else if (ch === '1' || ch === '2' || ch === '3') {
          t.speed = ch === '1' ? 1 : ch === '2' ? 10 : 100;
          note(`speed ×${t.speed}`);
        } else if (ch === 'p') {
          t.paused = !t.paused;
          note(t.paused ? 'paused' : 'resumed');
        } else if (ch === 'q') {
          exit();
          return;
        }
        // A key that opened a text prompt hands the rest of the chunk to it.
        if (u.mode === 'ssid') {
          u.ssid = chars.slice(k + 1).join('');
          break;
        }
        if (u.mode !== 'keys') break;
      }
    }
    setFrame((f) => f + 1);
  });

  const s = dev.snapshot();
  const t = time.current;
  const pending = s.ledPattern.on === 100 && s.ledPattern.off === 100;
  const network = NETWORK_MODES.find((m) => m.mode === s.network);
  const L = layoutFor(size.columns);
  view.current.logWidth = L.log;

  const title = flow(
    [
      item('provision simulator', { bold: true }),
      item(`boot #${s.boots}`),
      item(`t=${formatTime(s.now).trim()}`),
      item(`speed ×${t.speed}${t.paused ? ' (paused)' : ''}`),
      s.resetting ? item('factory reset in progress', { color: 'red' }) : [],
    ],
    L.inner,
  );
  const failure: Item[] = [
    item(
      s.lastFailure
        ? `${s.lastFailure.reason}${s.lastFailure.raw !== undefined ? ` (${s.lastFailure.raw})` : ''} at ${formatTime(s.lastFailure.at).trim()}`
        : 'none',
    ),
  ];
  if (s.badCredentials) failure.push(item(describeBadCredentials(s.badCredentials), { color: s.badCredentials.count + 1 >= s.badCredentials.limit ? 'red' : 'yellow' }));
  const rows: { label: string; items: Item[] }[] = [
    {
      label: 'LED',
      items: [
        [
          { text: s.ledLit ? '●' : '○', color: s.ledLit ? (pending ? 'yellowBright' : 'greenBright') : 'gray' },
          { text: `${s.ledLit ? ' lit   ' : ' dark  '}${describePattern(s.ledPattern)}` },
        ],
        pending ? item('reset pending: keep holding', { color: 'yellow' }) : [],
      ],
    },
    {
      label: 'State',
      // Provisioned or not first: it is what a glance is for.
      items: [
        s.provisioned ? item('provisioned', { color: 'green' }) : item('not provisioned'),
        [{ text: 'cur ' }, { text: stateLabel(s.cur), bold: true }],
        [{ text: 'max ' }, { text: stateLabel(s.max), bold: true }],
      ],
    },
    {
      label: 'Wi-Fi',
      items: [item(s.wifiState), item(s.ssid !== undefined ? `ssid ${JSON.stringify(s.ssid)}` : 'no credentials'), item(`wifiConfigured ${s.wifiConfigured ? 'yes' : 'no'}`)],
    },
    { label: 'Last failure', items: failure },
    { label: 'Network', items: [item(`answers: ${network ? network.label : s.network}`)] },
    { label: 'Session', items: [item(s.session)] },
    {
      label: 'Timeout',
      items: [
        s.timeoutRemaining !== undefined
          ? item(`factory reset in ${formatDuration(s.timeoutRemaining)} (of ${s.timeoutMs / 1000} s)`, { color: s.timeoutRemaining < 60000 ? 'red' : 'yellow' })
          : item('not running'),
      ],
    },
    {
      label: 'Button',
      items: [
        s.buttonDown ? item('DOWN', { color: 'yellow' }) : item('up'),
        hold.isLatched() ? item('(latched with B)') : [],
        item(`resets so far ${s.resets}`),
        s.buttonLatched ? item('stuck-button latch set') : [],
      ],
    },
    { label: 'State file', items: [item(s.where)] },
  ];
  const rowLines = rows.map((r) => ({ label: r.label, lines: flow(r.items, L.content) }));
  const headerHeight = 2 + title.length + rowLines.reduce((n, r) => n + Math.max(1, r.lines.length), 0);

  const { mode, ssid, pass } = ui.current;
  let footerItems: Item[];
  if (mode === 'ssid') footerItems = [item(`Wi-Fi SSID: ${ssid}█`, { color: 'cyan' }), keyItem('Enter', 'next'), keyItem('Esc', 'cancel')];
  else if (mode === 'passphrase') {
    footerItems = [
      item(`Passphrase for ${ssid}: ${'•'.repeat(pass.length)}█`, { color: 'cyan' }),
      item('8 to 63 characters, 64 hex digits, or empty for an open network', { dim: true }),
      keyItem('Enter', 'connect'),
      keyItem('Esc', 'cancel'),
    ];
  } else if (mode === 'network') {
    // The prompt's words go with its first choice, so they never end a line alone.
    footerItems = NETWORK_MODES.map((m, i) => keyItem(String(i + 1), m.label));
    footerItems[0] = [{ text: 'Network answers: ', color: 'cyan' }, ...footerItems[0]];
    footerItems.push(keyItem('Esc', 'cancel'));
  } else footerItems = KEY_ITEMS;
  const footer = flow(footerItems, L.footer);

  const height = Math.max(headerHeight + footer.length + 3, size.rows - 1);
  const logRows = Math.max(1, height - headerHeight - footer.length - 2);
  const shown = visibleLog(log.current, view.current, L.log, logRows);

  return (
    <Box flexDirection="column" width={size.columns} height={height}>
      <Box borderStyle="round" borderColor="cyan" flexDirection="column" paddingX={1} flexShrink={0}>
        {title.map((l, i) => (
          <Styled key={i} line={l} />
        ))}
        {rowLines.map((r) => (
          <Row key={r.label} label={r.label} lines={r.lines} />
        ))}
      </Box>
      <Box borderStyle="single" borderColor="gray" flexDirection="column" paddingX={1} flexGrow={1} overflow="hidden">
        {log.current.length === 0 ? <Text dimColor>(no events yet)</Text> : null}
        {shown.rows.map((r, i) => (
          <Text key={i} color={r.color} wrap="truncate">
            {r.text}
          </Text>
        ))}
        {shown.below > 0 ? (
          <Text color="cyan" wrap="truncate">
            ↓ {shown.below} newer line{shown.below === 1 ? '' : 's'} below · End: follow
          </Text>
        ) : null}
      </Box>
      <Box flexDirection="column" paddingX={1} flexShrink={0}>
        {footer.map((l, i) => (
          <Styled key={i} line={l} />
        ))}
      </Box>
    </Box>
  );
}

/**
 * Run the live screen until the user quits: a {@link SimDevice} on the given store, its simulated
 * clock advanced by real elapsed time × speed. Draws on the terminal's alternate screen and restores
 * the normal one on exit.
 *
 * @example
 * ```ts
 * await runApp({ store: createFileStore(defaultStatePath()), speed: 1, repeatMs: 600 });
 * ```
 */
export async function runApp(options: AppOptions): Promise<void> {
  const dev = new SimDevice({ store: options.store, config: options.config });
  process.stdout.write(ansiEscapes.enterAlternativeScreen);
  const app = render(<App dev={dev} options={options} />, { exitOnCtrlC: false, maxFps: 30 });
  try {
    await app.waitUntilExit();
  } finally {
    dev.dispose();
    process.stdout.write(ansiEscapes.exitAlternativeScreen);
  }
  const s = dev.snapshot();
  process.stdout.write(
    `provision-sim: quit at t=${formatTime(s.now).trim()} with state ${stateLabel(s.cur)}, max ${stateLabel(s.max)}; state kept in ${s.where}\n`,
  );
}
