/** Parsed command-line options. */
export interface CliOptions {
  help: boolean;
  script?: string;
  state?: string;
  fresh: boolean;
  config?: string;
  speed: 1 | 10 | 100;
  repeatMs: number;
}

/** A command line that makes no sense; the message says why. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Parse the simulator's arguments (without `node` and the script path).
 *
 * @throws {@link UsageError} for an unknown flag or a missing or bad value.
 *
 * @example
 * ```ts
 * parseArgs(['--script', 'scripts/long-press-reset.sim']).script; // "scripts/long-press-reset.sim"
 * ```
 */
export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { help: false, fresh: false, speed: 1, repeatMs: 600 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--':
        // `pnpm start -- --fresh` passes the separator through.
        break;
      case '-h':
      case '--help':
        o.help = true;
        break;
      case '--script':
        o.script = value();
        break;
      case '--state':
        o.state = value();
        break;
      case '--config':
        o.config = value();
        break;
      case '--fresh':
        o.fresh = true;
        break;
      case '--speed': {
        const v = value();
        if (v !== '1' && v !== '10' && v !== '100') throw new UsageError(`--speed takes 1, 10 or 100, got ${JSON.stringify(v)}`);
        o.speed = Number(v) as 1 | 10 | 100;
        break;
      }
      case '--repeat-ms': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 100 || Number(v) > 5000) throw new UsageError(`--repeat-ms takes milliseconds from 100 to 5000, got ${JSON.stringify(v)}`);
        o.repeatMs = Number(v);
        break;
      }
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(arg)} (see --help)`);
    }
  }
  return o;
}

/** The `--help` text. */
export const HELP = `provision-sim: a simulated provisioning device, running the real @provision/core.

Usage:
  pnpm start [-- OPTIONS]          (from the repository root)
  provision-sim [OPTIONS]

With no --script, a full-screen terminal app shows the device live: the LED (● lit, ○ dark) at its real
blink pattern, the provisioning state (cur/max with names), wifiConfigured, the provisioning timeout
counting down, the provisioning session, the Wi-Fi state and its last failure, and every provisioner
event in a log stamped with simulated time.

Keys:
  space, b    hold the reset button. Terminals report no key-up, so the button stays down while the
              key's auto-repeat keeps arriving (each repeat within the --repeat-ms window) and goes up
              when it stops. A long press (5 s, 50 ms debounce) factory-resets; the LED blinks every
              100 ms while a hold is pending.
  B           latch the button down / up (for terminals without auto-repeat)
  w           enter Wi-Fi credentials (SSID, then passphrase; the passphrase is masked)
  n           choose how the simulated network answers: connects, wrong password, no such network,
              flaky, fails (other)
  s           start / stop a provisioning session
  c           the app reached its cloud (setCurState(3))
  d           the Wi-Fi link drops
  r           reboot (power cycle)
  f           factory reset (cause app)
  1  2  3     simulated time at ×1, ×10, ×100 (to watch the 300 s timeout fire)
  p           pause / resume simulated time
  ↑ ↓         scroll the event log a line; PgUp PgDn a page; End follows new events again
  q, Ctrl-C   quit
  Esc         cancel a prompt

Options:
  --script FILE     run a scenario script without the screen and print its timeline (see below);
                    exit 0 when every expect held, 1 when one failed, 2 for a bad script or option
  --state FILE      the state file (default: $XDG_STATE_HOME/provision-sim/state.json, else
                    ~/.local/state/provision-sim/state.json, else in the system temp directory).
                    With --script, state is kept in memory unless --state is given.
  --fresh           start factory-new (forget the state file)
  --config FILE     JSON provisioner configuration merged over the simulator's
                    ({"stableState":3,"timeoutMs":300000,"button":{"holdMs":5000,"debounceMs":50}})
  --speed N         start at ×1, ×10 or ×100 (default 1)
  --repeat-ms MS    the button-hold auto-repeat window (default 600)
  -h, --help        this text

The state file keeps what the device's flash would: the provisioning record, the reset journal, and
the Wi-Fi credentials the simulated radio stored. It is replaced atomically (temporary file, then
rename) on every change. Nothing else is kept: the network's answer mode starts at "connects".

Scripts: one command per line, # starts a comment. Durations take a unit: 250ms, 5s, 1.5s, 2m.
  wifi connect SSID ["PASS PHRASE"]   type credentials into the device (configureSta)
  network MODE                        connect | wrong-password | no-such-network | flaky | other
  wait DURATION                       let simulated time pass
  press / release                     the reset button down / up
  hold DURATION                       press, wait, release
  cloud                               setCurState(3)
  state N                             setCurState(N) (an app step)
  session start|stop|retry            the provisioning session (retry = resetOnFailure)
  drop [auth-error|ap-not-found|other]  the Wi-Fi link drops
  reboot                              power cycle
  reset                               factory reset (cause app)
  expect WHAT VALUE                   stop with exit 1 unless it holds; WHAT is one of
      state N | max N | wifi connecting|connected|disconnected|attempt-failed
      reason auth-error|ap-not-found|other|none | session idle|started|cred-recv|fail|success
      led solid-on|solid-off|blink ON/OFF | wifi-configured yes|no | provisioned yes|no
      credentials stored|none | timeout armed|off | boots N
      last-reset button|timeout|bad-credentials|app|none
      bad-credentials N|off (failures counted towards the R8.2 reset; off when none count)

The simulated device: Wi-Fi joins take 2 s and failed joins retry every 5 s; three wrong-password or
no-such-network failures in a row before the first good connection factory-reset it (R8.2); a factory
reset reboots it 100 ms later; the provisioning timeout is 300 s.
`;
