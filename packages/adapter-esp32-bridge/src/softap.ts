/**
 * Espressif's provisioning protocol (protocomm) through the ESP-AT module's own SoftAP and TCP server,
 * so a Node host with a stock module is provisionable by Espressif's phone app and esp_prov. Needs
 * `@provision/protocomm`.
 *
 * @module
 */
export { CIPSEND_MAX_BYTES, moduleShortId, softApTransport, startSoftApProtocomm } from './softap-server';
export type { SoftApProtocommOptions, SoftApProtocommService, SoftApTransport, SoftApTransportOptions } from './softap-server';
export { formatHttpResponse, HTTP_MAX_HEAD_BYTES, HttpLinkParser, parseHttpHead } from './http-over-at';
export type { HttpBodyDecision, HttpParseResult, HttpRequestHead } from './http-over-at';
