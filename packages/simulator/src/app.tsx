import ansiEscapes from 'ansi-escapes';
import { Box, render, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useMemo, useRef, useState, type ReactElement, type ReactNode } from 'react';
import type { ProvisionConfig } from '@provision/core';
import { formatLine, NETWORK_MODES, SimDevice, type TimelineLine } from './device';
import { KeyHold } from './key-hold';
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
const HEADER_ROWS = 12;
const FOOTER_ROWS = 2;

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

function lineColor(l: TimelineLine): string | undefined {
  if (l.kind === 'action') return 'cyan';
  if (l.kind === 'led') return 'yellow';
  if (l.kind === 'sim') return 'magenta';
  if (l.event === 'reset' || l.event === 'error') return 'red';
  if (l.event === 'warning') return 'yellow';
  return undefined;
}

function Row(props: { label: string; children: ReactNode }): ReactElement {
  return (
    <Box>
      <Box width={13} flexShrink={0}>
        <Text dimColor>{props.label}</Text>
      </Box>
      <Text wrap="truncate">{props.children}</Text>
    </Box>
  );
}

function App(props: { dev: SimDevice; options: AppOptions }): ReactElement {
  const dev = props.dev;
  const { exit } = useApp();
  const size = useTerminalSize();
  const [, setFrame] = useState(0);
  // Keys can arrive faster than React re-renders, so what they change lives in a ref, read at once.
  const ui = useRef<{ mode: Mode; ssid: string; pass: string }>({ mode: 'keys', ssid: '', pass: '' });
  const log = useRef<TimelineLine[]>([]);
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
  const logRows = Math.max(1, size.rows - 1 - HEADER_ROWS - FOOTER_ROWS - 2);
  const shown = log.current.slice(-logRows);

  const { mode, ssid, pass } = ui.current;
  let footer: ReactNode;
  if (mode === 'ssid') footer = <Text color="cyan">Wi-Fi SSID: {ssid}█   (Enter: next · Esc: cancel)</Text>;
  else if (mode === 'passphrase') {
    footer = (
      <Text color="cyan">
        Passphrase for {ssid}: {'•'.repeat(pass.length)}█   (Enter: connect, empty for an open network · Esc: cancel)
      </Text>
    );
  } else if (mode === 'network') {
    footer = <Text color="cyan">Network answers: {NETWORK_MODES.map((m, i) => `${i + 1} ${m.label}`).join(' · ')} · Esc: cancel</Text>;
  } else {
    footer = (
      <Text dimColor>
        space/b hold button · B latch · w Wi-Fi · n network · s session · c cloud · d drop link · r reboot · f factory reset · 1/2/3
        speed · p pause · q quit
      </Text>
    );
  }

  return (
    <Box flexDirection="column" width={size.columns} height={Math.max(HEADER_ROWS + FOOTER_ROWS + 3, size.rows - 1)}>
      <Box borderStyle="round" borderColor="cyan" flexDirection="column" paddingX={1} flexShrink={0}>
        <Text wrap="truncate">
          <Text bold>provision simulator</Text> · boot #{s.boots} · t={formatTime(s.now).trim()} · speed ×{t.speed}
          {t.paused ? ' (paused)' : ''}
          {s.resetting ? <Text color="red"> · factory reset in progress</Text> : ''}
        </Text>
        <Row label="LED">
          <Text color={s.ledLit ? (pending ? 'yellowBright' : 'greenBright') : 'gray'}>{s.ledLit ? '●' : '○'}</Text>
          {s.ledLit ? ' lit   ' : ' dark  '}
          {describePattern(s.ledPattern)}
          {pending ? <Text color="yellow"> reset pending: keep holding</Text> : ''}
        </Row>
        <Row label="State">
          cur <Text bold>{stateLabel(s.cur)}</Text> · max <Text bold>{stateLabel(s.max)}</Text> ·{' '}
          {s.provisioned ? <Text color="green">provisioned</Text> : 'not provisioned'}
        </Row>
        <Row label="Wi-Fi">
          {s.wifiState}
          {s.ssid !== undefined ? ` · ssid ${JSON.stringify(s.ssid)}` : ' · no credentials'} · wifiConfigured {s.wifiConfigured ? 'yes' : 'no'}
        </Row>
        <Row label="Last failure">
          {s.lastFailure
            ? `${s.lastFailure.reason}${s.lastFailure.raw !== undefined ? ` (${s.lastFailure.raw})` : ''} at ${formatTime(s.lastFailure.at).trim()}`
            : 'none'}
        </Row>
        <Row label="Network">answers: {network ? network.label : s.network}</Row>
        <Row label="Session">{s.session}</Row>
        <Row label="Timeout">
          {s.timeoutRemaining !== undefined ? (
            <Text color={s.timeoutRemaining < 60000 ? 'red' : 'yellow'}>
              factory reset in {formatDuration(s.timeoutRemaining)} (of {s.timeoutMs / 1000} s)
            </Text>
          ) : (
            'not running'
          )}
        </Row>
        <Row label="Button">
          {s.buttonDown ? <Text color="yellow">DOWN</Text> : 'up'}
          {hold.isLatched() ? ' (latched with B)' : ''} · resets so far {s.resets}
          {s.buttonLatched ? ' · stuck-button latch set' : ''}
        </Row>
        <Row label="State file">{s.where}</Row>
      </Box>
      <Box borderStyle="single" borderColor="gray" flexDirection="column" paddingX={1} flexGrow={1} overflow="hidden">
        {shown.length === 0 ? <Text dimColor>(no events yet)</Text> : null}
        {shown.map((l, i) => (
          <Text key={`${log.current.length - shown.length + i}`} color={lineColor(l)} wrap="truncate">
            {formatLine(l)}
          </Text>
        ))}
      </Box>
      <Box paddingX={1} height={FOOTER_ROWS} flexShrink={0}>
        {footer}
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
