/*
 * check_fs_dma_iommu.c - check_fs_dma under QEMU's intel-iommu
 * (tests/vm/run --iommu): edu's bus addresses are IOVAs of a DMA domain
 * (info's dma.iommu must say so), and the copies are exact all the same.
 */
#define FS_DMA_NEED_IOMMU 1
#include "fs_dma.h"
