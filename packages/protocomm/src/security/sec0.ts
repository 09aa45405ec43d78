// Security 0: no encryption at all. Opt-in only, and named as insecure wherever it is enabled (R11.4).
import { create } from '@bufbuild/protobuf';
import { Status } from '../gen/constants_pb';
import { Sec0MsgType, Sec0PayloadSchema, S0SessionCmdSchema, S0SessionRespSchema } from '../gen/sec0_pb';
import { SecSchemeVersion, SessionDataSchema, type SessionData } from '../gen/session_pb';
import { requestFailure } from '../failure';
import type { SecurityClient, SecurityServer } from './scheme';

/** The device side of security 0. */
export function createSec0Server(): SecurityServer {
  let established = false;
  return {
    version: 0,
    get established() {
      return established;
    },
    handshake(req: SessionData): SessionData {
      if (req.secVer !== SecSchemeVersion.SecScheme0 || req.proto.case !== 'sec0') throw requestFailure(`prov-session: expected a security 0 message, got sec_ver ${req.secVer}`);
      const p = req.proto.value;
      if (p.msg !== Sec0MsgType.S0_Session_Command || p.payload.case !== 'sc') throw requestFailure('prov-session: expected the security 0 command');
      established = true;
      return create(SessionDataSchema, {
        secVer: SecSchemeVersion.SecScheme0,
        proto: {
          case: 'sec0',
          value: create(Sec0PayloadSchema, {
            msg: Sec0MsgType.S0_Session_Response,
            payload: { case: 'sr', value: create(S0SessionRespSchema, { status: Status.Success }) },
          }),
        },
      });
    },
    decrypt: (d) => d,
    encrypt: (d) => d,
    destroy() {
      established = false;
    },
  };
}

/** The client side of security 0. */
export function createSec0Client(): SecurityClient {
  return {
    version: 0,
    start: () =>
      create(SessionDataSchema, {
        secVer: SecSchemeVersion.SecScheme0,
        proto: { case: 'sec0', value: create(Sec0PayloadSchema, { msg: Sec0MsgType.S0_Session_Command, payload: { case: 'sc', value: create(S0SessionCmdSchema) } }) },
      }),
    next(resp) {
      if (resp.proto.case !== 'sec0' || resp.proto.value.payload.case !== 'sr') throw requestFailure('security 0: the device did not answer with a security 0 response');
      const status = resp.proto.value.payload.value.status;
      if (status !== Status.Success) throw requestFailure(`security 0: the device refused the session (status ${Status[status]})`);
      return undefined;
    },
    encrypt: (d) => d,
    decrypt: (d) => d,
    destroy: () => undefined,
  };
}
