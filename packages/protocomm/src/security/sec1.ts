// Security 1: X25519 + proof of possession, then AES-256-CTR as one keystream shared by both directions.
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { createCipheriv, createHash, type Cipher } from 'node:crypto';
import { Status } from '../gen/constants_pb';
import { Sec1MsgType, Sec1PayloadSchema, SessionCmd0Schema, SessionCmd1Schema, SessionResp0Schema, SessionResp1Schema } from '../gen/sec1_pb';
import { SecSchemeVersion, SessionDataSchema, type SessionData } from '../gen/session_pb';
import { safeEqual, wipe, xor } from '../bytes';
import { requestFailure } from '../failure';
import { take, type RandomSource } from '../random';
import type { SecurityClient, SecurityServer } from './scheme';
import { x25519KeyPair, x25519Shared } from './x25519';

function sec1(msg: Sec1MsgType, payload: MessageInitShape<typeof Sec1PayloadSchema>['payload']): SessionData {
  return create(SessionDataSchema, { secVer: SecSchemeVersion.SecScheme1, proto: { case: 'sec1', value: create(Sec1PayloadSchema, { msg, payload }) } });
}

/** `shared XOR SHA-256(pop)`, or `shared` without a PoP. */
function sessionKey(shared: Uint8Array, pop: Uint8Array | undefined): Uint8Array {
  if (!pop) return shared;
  const k = xor(shared, new Uint8Array(createHash('sha256').update(pop).digest()));
  wipe(shared);
  return k;
}

/** One AES-256-CTR keystream for the whole session: every byte either side sends or receives takes the next bytes. */
function keystream(key: Uint8Array, iv: Uint8Array): { apply(d: Uint8Array): Uint8Array; destroy(): void } {
  let c: Cipher | undefined = createCipheriv('aes-256-ctr', key, iv);
  return {
    apply(d) {
      if (!c) throw requestFailure('security 1: the session was destroyed');
      return new Uint8Array(c.update(d));
    },
    destroy() {
      // The cipher object holds its own copy of the key: dropping it is all Node allows.
      c = undefined;
    },
  };
}

/** The device side of security 1. `pop` undefined means "no proof of possession" (cap `no_pop`). */
export function createSec1Server(pop: Uint8Array | undefined, random: RandomSource): SecurityServer {
  let state: 'new' | 'cmd0' | 'ready' = 'new';
  let devicePub: Uint8Array | undefined;
  let clientPub: Uint8Array | undefined;
  let key: Uint8Array | undefined;
  let stream: ReturnType<typeof keystream> | undefined;
  const reset = (): void => {
    wipe(key);
    key = undefined;
    if (stream) stream.destroy();
    stream = undefined;
    state = 'new';
  };
  return {
    version: 1,
    get established() {
      return state === 'ready';
    },
    handshake(req) {
      if (req.secVer !== SecSchemeVersion.SecScheme1 || req.proto.case !== 'sec1') throw requestFailure(`prov-session: expected a security 1 message, got sec_ver ${req.secVer}`);
      const p = req.proto.value;
      if (p.msg === Sec1MsgType.Session_Command0 && p.payload.case === 'sc0') {
        // A Cmd0 in any state restarts the session.
        reset();
        const cp = p.payload.value.clientPubkey;
        if (cp.length !== 32) throw requestFailure(`prov-session: security 1 client_pubkey must be 32 bytes, got ${cp.length}`);
        const priv = take(random, 32);
        const pair = x25519KeyPair(priv);
        wipe(priv);
        let shared: Uint8Array;
        try {
          shared = x25519Shared(pair.privateKey, cp);
        } catch (_e) {
          throw requestFailure('prov-session: security 1 client_pubkey is not a usable X25519 key');
        }
        const deviceRandom = take(random, 16);
        key = sessionKey(shared, pop);
        stream = keystream(key, deviceRandom);
        devicePub = pair.publicRaw;
        clientPub = new Uint8Array(cp);
        state = 'cmd0';
        return sec1(Sec1MsgType.Session_Response0, {
          case: 'sr0',
          value: create(SessionResp0Schema, { status: Status.Success, devicePubkey: devicePub, deviceRandom }),
        });
      }
      if (p.msg === Sec1MsgType.Session_Command1 && p.payload.case === 'sc1') {
        if (state !== 'cmd0' || !stream) throw requestFailure('prov-session: security 1 Cmd1 before Cmd0');
        const v = p.payload.value.clientVerifyData;
        if (v.length !== 32) throw requestFailure(`prov-session: security 1 client_verify_data must be 32 bytes, got ${v.length}`);
        if (!safeEqual(stream.apply(v), devicePub!)) {
          reset();
          throw requestFailure('prov-session: security 1 proof of possession mismatch (wrong PoP)', true);
        }
        const deviceVerify = stream.apply(clientPub!);
        state = 'ready';
        return sec1(Sec1MsgType.Session_Response1, { case: 'sr1', value: create(SessionResp1Schema, { status: Status.Success, deviceVerifyData: deviceVerify }) });
      }
      throw requestFailure(`prov-session: unexpected security 1 message ${p.msg}`);
    },
    decrypt(d) {
      if (state !== 'ready' || !stream) throw requestFailure('security 1: no established session');
      return stream.apply(d);
    },
    encrypt(d) {
      if (state !== 'ready' || !stream) throw requestFailure('security 1: no established session');
      return stream.apply(d);
    },
    destroy: reset,
  };
}

/** The client side of security 1. */
export function createSec1Client(pop: Uint8Array | undefined, random: RandomSource): SecurityClient {
  const priv = take(random, 32);
  const pair = x25519KeyPair(priv);
  wipe(priv);
  let stream: ReturnType<typeof keystream> | undefined;
  let key: Uint8Array | undefined;
  let devicePub: Uint8Array | undefined;
  let done = false;
  return {
    version: 1,
    start: () => sec1(Sec1MsgType.Session_Command0, { case: 'sc0', value: create(SessionCmd0Schema, { clientPubkey: pair.publicRaw }) }),
    next(resp) {
      if (resp.proto.case !== 'sec1') throw requestFailure('security 1: the device did not answer with a security 1 message');
      const p = resp.proto.value.payload;
      if (p.case === 'sr0' && !stream) {
        if (p.value.status !== Status.Success) throw requestFailure(`security 1: the device refused Cmd0 (status ${Status[p.value.status]})`);
        if (p.value.devicePubkey.length !== 32 || p.value.deviceRandom.length !== 16) throw requestFailure('security 1: malformed device key or random');
        devicePub = new Uint8Array(p.value.devicePubkey);
        key = sessionKey(x25519Shared(pair.privateKey, devicePub), pop);
        stream = keystream(key, p.value.deviceRandom);
        return sec1(Sec1MsgType.Session_Command1, { case: 'sc1', value: create(SessionCmd1Schema, { clientVerifyData: stream.apply(devicePub) }) });
      }
      if (p.case === 'sr1' && stream && !done) {
        if (p.value.status !== Status.Success) throw requestFailure(`security 1: the device refused Cmd1 (status ${Status[p.value.status]})`);
        if (!safeEqual(stream.apply(p.value.deviceVerifyData), pair.publicRaw)) throw requestFailure('security 1: the device failed to prove the session key');
        done = true;
        return undefined;
      }
      throw requestFailure('security 1: unexpected handshake message from the device');
    },
    encrypt(d) {
      if (!done || !stream) throw requestFailure('security 1: handshake not complete');
      return stream.apply(d);
    },
    decrypt(d) {
      if (!done || !stream) throw requestFailure('security 1: handshake not complete');
      return stream.apply(d);
    },
    destroy() {
      wipe(key);
      if (stream) stream.destroy();
      stream = undefined;
      done = false;
    },
  };
}
