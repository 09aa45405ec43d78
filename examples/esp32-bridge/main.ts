// Run the ESP32 bridge app.
//
//   node esp32-bridge.mjs                      the simulated module: prints a whole provisioning
//   node esp32-bridge.mjs --port /dev/ttyUSB0  a real module; give credentials with --ssid NAME
//                                              (passphrase on stdin); Ctrl-C to stop
//   node esp32-bridge.mjs --config config.json a real module with the config's port and transports
//                                              (ESP-Touch, WPS, EspBlufi); Ctrl-C to stop
import { readFileSync } from 'node:fs';
import { startBridgeApp } from './app';
import { checkTransports, type BridgeTransports } from './transports';
import { simulatedDemo } from './demo';

async function hardware(port: string, ssid: string | undefined, transports?: BridgeTransports): Promise<void> {
  const app = await startBridgeApp({
    port,
    transports,
    log: (line) => console.log(`${new Date().toISOString()}  ${line}`),
    hostReboot: () => process.exit(0), // under systemd (Restart=always) the service comes back
  });
  if (ssid !== undefined) {
    let passphrase = '';
    for await (const chunk of process.stdin) passphrase += String(chunk);
    await app.provisioner.configureSta({ ssid, passphrase: passphrase.replace(/\r?\n$/, '') });
  }
  process.once('SIGINT', () => void app.stop().then(() => process.exit(0)));
}

const args = process.argv.slice(2);
const at = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const configFile = at('--config');
const config = configFile ? (JSON.parse(readFileSync(configFile, 'utf8')) as { port?: string; transports?: unknown }) : undefined;
const port = at('--port') ?? config?.port;
if (port) await hardware(port, at('--ssid'), checkTransports(config?.transports));
else await simulatedDemo((line) => console.log(line));
