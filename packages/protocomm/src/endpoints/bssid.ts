// BSSIDs: the wire carries 6 raw bytes, the provisioner's ports use "aa:bb:cc:dd:ee:ff".

/** `aa:bb:cc:dd:ee:ff` of 6 bytes. */
export function bssidFromBytes(b: Uint8Array): string {
  return Array.prototype.map.call(b, (x: number) => x.toString(16).padStart(2, '0')).join(':') as string;
}

/** 6 bytes of `aa:bb:cc:dd:ee:ff` (or `aabbccddeeff`); empty when it is not a BSSID. */
export function bssidToBytes(s: string): Uint8Array {
  const hex = s.replace(/[:-]/g, '');
  return /^[0-9a-fA-F]{12}$/.test(hex) ? new Uint8Array(Buffer.from(hex, 'hex')) : new Uint8Array(0);
}
