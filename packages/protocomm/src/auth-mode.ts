// Wi-Fi authentication modes by the protocol's names (the WifiAuthMode enum of wifi_constants.proto).

/** Wi-Fi authentication modes as the protocol names them. */
export type AuthModeName = 'Open' | 'WEP' | 'WPA_PSK' | 'WPA2_PSK' | 'WPA_WPA2_PSK' | 'WPA2_ENTERPRISE' | 'WPA3_PSK' | 'WPA2_WPA3_PSK';
