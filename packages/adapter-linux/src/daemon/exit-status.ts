// The exit statuses of `provision-linux`, and what a supervisor should do with each.

/**
 * Exit statuses of `provision-linux`. The systemd unit shipped in `systemd/provision.service` acts on
 * them: `CONFIG` and `ALREADY_RUNNING` are not restarted (a restart cannot fix them),
 * `REBOOT_FAILED` is always restarted (`RestartForceExitStatus=`), `FAILURE` is restarted by
 * `Restart=on-failure`.
 */
export const EXIT = {
  /** Done, or stopped by SIGTERM/SIGINT. */
  OK: 0,
  /** Any other failure (a command failed, the daemon could not start for a reason a restart may fix). */
  FAILURE: 1,
  /** Bad usage or configuration: fix the command line or the config file. */
  CONFIG: 2,
  /**
   * A factory reset wiped the device but every reboot request failed (no logind, `systemctl reboot`
   * refused). The daemon exits so that its supervisor starts it again on the wiped state, which is
   * what the reboot would have done for the provisioning state (R7.3).
   */
  REBOOT_FAILED: 3,
  /** Another daemon holds the lock on the same state directory; this one did nothing. */
  ALREADY_RUNNING: 4,
} as const;

/** One of the {@link EXIT} statuses. */
export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];
