// nvme.ts — guest scenarios for the NVMe driver: what Identify said, then the
// block layer's shared round trip and benchmark (selftest/block.ts) on nvme0n1.
import * as devices from "../devices";
import * as block from "../block";
import * as line from "../line";
import * as log from "../log";
import * as shared from "./block";

export function nvmeReadWrite(): bool {
  if (!devices.nvme.available()) return false;
  const d = devices.nvme.diskIndex();
  line.reset();
  line.text("AIOS nvme identify serial=");
  devices.nvme.appendSerial();
  line.text(" sector=");
  line.decimal(devices.nvme.sectorSize());
  line.text(" command_kib=");
  line.decimal(devices.nvme.maxCommandBytes() >> 10);
  line.text(" interrupts=");
  line.text(block.queue.interruptDriven(d) ? "msi-x" : "polled");
  log.publish();
  const ok = shared.verify(d, "nvme");
  line.reset();
  line.text("AIOS nvme completion_interrupts=");
  line.decimal(devices.nvme.interrupts());
  log.publish();
  return ok;
}

export function nvmeBenchmark(): bool {
  return devices.nvme.available() && shared.benchmark(devices.nvme.diskIndex(), "nvme");
}
