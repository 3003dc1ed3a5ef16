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

# One 16-bit Bochs DISPI register of the VGA: index, value.
dispi() {
	printf "\\$(printf %03o $(($2 & 0xff)))\\$(printf %03o $(($2 >> 8)))" |
		dd of=$VGA/bar2 bs=2 seek=$(((0x500 + 2 * $1) / 2)) count=1 \
			conv=notrunc status=none
}
export -f dispi
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

note "A picture: 640x480x32 through the Bochs registers in BAR2, pixels into BAR0"
show "dispi 4 0; dispi 1 640; dispi 2 480; dispi 3 32; dispi 6 640; dispi 7 480; dispi 8 0; dispi 9 0; dispi 4 0x41"
show "dd if=$VGA/bar2 bs=1 skip=\$((0x41a)) count=1 status=none > /dev/null; printf '\\x20' | dd of=$VGA/bar2 bs=1 seek=\$((0x400)) count=1 conv=notrunc status=none"
show "dd if=$demo/picture.xrgb of=$VGA/bar0 bs=64k status=none"
show "cmp -n \$(stat -c %s $demo/picture.xrgb) $demo/picture.xrgb $VGA/bar0 && echo framebuffer holds the picture"
