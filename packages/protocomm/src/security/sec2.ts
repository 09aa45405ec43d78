// Security 2: SRP-6a (3072-bit, SHA-512), then AES-256-GCM with patch-1 nonces (8 random bytes + a counter).
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { Status } from '../gen/constants_pb';
import { S2SessionCmd0Schema, S2SessionCmd1Schema, S2SessionResp0Schema, S2SessionResp1Schema, Sec2MsgType, Sec2PayloadSchema } from '../gen/sec2_pb';
import { SecSchemeVersion, SessionDataSchema, type SessionData } from '../gen/session_pb';
import { concat, safeEqual, utf8, wipe } from '../bytes';
import { requestFailure } from '../failure';
import { take, type RandomSource } from '../random';
import { H, modPow, pad, SRP_N_BYTES, srpGroup, srpM1, srpM2, srpU, srpX, toBig, toBytes, type SrpVerifier } from '../srp';
import type { SecurityClient, SecurityServer } from './scheme';

/** Longest username accepted in Cmd0: bounded input (R11.4). */
export const SEC2_MAX_USERNAME = 256;
const TAG = 16;

function sec2(msg: Sec2MsgType, payload: MessageInitShape<typeof Sec2PayloadSchema>['payload']): SessionData {
  return create(SessionDataSchema, { secVer: SecSchemeVersion.SecScheme2, proto: { case: 'sec2', value: create(Sec2PayloadSchema, { msg, payload }) } });
}

/**
 * AES-256-GCM with patch-1 nonces: 8 fixed bytes, then a big-endian 32-bit counter that starts at 1
 * and goes up after every encrypt and every decrypt, so the two directions never share a nonce.
 */
function gcm(key: Uint8Array, nonce: Uint8Array): { seal(d: Uint8Array): Uint8Array; open(d: Uint8Array): Uint8Array; destroy(): void } {
  const k = new Uint8Array(key);
  const iv = new Uint8Array(nonce);
  let counter = new DataView(iv.buffer).getUint32(8);
  let dead = false;
  const nextIv = (): Uint8Array => {
    if (dead) throw requestFailure('security 2: the session was destroyed');
    if (counter === 0xffffffff) throw requestFailure('security 2: nonce counter exhausted; start a new session');
    const out = new Uint8Array(iv);
    new DataView(out.buffer).setUint32(8, counter);
    counter++;
    return out;
  };
  return {
    seal(d) {
      const c = createCipheriv('aes-256-gcm', k, nextIv());
      return concat(new Uint8Array(c.update(d)), new Uint8Array(c.final()), new Uint8Array(c.getAuthTag()));
    },
    open(d) {
      const thisIv = nextIv();
      if (d.length < TAG) throw requestFailure(`security 2: ciphertext of ${d.length} bytes is shorter than the ${TAG}-byte tag`);
      const c = createDecipheriv('aes-256-gcm', k, thisIv);
      c.setAuthTag(d.subarray(d.length - TAG));
      try {
        return concat(new Uint8Array(c.update(d.subarray(0, d.length - TAG))), new Uint8Array(c.final()));
      } catch (_e) {
        throw requestFailure('security 2: message authentication failed');
      }
    },
    destroy() {
      dead = true;
      wipe(k, iv);
    },
  };
}

/** The device side of security 2, for a stored salt + verifier (never the password). */
export function createSec2Server(stored: SrpVerifier, random: RandomSource): SecurityServer {
  const { N, g, k } = srpGroup();
  const v = toBig(stored.verifier);
  let state: 'new' | 'cmd0' | 'ready' = 'new';
  let hs: { user: Uint8Array; A: Uint8Array; B: Uint8Array; K: Uint8Array } | undefined;
  let cipher: ReturnType<typeof gcm> | undefined;
  const reset = (): void => {
    if (hs) wipe(hs.K);
    hs = undefined;
    if (cipher) cipher.destroy();
    cipher = undefined;
    state = 'new';
  };
  return {
    version: 2,
    get established() {
      return state === 'ready';
    },
    handshake(req) {
      if (req.secVer !== SecSchemeVersion.SecScheme2 || req.proto.case !== 'sec2') throw requestFailure(`prov-session: expected a security 2 message, got sec_ver ${req.secVer}`);
      const p = req.proto.value;
      if (p.msg === Sec2MsgType.S2Session_Command0 && p.payload.case === 'sc0') {
        reset();
        const user = p.payload.value.clientUsername;
        const Araw = p.payload.value.clientPubkey;
        if (user.length < 1 || user.length > SEC2_MAX_USERNAME) throw requestFailure(`prov-session: security 2 username must be 1..${SEC2_MAX_USERNAME} bytes, got ${user.length}`);
        // esp_prov sends A without leading zero bytes: accept 1..384 and pad, but hash it as received.
        if (Araw.length < 1 || Araw.length > SRP_N_BYTES) throw requestFailure(`prov-session: security 2 client_pubkey must be 1..${SRP_N_BYTES} bytes, got ${Araw.length}`);
        const A = toBig(Araw);
        if (A % N === 0n) throw requestFailure('prov-session: security 2 client_pubkey is 0 mod N');
        let b: bigint;
        let B: bigint;
        do {
          const bb = take(random, 32);
          b = toBig(bb);
          wipe(bb);
          B = (k * v + modPow(g, b, N)) % N;
          // A full-length B: clients that hash B as an integer and those that hash it as sent agree.
        } while (B < 1n << BigInt(8 * (SRP_N_BYTES - 1)));
        const u = srpU(A, B);
        if (u === 0n) throw requestFailure('prov-session: security 2 scrambling parameter is zero');
        const S = modPow((A * modPow(v, u, N)) % N, b, N);
        const Sb = toBytes(S);
        const K = H(Sb);
        wipe(Sb);
        const Bb = pad(B);
        hs = { user: new Uint8Array(user), A: new Uint8Array(Araw), B: Bb, K };
        state = 'cmd0';
        return sec2(Sec2MsgType.S2Session_Response0, {
          case: 'sr0',
          value: create(S2SessionResp0Schema, { status: Status.Success, devicePubkey: Bb, deviceSalt: stored.salt }),
        });
      }
      if (p.msg === Sec2MsgType.S2Session_Command1 && p.payload.case === 'sc1') {
        if (state !== 'cmd0' || !hs) throw requestFailure('prov-session: security 2 Cmd1 before Cmd0');
        const M1 = p.payload.value.clientProof;
        if (M1.length !== 64) throw requestFailure(`prov-session: security 2 client_proof must be 64 bytes, got ${M1.length}`);
        const expected = srpM1(hs.user, stored.salt, hs.A, hs.B, hs.K);
        if (!safeEqual(M1, expected)) {
          reset();
          throw requestFailure('prov-session: security 2 client proof mismatch (wrong username or password)', true);
        }
        const M2 = srpM2(hs.A, M1, hs.K);
        const nonce = concat(take(random, 8), new Uint8Array([0, 0, 0, 1]));
        cipher = gcm(hs.K.subarray(0, 32), nonce);
        wipe(hs.K);
        hs = undefined;
        state = 'ready';
        return sec2(Sec2MsgType.S2Session_Response1, {
          case: 'sr1',
          value: create(S2SessionResp1Schema, { status: Status.Success, deviceProof: M2, deviceNonce: nonce }),
        });
      }
      throw requestFailure(`prov-session: unexpected security 2 message ${p.msg}`);
    },
    decrypt(d) {
      if (state !== 'ready' || !cipher) throw requestFailure('security 2: no established session');
      return cipher.open(d);
    },
    encrypt(d) {
      if (state !== 'ready' || !cipher) throw requestFailure('security 2: no established session');
      return cipher.seal(d);
    },
    destroy: reset,
  };
}

/** The client side of security 2. `A` is sent padded to 384 bytes (what IDF's own devices require). */
export function createSec2Client(username: string, password: string, random: RandomSource): SecurityClient {
  const { N, g, k } = srpGroup();
  const user = utf8(username);
  const ab = take(random, 32);
  const a = toBig(ab);
  wipe(ab);
  const Abytes = pad(modPow(g, a, N));
  let K: Uint8Array | undefined;
  let M1: Uint8Array | undefined;
  let cipher: ReturnType<typeof gcm> | undefined;
  return {
    version: 2,
    start: () => sec2(Sec2MsgType.S2Session_Command0, { case: 'sc0', value: create(S2SessionCmd0Schema, { clientUsername: user, clientPubkey: Abytes }) }),
    next(resp) {
      if (resp.proto.case !== 'sec2') throw requestFailure('security 2: the device did not answer with a security 2 message');
      const p = resp.proto.value.payload;
      if (p.case === 'sr0' && !K) {
        if (p.value.status !== Status.Success) throw requestFailure(`security 2: the device refused Cmd0 (status ${Status[p.value.status]})`);
        const Braw = p.value.devicePubkey;
        const salt = p.value.deviceSalt;
        if (Braw.length < 1 || Braw.length > SRP_N_BYTES || salt.length < 1 || salt.length > 64) throw requestFailure('security 2: malformed device key or salt');
        const B = toBig(Braw);
        if (B % N === 0n) throw requestFailure('security 2: the device key is 0 mod N');
        const u = srpU(toBig(Abytes), B);
        const x = srpX(salt, user, utf8(password));
        const base = (((B - k * modPow(g, x, N)) % N) + N) % N;
        const Sb = toBytes(modPow(base, a + u * x, N));
        K = H(Sb);
        wipe(Sb);
        M1 = srpM1(user, salt, Abytes, Braw, K);
        return sec2(Sec2MsgType.S2Session_Command1, { case: 'sc1', value: create(S2SessionCmd1Schema, { clientProof: M1 }) });
      }
      if (p.case === 'sr1' && K && M1 && !cipher) {
        if (p.value.status !== Status.Success) throw requestFailure(`security 2: the device refused Cmd1 (status ${Status[p.value.status]})`);
        if (!safeEqual(p.value.deviceProof, srpM2(Abytes, M1, K))) throw requestFailure('security 2: the device failed to prove it knows the verifier');
        if (p.value.deviceNonce.length !== 12) throw requestFailure('security 2: device_nonce must be 12 bytes');
        cipher = gcm(K.subarray(0, 32), p.value.deviceNonce);
        wipe(K);
        return undefined;
      }
      throw requestFailure('security 2: unexpected handshake message from the device');
    },
    encrypt(d) {
      if (!cipher) throw requestFailure('security 2: handshake not complete');
      return cipher.seal(d);
    },
    decrypt(d) {
      if (!cipher) throw requestFailure('security 2: handshake not complete');
      return cipher.open(d);
    },
    destroy() {
      wipe(K);
      if (cipher) cipher.destroy();
      cipher = undefined;
    },
  };
}
