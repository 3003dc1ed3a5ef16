/*
 * check_module_dma_iommu.c - check_module_dma.c in a guest with QEMU's
 * intel-iommu (tests/vm/run --iommu, this suite's line in
 * tests/vm/suites): bus addresses are IOVAs, and a DMA outside the
 * buffers is refused by the IOMMU.
 */
#define DMA_IOMMU 1
#include "check_module_dma.c"
