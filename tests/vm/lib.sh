# tests/vm/lib.sh - shared by tests/setup, tests/vm/run and friends.
# Where the cache lives and what the five test kernels are.

CACHE=${APERTUREFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aperturefs}
APT_DIR=$CACHE/apt
KERNELS=$CACHE/kernels
# The kernels make check runs: the two 64-bit worlds' four, then the
# 32-bit HIGHMEM world's (tests/setup fetches them all).
KERNEL_NAMES="6.1 6.12 6.12-deb13 7.3 6.1-686-pae"
ALL_KERNEL_NAMES="$KERNEL_NAMES"
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

log() { echo "aperturefs: $*" >&2; }
die() { echo "aperturefs: error: $*" >&2; exit 1; }

# The world of a kernel name: deb12 (host root, gcc 12, libfuse 3.14),
# deb13 (the mmdebstrap root, gcc 14, libfuse 3.17) or deb12-i386 (an
# i386 mmdebstrap root, gcc 12, libfuse 3.14, for the 32-bit PAE kernel).
kernel_world() {
	case $1 in
	6.1 | 6.12) echo deb12 ;;
	6.12-deb13 | 7.3) echo deb13 ;;
	6.1-686-pae) echo deb12-i386 ;;
	*) die "unknown kernel '$1' (one of: $ALL_KERNEL_NAMES)" ;;
	esac
}

# Unpacked kernel of a name, set up by tests/setup.
kernel_dir() {
	local d="$KERNELS/$1"
	[ -f "$d/.done" ] || die "kernel $1 is not set up: run tests/setup"
	(cd "$d" && pwd -P)
}

kernel_release() { cat "$(kernel_dir "$1")/release"; }

# The root of a world that is not this host's, set up by tests/setup.
world_root() {
	[ -f "$CACHE/$1-root/.done" ] ||
		die "the root of world $1 is not set up: run tests/setup"
	(cd "$CACHE/$1-root" && pwd -P)
}

deb13_root() { world_root deb13; }

# The QEMU of a world, and its guests' memory: the i386 world's is more
# than its kernel maps directly (896 MiB with the 3G/1G split), so that
# HIGHMEM is in use.
# TCG's threading for a kernel.  Under multi-threaded TCG, Debian's 7.3
# died of "Oops: int3" in code it was patching at run time (the int3
# protocol of text_poke, seen at boot in __hrtimer_start_range_ns while
# the other vCPU waited in smp_call_function_many_cond, and once in CI
# while check_aperture ran): a vCPU executed a breakpoint the kernel had
# already taken out, which real CPUs (serialised by the sync IPI) never
# do.  There one host thread runs both vCPUs: still two CPUs to the
# guest, no stale translated code.
kernel_tcg() {
	case $1 in
	7.3) echo tcg,thread=single ;;
	*) echo tcg ;;
	esac
}

world_qemu() {
	case $1 in
	deb12-i386) echo qemu-system-i386 ;;
	*) echo qemu-system-x86_64 ;;
	esac
}

# TCG's "max" CPU is an AMD one, family 6: a 32-bit kernel takes it for
# an Athlon and warns that such CPUs are not fit for SMP.
world_cpu() {
	case $1 in
	deb12-i386) echo max,vendor=GenuineIntel ;;
	*) echo max ;;
	esac
}

# Extra properties of the virtio-9p devices: the i386 world's are legacy
# only (I/O ports), so that they work wherever the firmware puts the
# memory BARs.  With a BAR of 2 GiB or more the modern virtio BAR lands
# above 4 GiB, and the guest then says "modern interface but no
# VIRTIO_F_VERSION_1" and never finds its root.
world_virtio() {
	case $1 in
	deb12-i386) echo ",disable-modern=on,disable-legacy=off" ;;
	*) echo ;;
	esac
}

world_memory() {
	case $1 in
	deb12-i386) echo 2G ;;
	*) echo 1G ;;
	esac
}

# Run a command in a world with the source tree at the same path: on this
# host for deb12, else chrooted into the world's root in a private mount
# namespace (nothing is left mounted), with a 32-bit uname for i386.
in_world() {
	local world=$1 root pers=
	shift
	if [ "$world" = deb12 ]; then
		(cd "$SRC" && "$@")
		return
	fi
	root=$(world_root "$world")
	[ "$world" != deb12-i386 ] || pers="setarch i686"
	$pers unshare -m --propagation private bash -c '
		root=$1; src=$2; shift 2
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		mkdir -p "$root$src"
		mount --bind "$src" "$root$src"
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root TERM=dumb bash -c "cd \"\$0\" && \"\$@\"" "$src" "$@"
	' bash "$root" "$SRC" "$@"
}

in_deb13() { in_world deb13 "$@"; }

# tcg, or kvm where /dev/kvm can really boot this kernel: a probe (a guest
# that runs `true` under KVM within 30 s) decides once per kernel, host
# kernel and QEMU version, and its answer is cached.  Nested KVM that
# cannot run a normal guest (emulation failures, refused MSRs) gives tcg.
probe_accel() {
	local k=$1 f
	if [ ! -w /dev/kvm ] || [ ! -r /dev/kvm ]; then
		echo tcg
		return
	fi
	f="$CACHE/accel/$(kernel_release "$k")_$(uname -r)_$($(world_qemu "$(kernel_world "$k")") --version | head -n 1 | tr -dc '0-9.')"
	if [ ! -f "$f" ]; then
		mkdir -p "$CACHE/accel"
		if APERTUREFS_ACCEL=kvm "$SRC/tests/vm/run" --kernel "$k" --no-module \
			--no-mount --timeout 30 -- true >/dev/null 2>&1; then
			echo kvm
		else
			echo tcg
		fi >"$f"
	fi
	cat "$f"
}

# What in a guest's kernel log is a failure (grep -E): oopses, warnings,
# sanitizers, hung tasks, lockups and stalls, allocation failures, and a
# user-space segfault.
KLOG_BAD='Kernel panic|BUG:|Oops|WARNING:|general protection|RIP:|Call Trace:'
KLOG_BAD+='|UBSAN|KASAN|refcount_t:|possible circular locking|Busy inodes'
KLOG_BAD+='|INFO: task .* blocked|page allocation failure|soft lockup|hard LOCKUP'
KLOG_BAD+='|rcu_.*detected stall|segfault at'
