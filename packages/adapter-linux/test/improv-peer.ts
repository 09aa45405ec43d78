// The Improv peer of the daemon tests: the Improv package's own socat PTY pair and reference client (improv-wifi-serial-sdk) behind a Web-Serial shim.
export * from '../../improv/test/pty';
