// The prov-ctrl endpoint (IDF >= 5.1): reset after a failure, or reprovision.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Status } from '../gen/constants_pb';
import { RespCtrlReprovSchema, RespCtrlResetSchema, WiFiCtrlMsgType, WiFiCtrlPayloadSchema } from '../gen/wifi_ctrl_pb';
import { requestFailure } from '../failure';
import type { EndpointHandler } from '../protocomm';

/** What prov-ctrl does on the device. Each returns false (or throws) when it cannot: status InternalError. */
export interface CtrlBackend {
  /** Back to accepting credentials after a failure (`resetOnFailure`, R8.5). */
  reset(): boolean;
  /** Drop the connection and accept new credentials (`resetForReprovision`, R8.7). */
  reprov(): boolean;
}

/** The prov-ctrl handler over `backend`. */
export function ctrlEndpoint(backend: CtrlBackend): EndpointHandler {
  const attempt = (fn: () => boolean): Status => {
    try {
      return fn() ? Status.Success : Status.InternalError;
    } catch (_e) {
      return Status.InternalError;
    }
  };
  return (body) => {
    let req;
    try {
      req = fromBinary(WiFiCtrlPayloadSchema, body);
    } catch (_e) {
      throw requestFailure('prov-ctrl: malformed WiFiCtrlPayload');
    }
    if (req.msg === WiFiCtrlMsgType.TypeCmdCtrlReset) {
      const status = attempt(() => backend.reset());
      return toBinary(WiFiCtrlPayloadSchema, create(WiFiCtrlPayloadSchema, { msg: WiFiCtrlMsgType.TypeRespCtrlReset, status, payload: { case: 'respCtrlReset', value: create(RespCtrlResetSchema) } }));
    }
    if (req.msg === WiFiCtrlMsgType.TypeCmdCtrlReprov) {
      const status = attempt(() => backend.reprov());
      return toBinary(WiFiCtrlPayloadSchema, create(WiFiCtrlPayloadSchema, { msg: WiFiCtrlMsgType.TypeRespCtrlReprov, status, payload: { case: 'respCtrlReprov', value: create(RespCtrlReprovSchema) } }));
    }
    throw requestFailure(`prov-ctrl: unknown message type ${req.msg}`);
  };
}
