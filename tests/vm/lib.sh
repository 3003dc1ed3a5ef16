# tests/vm/lib.sh - shared by tests/setup, tests/vm/run and friends.
# Where the cache lives and what the four test kernels are.

CACHE=${APERTUREFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aperturefs}
APT_DIR=$CACHE/apt
KERNELS=$CACHE/kernels
KERNEL_NAMES="6.1 6.12 6.12-deb13 7.3"
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

log() { echo "aperturefs: $*" >&2; }
die() { echo "aperturefs: error: $*" >&2; exit 1; }

# The world of a kernel name: deb12 (host root, gcc 12, libfuse 3.14) or
# deb13 (the mmdebstrap root, gcc 14, libfuse 3.17).
kernel_world() {
	case $1 in
	6.1 | 6.12) echo deb12 ;;
	6.12-deb13 | 7.3) echo deb13 ;;
	*) die "unknown kernel '$1' (one of: $KERNEL_NAMES)" ;;
	esac
}

# Unpacked kernel of a name, set up by tests/setup.
kernel_dir() {
	local d="$KERNELS/$1"
	[ -f "$d/.done" ] || die "kernel $1 is not set up: run tests/setup"
	(cd "$d" && pwd -P)
}

kernel_release() { cat "$(kernel_dir "$1")/release"; }

# The Debian 13 root, set up by tests/setup.
deb13_root() {
	[ -f "$CACHE/deb13-root/.done" ] ||
		die "the Debian 13 root is not set up: run tests/setup"
	(cd "$CACHE/deb13-root" && pwd -P)
}

# Run a command inside the Debian 13 root with the source tree at the same
# path, in a private mount namespace (nothing is left mounted).
in_deb13() {
	local root
	root=$(deb13_root)
	unshare -m --propagation private bash -c '
		root=$1; src=$2; shift 2
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		mkdir -p "$root$src"
		mount --bind "$src" "$root$src"
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root TERM=dumb bash -c "cd \"\$0\" && \"\$@\"" "$src" "$@"
	' bash "$root" "$SRC" "$@"
}

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
	f="$CACHE/accel/$(kernel_release "$k")_$(uname -r)_$(qemu-system-x86_64 --version | head -n 1 | tr -dc '0-9.')"
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
