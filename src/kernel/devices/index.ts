// devices — the buses and the table of devices on them; drivers come with issue 6.
import * as bars from "./bars";
import * as e1000 from "./e1000";
import * as pci from "./pci";
import * as registry from "./registry";
import * as virtio from "./virtio";
export { bars, e1000, pci, registry, virtio };
