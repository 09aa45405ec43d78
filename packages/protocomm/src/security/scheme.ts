// What every security scheme provides on each side: the handshake, then the data cipher.
import type { SessionData } from '../gen/session_pb';

/** Security scheme numbers (`sec_ver`). */
export type SecurityVersion = 0 | 1 | 2;

/** The device's half of one security session. Created per session, destroyed when it ends. */
export interface SecurityServer {
  readonly version: SecurityVersion;
  /** True once the handshake completed: data endpoints are served only then. */
  readonly established: boolean;
  /**
   * Answer one `prov-session` message. Throws a {@link RequestFailure} (wrong proof, bad message,
   * wrong order): the transport then closes the connection.
   */
  handshake(request: SessionData): SessionData;
  /** Decrypt a request body (in place is not allowed: returns new bytes). */
  decrypt(data: Uint8Array): Uint8Array;
  /** Encrypt a response body. */
  encrypt(data: Uint8Array): Uint8Array;
  /** Zero the key material; the session is unusable afterwards. */
  destroy(): void;
}

/** The client's half of one security session. */
export interface SecurityClient {
  readonly version: SecurityVersion;
  /** The first `prov-session` message. */
  start(): SessionData;
  /** The device's answer; returns the next message to send, or undefined when established. Throws on failure. */
  next(response: SessionData): SessionData | undefined;
  encrypt(data: Uint8Array): Uint8Array;
  decrypt(data: Uint8Array): Uint8Array;
  destroy(): void;
}
