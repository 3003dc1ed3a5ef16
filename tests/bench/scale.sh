#!/bin/bash
# tests/bench/scale.sh [ROUNDS] - the daemon's cost against the number of
# functions, on fake machines (aperturefs --fake) with 1, 64 and 256
# functions (edu-like, one 4 KiB memory BAR each, spread over buses as
# bridges would): the time to mount, to `ls -R` the tree and to read
# every function's info, each the median of ROUNDS (default 5) runs.
# The daemon-side cost is what scales; QEMU's bus has no room for 256
# functions, the fake machine does.  Prints a table, "MD|" lines for
# README and a "TARGET|" line: one more function costs no more among
# functions 65-256 than among 2-64, within 1.5x (the cost per function
# must not grow with the count).
# Run by tests/bench/guest.sh in a guest; needs $B (the build).
set -u
rounds=${1:-5}
work=$(mktemp -d /run/aperture-scale.XXXXXX)
mnt=$work/mnt
mkdir -p "$mnt"

# A machine of $1 functions.
describe() {
	local n=$1 i
	for ((i = 0; i < n; i++)); do
		printf 'function %02x:%02x.%x 1234:11e8 class=00ff rev=10\n' \
			$((1 + i / 64)) $(((i / 8) % 8)) $((i % 8))
		printf 'bar0 mem 4K\n'
	done >"$work/m$n.txt"
}

now() { date +%s%N; }

# Median of the numbers on stdin.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A t_mount t_ls t_info
for n in 1 64 256; do
	describe "$n"
	: >"$work/mount" ; : >"$work/ls" ; : >"$work/info"
	for ((r = 0; r < rounds; r++)); do
		t0=$(now)
		"$B/aperturefs" --fake="$work/m$n.txt" -o passthrough=off \
			"$mnt" || { echo "scale: mount of $n failed"; exit 1; }
		t1=$(now)
		ls -R "$mnt" >/dev/null
		t2=$(now)
		cat "$mnt"/0*/info >/dev/null
		t3=$(now)
		echo $((t1 - t0)) >>"$work/mount"
		echo $((t2 - t1)) >>"$work/ls"
		echo $((t3 - t2)) >>"$work/info"
		umount "$mnt"
	done
	t_mount[$n]=$(median <"$work/mount")
	t_ls[$n]=$(median <"$work/ls")
	t_info[$n]=$(median <"$work/info")
done
rm -rf "$work"

ms() { awk -v t="$1" 'BEGIN { printf "%.2f ms", t / 1e6 }'; }
per() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.1f us", t / n / 1e3 }'; }

echo
echo "Scale: fake machines, median of $rounds runs (total; per function)"
printf '%-10s | %-24s | %-24s | %-24s\n' functions mount "ls -R" "every info"
echo "MD|"
echo "MD|Scale (fake machines of 1, 64 and 256 functions, daemon-side; median of $rounds runs; total, and per function):"
echo "MD|"
echo "MD|| functions | mount | ls -R | read every info |"
echo "MD|| ---: | ---: | ---: | ---: |"
for n in 1 64 256; do
	printf '%-10s | %-24s | %-24s | %-24s\n' "$n" \
		"$(ms ${t_mount[$n]}) ($(per ${t_mount[$n]} $n))" \
		"$(ms ${t_ls[$n]}) ($(per ${t_ls[$n]} $n))" \
		"$(ms ${t_info[$n]}) ($(per ${t_info[$n]} $n))"
	echo "MD|| $n | $(ms ${t_mount[$n]}) ($(per ${t_mount[$n]} $n)) | $(ms ${t_ls[$n]}) ($(per ${t_ls[$n]} $n)) | $(ms ${t_info[$n]}) ($(per ${t_info[$n]} $n)) |"
done
# The cost of one more function: from 64 to 256 against from 1 to 64
# (the fixed cost of a mount or a process start cancels out; a per-
# function cost that grew with the count would show here).
worst=$(awk -v m1="${t_mount[1]}" -v m64="${t_mount[64]}" -v m256="${t_mount[256]}" \
	-v l1="${t_ls[1]}" -v l64="${t_ls[64]}" -v l256="${t_ls[256]}" \
	-v i1="${t_info[1]}" -v i64="${t_info[64]}" -v i256="${t_info[256]}" 'BEGIN {
	r[1] = ((m256 - m64) / 192) / ((m64 - m1) / 63); w[1] = "mount"
	r[2] = ((l256 - l64) / 192) / ((l64 - l1) / 63); w[2] = "ls -R"
	r[3] = ((i256 - i64) / 192) / ((i64 - i1) / 63); w[3] = "info"
	b = 1; for (k = 2; k <= 3; k++) if (r[k] > r[b]) b = k
	printf "%.2f %s", r[b], w[b] }')
ratio=${worst%% *} what=${worst#* }
met=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.5) ? "met" : "MISSED" }')
echo "TARGET|${APERTURE_KERNEL:-?}|${APERTURE_WORLD:-?}|$met|one more function costs at 256 <= 1.5x at 64|worst: $what, each of functions 65-256 ${ratio}x each of functions 2-64"
