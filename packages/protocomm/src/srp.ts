// SRP-6a over RFC 5054's 3072-bit group with SHA-512, as Espressif's security 2 uses it: the math both sides share.
import { createHash, getDiffieHellman } from 'node:crypto';
import { utf8, xor } from './bytes';
import { systemRandom, take, type RandomSource } from './random';

/** Length of the group's modulus in bytes. */
export const SRP_N_BYTES = 384;

let group: { N: bigint; g: bigint; k: bigint; hNxorHg: Uint8Array } | undefined;

/** The RFC 5054 3072-bit group (RFC 3526's MODP prime, which node:crypto ships) with g = 5. */
export function srpGroup(): { N: bigint; g: bigint; k: bigint; hNxorHg: Uint8Array } {
  if (!group) {
    const nBytes = new Uint8Array(getDiffieHellman('modp15').getPrime());
    const N = toBig(nBytes);
    const g = 5n;
    const padG = pad(g);
    group = { N, g, k: toBig(H(nBytes, padG)), hNxorHg: xor(H(nBytes), H(padG)) };
  }
  return group;
}

/** SHA-512 of the concatenated parts. */
export function H(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** Big-endian unsigned integer of bytes. */
export function toBig(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex')}`);
}

/** Minimal-length big-endian bytes of `n` (one zero byte for 0). */
export function toBytes(n: bigint): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** `n` left-padded with zeros to the modulus length (RFC 5054's PAD()). */
export function pad(n: bigint): Uint8Array {
  const b = toBytes(n);
  if (b.length > SRP_N_BYTES) throw new Error('value longer than the modulus');
  const out = new Uint8Array(SRP_N_BYTES);
  out.set(b, SRP_N_BYTES - b.length);
  return out;
}

/** `base^exp mod m`, with a 4-bit fixed window (BigInt has no modPow). */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  const b = ((base % m) + m) % m;
  const table: bigint[] = [1n, b];
  for (let i = 2; i < 16; i++) table.push((table[i - 1]! * b) % m);
  const hex = exp.toString(16);
  let r = 1n;
  for (let i = 0; i < hex.length; i++) {
    r = (r * r) % m;
    r = (r * r) % m;
    r = (r * r) % m;
    r = (r * r) % m;
    const d = parseInt(hex[i]!, 16);
    if (d) r = (r * table[d]!) % m;
  }
  return r;
}

/**
 * `x = H(s ‖ H(I ‖ ":" ‖ P))`, computed the way esp_prov computes it: the inner digest passes through
 * an integer, so its leading zero bytes are dropped (about 1 password in 256 is affected). esp_prov's
 * `--sec2_gen_cred` makes verifiers this way, and its handshake expects them.
 */
export function srpX(salt: Uint8Array, username: Uint8Array, password: Uint8Array): bigint {
  const inner = H(username, utf8(':'), password);
  let i = 0;
  while (i < inner.length - 1 && inner[i] === 0) i++;
  return toBig(H(salt, inner.subarray(i)));
}

/** `u = H(PAD(A) ‖ PAD(B))`. */
export function srpU(A: bigint, B: bigint): bigint {
  return toBig(H(pad(A), pad(B)));
}

/** `M1 = H(H(N) XOR H(PAD(g)) ‖ H(I) ‖ s ‖ A ‖ B ‖ K)`, A, B and s exactly as they went over the wire. */
export function srpM1(username: Uint8Array, salt: Uint8Array, A: Uint8Array, B: Uint8Array, K: Uint8Array): Uint8Array {
  return H(srpGroup().hNxorHg, H(username), salt, A, B, K);
}

/** `M2 = H(A ‖ M1 ‖ K)`, A as it went over the wire. */
export function srpM2(A: Uint8Array, M1: Uint8Array, K: Uint8Array): Uint8Array {
  return H(A, M1, K);
}

/** What a security-2 device stores instead of the password (salt and verifier, never the password). */
export interface SrpVerifier {
  /** The salt, 16 bytes unless chosen otherwise. */
  salt: Uint8Array;
  /** `v = g^x mod N`, 384 bytes big-endian. */
  verifier: Uint8Array;
}

/** Options for {@link createSrpVerifier}. */
export interface SrpVerifierOptions {
  /** The username the client will send (`--sec2_username` of esp_prov). */
  username: string;
  /** The password; it is used here and never stored. */
  password: string;
  /** A salt to use; by default 16 random bytes (never starting with a zero byte, see below). */
  salt?: Uint8Array;
  /** Randomness for the salt (tests only). */
  random?: RandomSource;
}

/**
 * Generate the salt and verifier a security-2 device stores, from the username and password the
 * person will type into the app or esp_prov. Run it offline (or with `provision-protocomm srp-verifier`)
 * and give the device only the result: the password never has to live on the device.
 *
 * A generated salt never starts with a zero byte: some clients hash the salt as an integer, which
 * would drop such a byte and fail the handshake.
 *
 * @example
 * ```ts
 * const { salt, verifier } = createSrpVerifier({ username: 'wifiprov', password: 'abcd1234' });
 * attachProtocomm(prov, { security: 2, verifier: { salt, verifier } , transports: [...] });
 * ```
 */
export function createSrpVerifier(options: SrpVerifierOptions): SrpVerifier {
  if (!options || typeof options.username !== 'string' || options.username.length === 0) throw new TypeError('createSrpVerifier: username must be a non-empty string');
  if (typeof options.password !== 'string' || options.password.length === 0) throw new TypeError('createSrpVerifier: password must be a non-empty string');
  let salt = options.salt;
  if (salt === undefined) {
    const random = options.random || systemRandom;
    do salt = take(random, 16);
    while (salt[0] === 0);
  } else if (!(salt instanceof Uint8Array) || salt.length < 1 || salt.length > 64 || salt[0] === 0) {
    // esp_prov hashes the salt as an integer: a leading zero byte would be dropped and the proof fail.
    throw new TypeError('createSrpVerifier: salt must be 1..64 bytes and must not start with a zero byte');
  }
  const { N, g } = srpGroup();
  const x = srpX(salt, utf8(options.username), utf8(options.password));
  return { salt: new Uint8Array(salt), verifier: pad(modPow(g, x, N)) };
}
