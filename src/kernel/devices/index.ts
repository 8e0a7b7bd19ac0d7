// devices — the buses, the table of devices on them, and the drivers: virtio
// (blk, net, rng), NVMe, AHCI, e1000, the TPM 2.0; MSI/MSI-X for all of them; DMA mapping
// through the IOMMU (VT-d) where there is one; devices granted to driver agents.
import * as ahci from "./ahci";
import * as bars from "./bars";
import * as dma from "./dma";
import * as e1000 from "./e1000";
import * as grants from "./grants";
import * as iommu from "./iommu";
import * as msi from "./msi";
import * as nvme from "./nvme";
import * as pci from "./pci";
import * as registry from "./registry";
import * as tpm from "./tpm";
import * as virtio from "./virtio";
export { ahci, bars, dma, e1000, grants, iommu, msi, nvme, pci, registry, tpm, virtio };
