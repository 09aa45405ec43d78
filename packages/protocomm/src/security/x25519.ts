// Raw 32-byte X25519 keys (RFC 7748) as node:crypto KeyObjects: the wire carries raw keys, Node wants DER.
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** An X25519 key pair from 32 raw private bytes (clamping is X25519's own). */
export function x25519KeyPair(privateRaw: Uint8Array): { privateKey: KeyObject; publicRaw: Uint8Array } {
  const der = Buffer.concat([PKCS8_PREFIX, privateRaw]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return { privateKey, publicRaw: new Uint8Array(Buffer.from(jwk.x as string, 'base64url')) };
}

/** The shared secret with a peer's raw public key. Throws for a key of small order (all-zero secret). */
export function x25519Shared(privateKey: KeyObject, peerRaw: Uint8Array): Uint8Array {
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, peerRaw]), format: 'der', type: 'spki' });
  return new Uint8Array(diffieHellman({ privateKey, publicKey }));
}
