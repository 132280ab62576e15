// Tests only (?xrtest=1): an emulated headset (IWER, Meta's WebXR emulation
// runtime) installed as navigator.xr, so that a browser without a headset can
// enter VR and a test can move its controllers (window.xrDevice). Its own
// chunk: nobody else downloads it.

import { XRDevice, metaQuest3 } from "iwer";

export function installEmulatedHeadset(): void {
  const device = new XRDevice(metaQuest3);
  device.installRuntime({ forceInstall: true });
  (globalThis as Record<string, unknown>).xrDevice = device;
}
