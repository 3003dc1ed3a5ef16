#!/bin/bash
# tests/bench/guest.sh [ARGS...] - the guest side of `make bench`, run by
# tests/bench/run through tests/vm/run.  Mounts aperturefs three times,
# the runner's mount point /mnt/apertures again with -o passthrough=all
# (the default, named so that the table says what it measured), a second
# copy with -o passthrough=off, and a fake machine with the same slots and
# BAR sizes, memory behind them, -o passthrough=off (what FUSE itself
# costs), then runs aperture-bench against them with ARGS, and
# tests/bench/scale.sh (fake machines of 1, 64 and 256 functions).  Where the kernel or libfuse has no passthrough the =all mount
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
fake=/run/aperture-bench/fake
mkdir -p "$off" "$fake"
cat >/run/aperture-bench/machine.txt <<'EOM'
function 00:04.0 1234:11e8 class=00ff rev=10
bar0 mem 1M
function 00:05.0 1af4:1110 class=0500 rev=01
bar0 mem 256
bar2 mem64 prefetch 1M
EOM
if mountpoint -q "$all"; then
	umount "$all" || { echo "guest.sh: cannot unmount $all"; exit 1; }
fi
"${pin[@]}" "$B/aperturefs" -o passthrough=all "$all" ||
	{ echo "guest.sh: mounting $all -o passthrough=all failed"; exit 1; }
"${pin[@]}" "$B/aperturefs" -o passthrough=off "$off" ||
	{ echo "guest.sh: mounting $off -o passthrough=off failed"; exit 1; }
if [ -z "${BENCH_PERF-}" ]; then
	"${pin[@]}" "$B/aperturefs" --fake=/run/aperture-bench/machine.txt \
		-o passthrough=off "$fake" ||
		{ echo "guest.sh: mounting the fake machine failed"; exit 1; }
fi
if [ -n "${BENCH_PERF-}" ]; then
	# tests/bench/profile: the cell under perf, then where the time went.
	perf=($BENCH_PERF)
	"${perf[@]}" record -q -a -g -F 2000 -o /run/perf.data -- \
		"${pin[@]}" "$B/tests/bench/aperture-bench" --off "$off" \
		--all "$all" "$@"
	status=$?
	"${perf[@]}" report -i /run/perf.data --stdio --no-children \
		--sort comm,dso,sym -g none --percent-limit 0.5 2>/dev/null |
		grep -v '^$' | head -n 60
	echo "--- call chains of the top symbols"
	"${perf[@]}" report -i /run/perf.data --stdio --no-children \
		--sort sym -g caller,0.5,callee --percent-limit 4 2>/dev/null |
		grep -v '^$' | head -n 150
else
	"${pin[@]}" "$B/tests/bench/aperture-bench" --off "$off" --all "$all" \
		--fake "$fake" "$@"
	status=$?
	umount "$fake" 2>/dev/null
	[ $status != 0 ] || "${pin[@]}" bash "$APERTURE_SRC/tests/bench/scale.sh" ||
		status=1
fi
umount "$off" 2>/dev/null
exit $status
