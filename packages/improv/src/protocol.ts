// The Improv Wi-Fi serial protocol's numbers: frame types, device states, error codes, RPC commands.

/** Frame types (the byte after the version). */
export const ImprovType = {
  /** Device → client: the current state. */
  CurrentState: 0x01,
  /** Device → client: an error code. */
  ErrorState: 0x02,
  /** Client → device: a command. */
  Rpc: 0x03,
  /** Device → client: the result of a command. */
  RpcResult: 0x04,
} as const;

/** Device states (`CurrentState` frames). Authorization (0x01) is for BLE only; serial is always authorized. */
export const ImprovState = {
  /** Waiting for credentials. */
  Ready: 0x02,
  /** Trying the credentials just received. */
  Provisioning: 0x03,
  /** Connected; the result of the last send-settings carried the device's next URL. */
  Provisioned: 0x04,
} as const;

/** Error codes (`ErrorState` frames). */
export const ImprovError = {
  None: 0x00,
  /** A malformed command, or credentials the device refuses (R9.2). */
  InvalidRpc: 0x01,
  /** A command this device does not support. */
  UnknownRpc: 0x02,
  /** The credentials did not work, or the connection timed out. */
  UnableToConnect: 0x03,
  /** BLE only. */
  NotAuthorized: 0x04,
  /** A hostname that is not an RFC 1123 label. */
  BadHostname: 0x05,
  Unknown: 0xff,
} as const;

/** RPC commands (first byte of an `Rpc` frame's data). */
export const ImprovCommand = {
  /** `[ssid_len][ssid][pwd_len][pwd]`; the result is a list of URLs (first = where to go next). */
  SendWifiSettings: 0x01,
  /** The device answers with its state, plus the URL result when provisioned. */
  RequestState: 0x02,
  /** Result: firmware name, version, chip/platform, device name. */
  RequestInfo: 0x03,
  /** One result per network (SSID, RSSI, `YES`/`NO` secured), then an empty result. */
  RequestScan: 0x04,
  /** Empty data reads the hostname, otherwise sets it; the result is the hostname in force. */
  Hostname: 0x05,
  /** Empty data reads the device name, otherwise sets it; the result is the name in force. */
  DeviceName: 0x06,
} as const;

/** The version byte this implementation speaks. */
export const IMPROV_VERSION = 1;
