// devices — the buses and the table of devices on them; drivers come with issue 6.
import * as bars from "./bars";
import * as dma from "./dma";
import * as iommu from "./iommu";
import * as pci from "./pci";
import * as registry from "./registry";
import * as virtio from "./virtio";
export { bars, dma, iommu, pci, registry, virtio };
