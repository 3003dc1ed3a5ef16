# tests/vm/lib.sh - shared by tests/setup, tests/vm/run and friends.
# Where the cache lives, the worlds and the test kernels.

CACHE=${APERTUREFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aperturefs}
KERNELS=$CACHE/kernels
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# The worlds: a user-space root and the QEMU that boots its kernels, one
# line each.  ROOT is "host" (this machine's own root, read-only under an
# overlay in the guest) or the Debian suite of a root that tests/setup
# builds with mmdebstrap for ARCH.  VIRTIO "legacy": the 9p devices are
# legacy only (I/O ports), so that they work wherever the firmware puts
# the memory BARs (with a BAR of 2 GiB or more the i386 guest's modern
# virtio BAR lands above 4 GiB, and it never finds its root).  The i386
# world's memory is more than its kernel maps directly (896 MiB with the
# 3G/1G split), so that HIGHMEM is in use; its CPU says GenuineIntel, or
# a 32-bit kernel takes TCG's AMD "max" for an Athlon unfit for SMP.
# MACHINE is QEMU's machine, CONSOLE the guest's console (the kernel's
# messages, into the host's console log) and OUT the terminal that carries
# the command's output back (a second UART, or a virtio console where the
# machine has one UART only), IMAGE the kernel file QEMU boots (vmlinux:
# the x86 ELF, PVH entry; Image: the arm64 boot image, uncompressed).
# arm64: -M virt has no firmware here (-kernel boots the Image directly and
# the kernel enumerates PCIe from QEMU's device tree); "pauth-impdef" makes
# TCG's pointer authentication an implementation-defined hash instead of
# QARMA, which is far slower to emulate.  QEMU is this host's, or with
# "@SUITE" the one of Debian SUITE, from an amd64 root of its own that
# tests/setup builds (qemu_root): arm64 takes trixie's QEMU 10.0, whose
# TCG raises the alignment faults of Device memory that 7.2 does not.
# BUILD is where user space and the module are built: "native" with the
# world's own compiler (on this host for a "host" world, else inside the
# world's root), "cross" from an amd64 root of the same Debian suite that
# holds that suite's cross gcc and the amd64 build of the kernels' kbuild
# tools, with the world's root as the sysroot (cross_root, tests/vm/build):
# Debian builds its arm64 kernels with that very cross gcc, and native
# speed beats a build under qemu-user by a factor of ten or more.
#	world		arch	root		qemu			cpu			memory	virtio	machine	console	out	image	build
WORLD_TABLE='
deb12		amd64	host		qemu-system-x86_64	max			1G	modern	q35	ttyS0	ttyS1	vmlinux	native
deb13		amd64	trixie		qemu-system-x86_64	max			1G	modern	q35	ttyS0	ttyS1	vmlinux	native
deb12-i386	i386	bookworm	qemu-system-i386	max,vendor=GenuineIntel	2G	legacy	q35	ttyS0	ttyS1	vmlinux	native
deb13-arm64	arm64	trixie		qemu-system-aarch64@trixie max,pauth-impdef=on	1G	modern	virt	ttyAMA0	hvc0	Image	cross
'


# The kernels, one line each: the name the runners use, its world, the
# suite and flavour of Debian's linux-image package, and TCG's threading.
# Under multi-threaded TCG, Debian's 7.3 died of "Oops: int3" in code it
# was patching at run time (the int3 protocol of text_poke: a vCPU ran a
# breakpoint the kernel had already taken out, which real CPUs,
# serialised by the sync IPI, never do): there one host thread runs both
# vCPUs.  A kernel of a "host" world has its headers unpacked privately;
# the others' headers are installed in their world's root.
#	kernel		world		suite			flavour	tcg
KERNEL_TABLE='
6.1		deb12		bookworm		amd64	tcg
6.12		deb12		bookworm-backports	amd64	tcg
6.12-deb13	deb13		trixie			amd64	tcg
7.3		deb13		trixie-backports	amd64	tcg,thread=single
6.1-686-pae	deb12-i386	bookworm		686-pae	tcg
6.12-arm64	deb13-arm64	trixie			arm64	tcg
7.3-arm64	deb13-arm64	trixie-backports	arm64	tcg
'

# The kernels make check runs, in this order: every kernel but 7.3-arm64
# (one arm64 kernel in make check, whose guests run about ten times
# slower than x86's).  ALL_KERNEL_NAMES: every kernel of the table, which
# make check-all runs and tests/setup --for check sets up.
ALL_KERNEL_NAMES=$(awk 'NF { print $1 }' <<<"$KERNEL_TABLE" | xargs)
KERNEL_NAMES=$(awk 'NF && $1 != "7.3-arm64" { print $1 }' <<<"$KERNEL_TABLE" | xargs)

log() { echo "aperturefs: $*" >&2; }
die() { echo "aperturefs: error: $*" >&2; exit 1; }

# Column $2 (1-based) of the kernel table's line for kernel $1.
kernel_field() {
	local v
	v=$(awk -v k="$1" -v c="$2" '$1 == k { print $c; exit }' <<<"$KERNEL_TABLE")
	[ -n "$v" ] || die "unknown kernel '$1' (one of: $ALL_KERNEL_NAMES)"
	echo "$v"
}

# Column $2 of the world table's line for world $1.
world_field() {
	local v
	v=$(awk -v w="$1" -v c="$2" '$1 == w { print $c; exit }' <<<"$WORLD_TABLE")
	[ -n "$v" ] || die "unknown world '$1'"
	echo "$v"
}

kernel_world() { kernel_field "$1" 2; }
kernel_suite() { kernel_field "$1" 3; }
kernel_flavour() { kernel_field "$1" 4; }
kernel_tcg() { kernel_field "$1" 5; }
world_arch() { world_field "$1" 2; }
world_root_suite() { world_field "$1" 3; }
world_qemu() { local q; q=$(world_field "$1" 4); echo "${q%@*}"; }
# The Debian suite whose QEMU a world uses, "" for this host's.
world_qemu_suite() {
	local q
	q=$(world_field "$1" 4)
	[ "${q%@*}" = "$q" ] || echo "${q#*@}"
}
# The Debian package of a QEMU binary.
qemu_package() {
	case $1 in
	qemu-system-aarch64) echo qemu-system-arm ;;
	*) echo qemu-system-x86 ;;
	esac
}

# The amd64 root holding Debian $1's QEMU for world $2; set up on first use.
qemu_root() {
	if [ ! -f "$CACHE/qemu-$1-root/.done" ]; then
		"$SRC/tests/setup" --world "$2" >&2 ||
			die "the QEMU of Debian $1 could not be set up (tests/setup --world $2)"
	fi
	(cd "$CACHE/qemu-$1-root" && pwd -P)
}

# Runs world $1's QEMU with the arguments given, in place of this shell
# (exec: the caller's $! is QEMU's pid).  A QEMU of its own root runs
# chrooted there, in a private mount namespace that shows it this host's
# /dev, /proc, /sys, /tmp, the cache and the tree at their own paths (the
# runner's files and shares live there).  APERTUREFS_HOST_QEMU=1 takes
# this host's QEMU instead, to compare.
exec_qemu() {
	local world=$1 suite bin
	shift
	suite=$(world_qemu_suite "$world")
	[ -z "${APERTUREFS_HOST_QEMU:-}" ] || suite=
	bin=$(world_qemu "$world")
	[ -n "$suite" ] || exec "$bin" "$@"
	exec unshare -m --propagation private bash -c '
		root=$1 cache=$2 src=$3 bin=$4; shift 4
		mount --rbind /dev "$root/dev" && mount -t proc proc "$root/proc" &&
			mount --rbind /sys "$root/sys" || exit 125
		for d in /tmp "${TMPDIR:-/tmp}" "$cache" "$src"; do
			mkdir -p "$root$d" && mount --bind "$d" "$root$d" || exit 125
		done
		exec chroot "$root" "$bin" "$@"
	' bash "$(qemu_root "$suite" "$world")" "$CACHE" "$SRC" "$bin" "$@"
}
world_cpu() { world_field "$1" 5; }
world_memory() { world_field "$1" 6; }
world_machine() { world_field "$1" 8; }
world_console() { world_field "$1" 9; }
world_out() { world_field "$1" 10; }
world_image() { world_field "$1" 11; }
world_build() { world_field "$1" 12; }
# The GNU triplet of an architecture (the prefix of its cross tools).
arch_triplet() {
	case $1 in
	amd64) echo x86_64-linux-gnu ;;
	i386) echo i686-linux-gnu ;;
	arm64) echo aarch64-linux-gnu ;;
	*) die "no GNU triplet known for $1" ;;
	esac
}
world_kernels() { awk -v w="$1" '$2 == w { print $1 }' <<<"$KERNEL_TABLE" | xargs; }
world_names() { awk 'NF { print $1 }' <<<"$WORLD_TABLE" | xargs; }
kernel_arch() { world_arch "$(kernel_world "$1")"; }

world_virtio() {
	[ "$(world_field "$1" 7)" = modern ] ||
		echo ",disable-modern=on,disable-legacy=off"
}

# Unpacked kernel of a name; set up on first use (tests/setup --kernel).
kernel_dir() {
	local d="$KERNELS/$1"
	if [ ! -f "$d/.done" ]; then
		kernel_world "$1" >/dev/null
		"$SRC/tests/setup" --kernel "$1" >&2 ||
			die "kernel $1 could not be set up (tests/setup --kernel $1)"
	fi
	(cd "$d" && pwd -P)
}

kernel_release() { cat "$(kernel_dir "$1")/release"; }

# The root of a world that is not this host's; set up on first use.
world_root() {
	if [ ! -f "$CACHE/$1-root/.done" ]; then
		"$SRC/tests/setup" --world "$1" >&2 ||
			die "the root of world $1 could not be set up (tests/setup --world $1)"
	fi
	(cd "$CACHE/$1-root" && pwd -P)
}

deb13_root() { world_root deb13; }

# Run a command in a world with the source tree at the same path: on this
# host for a "host" world, else chrooted into the world's root in a
# private mount namespace (nothing is left mounted), with a 32-bit uname
# for i386.
in_world() {
	local world=$1 root pers=
	shift
	if [ "$(world_root_suite "$world")" = host ]; then
		(cd "$SRC" && "$@")
		return
	fi
	root=$(world_root "$world")
	foreign_exec "$(world_arch "$world")"
	[ "$(world_arch "$world")" != i386 ] || pers="setarch i686"
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

# The binfmt_misc magic and mask of each foreign architecture's ELF
# executables, as Debian's qemu-user-static writes them in
# /usr/lib/binfmt.d (which has no i386 entry on amd64: Debian assumes
# amd64 kernels run i386 natively).
BINFMT_i386='\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00:\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
BINFMT_arm64='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'

# Makes sure this host can execute binaries of architecture $1 (i386,
# arm64): natively, through a binfmt_misc handler already there, or by
# registering Debian's qemu-user-static for it (flag F: the interpreter
# is opened now, so it works inside chroots), which needs root.  Says in
# one line what it did; fails at once, naming the cause and the remedy,
# where it cannot be done.  APERTUREFS_FOREIGN_EXEC=qemu registers the
# emulator even where the host runs the binaries natively (to try the
# path on such a host; undone with echo -1 >/proc/sys/fs/binfmt_misc/qemu-ARCH).
foreign_exec() {
	local arch=$1 qarch bm=/proc/sys/fs/binfmt_misc magic
	[ "$arch" != "$(dpkg --print-architecture)" ] || return 0
	case $arch in
	i386) qarch=i386 ;;
	arm64) qarch=aarch64 ;;
	*) die "no way to execute $arch binaries here" ;;
	esac
	if [ "${APERTUREFS_FOREIGN_EXEC:-}" != qemu ] || [ -e "$bm/qemu-$qarch" ]; then
		arch-test "$arch" >/dev/null 2>&1 && return 0
	fi
	[ "$(id -u)" = 0 ] ||
		die "this host cannot execute $arch binaries (arch-test $arch fails)," \
		    "and registering qemu-$qarch-static with binfmt_misc needs root:" \
		    "run as root, or on a host whose kernel runs $arch"
	if [ ! -e "$bm/register" ]; then
		mount -t binfmt_misc binfmt_misc "$bm" 2>/dev/null ||
			die "this host cannot execute $arch binaries (arch-test $arch" \
			    "fails) and has no binfmt_misc to run them through" \
			    "qemu-user-static: load binfmt_misc (modprobe binfmt_misc)" \
			    "or use a host whose kernel runs $arch"
	fi
	[ -x /usr/bin/qemu-$qarch-static ] || install_packages qemu-user-static
	if [ ! -e "$bm/qemu-$qarch" ]; then
		magic=BINFMT_$arch
		printf ':qemu-%s:M::%s:/usr/bin/qemu-%s-static:F\n' "$qarch" \
			"${!magic}" "$qarch" >"$bm/register" ||
			die "cannot register qemu-$qarch-static with binfmt_misc"
	fi
	arch-test "$arch" >/dev/null 2>&1 ||
		die "registered qemu-$qarch-static with binfmt_misc, yet arch-test $arch still fails"
	log "this host cannot execute $arch binaries natively: registered" \
	    "qemu-$qarch-static with binfmt_misc (flag F) to run the $arch root"
}

# Installs the Debian packages given that are missing (as root).
install_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] ||
		die "these Debian packages are missing and installing them needs" \
		    "root: ${missing[*]} (run as root, or apt-get install them)"
	log "installing Debian packages: ${missing[*]}"
	apt-get update -qq --error-on=any ||
		die "apt-get update failed: fix the system's apt sources"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install failed: ${missing[*]}"
}

in_deb13() { in_world deb13 "$@"; }

# The amd64 root that cross-builds for world $1; set up on first use.
cross_root() {
	if [ ! -f "$CACHE/cross-$1-root/.done" ]; then
		"$SRC/tests/setup" --world "$1" >&2 ||
			die "the cross build root of world $1 could not be set up (tests/setup --world $1)"
	fi
	(cd "$CACHE/cross-$1-root" && pwd -P)
}

# Runs a command in the cross build root of world $1 as in_world does,
# with the world's root seen at /sysroot and its /usr/src (the kernels'
# headers, whose scripts and tools links then lead to the cross root's
# amd64 kbuild of the same version) at /usr/src.
in_cross() {
	local world=$1 root sysroot
	shift
	root=$(cross_root "$world")
	sysroot=$(world_root "$world")
	unshare -m --propagation private bash -c '
		root=$1; src=$2; sysroot=$3; shift 3
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		mkdir -p "$root$src" "$root/sysroot"
		mount --bind "$src" "$root$src"
		mount --bind "$sysroot" "$root/sysroot"
		mount --bind "$sysroot/usr/src" "$root/usr/src"
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root TERM=dumb bash -c "cd \"\$0\" && \"\$@\"" "$src" "$@"
	' bash "$root" "$SRC" "$sysroot" "$@"
}

# tcg, or kvm where /dev/kvm can really boot this kernel: a probe (a guest
# that runs `true` under KVM within 30 s) decides once per kernel, host
# kernel and QEMU version, and its answer is cached.  Nested KVM that
# cannot run a normal guest (emulation failures, refused MSRs) gives tcg.
probe_accel() {
	local k=$1 f
	# KVM runs guests of this host's own architecture only (amd64 runs
	# i386 guests too).
	if [ ! -w /dev/kvm ] || [ ! -r /dev/kvm ] || [ "$(kernel_arch "$k")" = arm64 ]; then
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
KLOG_BAD+='|rcu_.*detected stall|segfault at|Internal error:'
