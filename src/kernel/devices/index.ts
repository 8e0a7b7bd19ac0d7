// devices — the buses and the table of devices on them; drivers come with issue 6.
import * as ahci from "./ahci";
import * as bars from "./bars";
import * as pci from "./pci";
import * as registry from "./registry";
import * as virtio from "./virtio";
export { ahci, bars, pci, registry, virtio };
