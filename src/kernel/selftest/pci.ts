// pci.ts — guest scenario for PCI enumeration: every function with its identity,
// class, BARs and capability ids, as "AIOS pci" lines the harness checks against
// the machine QEMU was given.
import * as devices from "../devices";
import { registry } from "../devices";
import { pci } from "../../hal";
import * as line from "../line";
import * as log from "../log";

export function listDevices(): bool {
  for (let i = 0; i < registry.count(); i++) {
    line.reset();
    line.text("AIOS pci ");
    registry.appendAddress(i);
    line.text(" ");
    line.hex(registry.vendor(i), 4);
    line.text(":");
    line.hex(registry.deviceId(i), 4);
    line.text(" class=");
    line.hex(registry.classCode(i), 2);
    line.text("/");
    line.hex(registry.subclass(i), 2);
    line.text(" bars=");
    for (let b = 0; b < 6; b++) {
      if (registry.barSize(i, b) == 0) continue;
      line.decimal(b);
      line.text(registry.barIsIo(i, b) ? "io" : "mem");
      line.text(":");
      line.hex(registry.barSize(i, b));
      line.text(",");
    }
    line.text(" caps=");
    for (let n = 0; n < registry.capabilityCount(i); n++) {
      line.hex(registry.capabilityId(i, n), 2);
      line.text(",");
    }
    log.publish();
  }
  line.reset();
  line.text("AIOS pci total=");
  line.decimal(registry.count());
  line.text(" access=");
  line.text(pci.usingEcam() ? "ecam" : "ports");
  log.publish();
  return registry.count() > 0 && registry.find(0xffff, 0xffff, 0x06, 0x00) >= 0;   // a host bridge
}

const entropy = memory.data(256);

/** virtio-rng: 256 bytes of entropy through a split virtqueue, not all alike. */
export function virtioRng(): bool {
  if (!devices.virtio.rng.available()) return false;
  memory.fill(entropy, 0, 256);
  const got = devices.virtio.rng.read(entropy, 256);
  let distinct = 0;
  const seen = memory.data(256);
  memory.fill(seen, 0, 256);
  for (let i = 0; i < 256; i++) {
    const b = load<u8>(entropy + <usize>i);
    if (load<u8>(seen + <usize>b) == 0) { store<u8>(seen + <usize>b, 1); distinct++; }
  }
  line.reset();
  line.text("AIOS virtio-rng bytes=");
  line.signed(got);
  line.text(" distinct=");
  line.decimal(distinct);
  log.publish();
  return got == 256 && distinct > 64;
}
