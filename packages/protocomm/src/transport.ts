// What a transport is: something that carries requests to a Protocomm core and its replies back.
import type { Protocomm } from './protocomm';

/**
 * A transport (HTTP, console, a TCP server on an ESP-AT module, ...). It turns its framing into
 * `protocomm.handleRequest(endpoint, sessionId, body)` calls and delivers the {@link Reply}: the body,
 * then `afterReply` once the bytes have been written and flushed; or a closed connection.
 */
export interface ProtocommTransport {
  /** A short name for logs, e.g. `http 0.0.0.0:80`. */
  readonly name: string;
  /** Start serving `protocomm`. */
  start(protocomm: Protocomm): void | Promise<void>;
  /** Stop serving and close connections. */
  stop(): void | Promise<void>;
}
