// The shipped systemd unit: valid, and its restart rules match the daemon's exit statuses and paths.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUNTIME_DIR } from '../src/daemon/control';
import { EXIT } from '../src/daemon/exit-status';
import { DEFAULT_STATE_DIR } from '../src/storage';

const unit = path.resolve(__dirname, '..', 'systemd', 'provision.service');
const text = readFileSync(unit, 'utf8');
const values = (key: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .flatMap((l) => l.slice(key.length + 1).split(/\s+/));

describe('systemd unit', () => {
  it('restarts on exit 3 (reboot failed), never on 2 (configuration) or 4 (already running)', () => {
    expect(values('RestartForceExitStatus')).toEqual([String(EXIT.REBOOT_FAILED)]);
    expect(values('RestartPreventExitStatus').sort()).toEqual([String(EXIT.CONFIG), String(EXIT.ALREADY_RUNNING)].sort());
    expect(values('Restart')).toEqual(['on-failure']);
  });

  it('gives the daemon its default directories, 0700', () => {
    expect(`/run/${values('RuntimeDirectory')[0]}`).toBe(DEFAULT_RUNTIME_DIR);
    expect(`/var/lib/${values('StateDirectory')[0]}`).toBe(DEFAULT_STATE_DIR);
    expect(values('RuntimeDirectoryMode')).toEqual(['0700']);
    expect(values('StateDirectoryMode')).toEqual(['0700']);
  });

  const noAnalyze = existsSync('/usr/bin/systemd-analyze') ? undefined : 'systemd-analyze is not installed';
  it.skipIf(noAnalyze)(`systemd-analyze verify finds nothing to say${noAnalyze ? ` — skipped: ${noAnalyze}` : ''}`, () => {
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
