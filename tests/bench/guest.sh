#!/bin/bash
# tests/bench/guest.sh [ARGS...] - the guest side of `make bench`, run by
# tests/bench/run through tests/vm/run.  Mounts aperturefs twice, the
# runner's mount point /mnt/apertures again with -o passthrough=all (the
# default, named so that the table says what it measured) and a second
# copy with -o passthrough=off, then runs aperture-bench against both with
# ARGS.  Where the kernel or libfuse has no passthrough the =all mount
# quietly serves read/write through the daemon; aperture-bench notices
# (shared mmap is ENODEV) and reports path 2 as n/a with the reason.
#
# Everything runs on one vCPU (taskset -c 0) unless BENCH_PIN is empty:
# under TCG each vCPU is a host thread, and on a busy host a wake-up of
# the daemon on the other vCPU waits for the host scheduler (measured:
# ~4 ms per FUSE request across vCPUs against ~0.15 ms on one), which
# would measure the host, not the paths.
set -u
pin=()
[ -z "${BENCH_PIN-0}" ] || pin=(taskset -c "${BENCH_PIN-0}")
all=/mnt/apertures
off=/run/aperture-bench/off
mkdir -p "$off"
if mountpoint -q "$all"; then
	umount "$all" || { echo "guest.sh: cannot unmount $all"; exit 1; }
fi
"${pin[@]}" "$B/aperturefs" -o passthrough=all "$all" ||
	{ echo "guest.sh: mounting $all -o passthrough=all failed"; exit 1; }
"${pin[@]}" "$B/aperturefs" -o passthrough=off "$off" ||
	{ echo "guest.sh: mounting $off -o passthrough=off failed"; exit 1; }
"${pin[@]}" "$B/tests/bench/aperture-bench" --off "$off" --all "$all" "$@"
status=$?
umount "$off" 2>/dev/null
exit $status
