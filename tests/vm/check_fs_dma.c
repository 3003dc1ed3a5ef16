/*
 * check_fs_dma.c - an owned edu through the mount, DMA and interrupts,
 * with whatever IOMMU the guest has (none: the module's opt-in is used);
 * the tests are in fs_dma.h, shared with check_fs_dma_iommu.c.
 */
#include "fs_dma.h"
