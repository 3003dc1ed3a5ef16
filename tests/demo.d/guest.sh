#!/bin/bash
# tests/demo.d/guest.sh DEMO_DIR - what `make demo` shows inside the guest,
# every command echoed before it runs, all through the files aperturefs
# mounted at /mnt/apertures.  DEMO_DIR holds picture.xrgb and payload.bin
# made on the host.
set -eu
demo=${1:?usage: guest.sh DEMO_DIR}
cd /mnt/apertures

EDU=0000:00:04.0 SHM=0000:00:05.0 TESTDEV=0000:00:06.0 VGA=0000:00:02.0

show() {
	printf '\n\033[1;32m$ %s\033[0m\n' "$*"
	bash -c "$*"
}
note() { printf '\n\033[1;34m# %s\033[0m\n' "$*"; }

export EDU SHM TESTDEV VGA

note "The tree: one directory per PCI function with a BAR, one file per BAR"
show "mount -t fuse.aperturefs"
show "ls -l /mnt/apertures /mnt/apertures/by-id"
show "ls -l $EDU $SHM $TESTDEV $VGA"

note "info: the function and its BARs, named as lspci names them"
for d in $EDU $SHM $TESTDEV $VGA; do
	show "cat $d/info"
done

note "edu's identity register at 0x00 is 0x010000ed"
show "hexdump -C -n 4 $EDU/bar0"
note "edu's liveness register at 0x04 reads back the inverse of what was written"
show "printf '\\x78\\x56\\x34\\x12' | dd of=$EDU/bar0 bs=4 seek=1 count=1 conv=notrunc status=none"
show "dd if=$EDU/bar0 bs=4 skip=1 count=1 status=none | od -A n -t x4"
show "od -A x -t x4 -N 8 $EDU/bar0"

note "A file copied into ivshmem's BAR2 (the host compares it after the guest exits)"
show "ls -l $demo/payload.bin"
show "cp $demo/payload.bin $SHM/bar2"
show "cmp -n \$(stat -c %s $demo/payload.bin) $demo/payload.bin $SHM/bar2 && echo same bytes"

note "Registers by name: the descriptions in regs/ of the tree (SVD and IP-XACT), bound by vendor:device"
cd /
show "umount /mnt/apertures && \$B/aperturefs -o regs=\$APERTURE_SRC/regs /mnt/apertures"
cd /mnt/apertures
show "ls \$APERTURE_SRC/regs; ls $EDU $EDU/regs/edu"
show "cat $EDU/regs/edu/IDENT $EDU/regs/edu/IDENT.MAJOR"
show "echo 0x12345678 > $EDU/regs/edu/LIVENESS; cat $EDU/regs/edu/LIVENESS"
show "echo 1 > $EDU/regs/edu/STATUS.IRQ_ENABLE; cat $EDU/regs/edu/STATUS; echo 0 > $EDU/regs/edu/STATUS.IRQ_ENABLE"
show "echo 0x1ff > $EDU/regs/edu/STATUS.IRQ_ENABLE || tail -n 1 $EDU/info"
show "echo 1 > $EDU/regs/edu/IDENT || ls -l $EDU/regs/edu/IDENT"
note "registers: every readable register, one line each; one whose read has side effects is skipped"
show "cat $EDU/registers $SHM/registers"

note "A picture: 640x480x32, the video mode set through the Bochs DISPI registers by name, pixels into BAR0"
show "cd $VGA/regs/dispi && echo 0 > ENABLE && echo 640 > XRES && echo 480 > YRES && echo 32 > BPP && echo 640 > VIRT_WIDTH && echo 480 > VIRT_HEIGHT && echo 0 > X_OFFSET && echo 0 > Y_OFFSET && echo 0x41 > ENABLE"
show "cat $VGA/regs/vga/INPUT_STATUS_1 > /dev/null; echo 0x20 > $VGA/regs/vga/ATTR_INDEX"
show "cat $VGA/registers"
show "dd if=$demo/picture.xrgb of=$VGA/bar0 bs=64k status=none"
show "cmp -n \$(stat -c %s $demo/picture.xrgb) $demo/picture.xrgb $VGA/bar0 && echo framebuffer holds the picture"

note "DMA and an interrupt: edu owned (bound to aperture_io), its DMA engine copies a buffer into its own memory and back, and says so by MSI"
cd /mnt/apertures
show "\$B/aperture own $EDU && ls $EDU && grep -E '^(owner|dma|irq)' $EDU/info"
note "This guest has no IOMMU, so DMA could reach any RAM: it must be allowed explicitly (the kernel is tainted)"
show "echo 1 > /sys/module/aperture_io/parameters/allow_unsafe_noiommu_dma"
show "cd $EDU && echo 28 > dma/mask && echo 1 > dma/master && truncate -s 4K dma/src dma/dst && ls -l dma && cat dma/src.addr dma/dst.addr"
show "head -c 4000 /dev/urandom > $EDU/dma/src; echo msi 1 > $EDU/irq/mode; ls $EDU/irq"
note "RAM to edu (0x98=5: start, interrupt when done), then edu to RAM (0x98=7); each interrupt counted, then acknowledged"
show "\$B/aperture -s $EDU bar0 0x80.l=\$(cat $EDU/dma/src.addr) 0x88.l=0x40000 0x90.l=4000 0x98.l=5 && \$B/aperture wait-irq $EDU msi0 -t 5s && \$B/aperture -s $EDU bar0 0x64.l=0x100"
show "\$B/aperture -s $EDU bar0 0x80.l=0x40000 0x88.l=\$(cat $EDU/dma/dst.addr) 0x90.l=4000 0x98.l=7 && \$B/aperture wait-irq $EDU msi0 -t 5s && \$B/aperture -s $EDU bar0 0x64.l=0x100"
show "cmp -n 4000 $EDU/dma/src $EDU/dma/dst && echo edu copied the bytes there and back"
show "echo off > $EDU/irq/mode; rm $EDU/dma/src $EDU/dma/dst; echo 0 > $EDU/dma/master; \$B/aperture release $EDU && grep ^owner: $EDU/info"
