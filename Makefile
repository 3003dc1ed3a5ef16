# aperturefs - every PCI BAR aperture an ordinary file.
#
# Settings (override on the command line: make KDIR=... PREFIX=...)
#
# KDIR     kernel build tree the module is built against.  Defaults to the
#          running kernel's headers, so `make && sudo make load` works on a
#          lab machine with linux-headers-$(uname -r) installed.
# PREFIX   install prefix (make install): the daemon and the aperture
#          command in $(PREFIX)/bin, libaperture's headers, man pages, the
#          fstab example, the modules-load.d entry under it; SBINDIR
#          (default /sbin) gets the mount helper, LIBDIR the library,
#          DKMSDIR (default /usr/src) the module source (make
#          install-dkms).  DESTDIR too.
# B        build directory of user space.  Each test world has its own
#          (build/deb12, build/deb13) so binaries match their libraries.
# KBUILD   where module objects go (one folder per kernel release).
# V        1 for verbose kernel builds.
# LIBDIR   where libaperture and aperture.pc are installed.
# TESTDATA public register descriptions the unit suites parse (default
#          tests/data, in the tree; tests/data/regs/README.md).
# VERSION  what aperturefs --version says (default: debian/changelog's).
# REGSDIR  where the register descriptions of regs/ are installed (and
#          where the daemon looks for them after /etc/aperturefs/regs).
KDIR    ?= /lib/modules/$(shell uname -r)/build
PREFIX  ?= /usr/local
B       ?= build/host
KBUILD  ?= build/kmod/$(notdir $(patsubst %/,%,$(dir $(realpath $(KDIR)/Makefile))))
LIBDIR  ?= $(PREFIX)/lib
CC      ?= cc
PKG_CONFIG ?= pkg-config
TESTDATA ?= tests/data
REGSDIR ?= $(PREFIX)/share/aperturefs/regs
VERSION ?= $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)

PKGS     := fuse3 libpci libxml-2.0
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes \
	    -Wno-unused-parameter
CPPFLAGS += -Iinclude -Isrc -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -MMD -MP \
	    -DAPERTUREFS_VERSION='"$(VERSION)"' \
	    -DAPERTURE_REGS_DATADIR='"$(REGSDIR)"'
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS))
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS   = $(shell $(PKG_CONFIG) --libs check) -Wl,--wrap=_tcase_add_test
ALL_CFLAGS = -std=gnu11 $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS)

LIB_SRCS   := $(wildcard src/*.c)
LIB_OBJS   := $(LIB_SRCS:%.c=$(B)/%.o)
LIB        := $(B)/libaperture.a
DAEMON_SRCS := $(wildcard fuse-mount/*.c)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(B)/%.o)
DAEMON     := $(B)/aperturefs
UNIT_SUITES := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(wildcard tests/unit/check_*.c))
VM_SUITES  := $(patsubst tests/vm/%.c,$(B)/tests/vm/%,$(wildcard tests/vm/check_*.c))
TOOLS      := $(patsubst tests/%.c,$(B)/tests/%,$(wildcard tests/tools/*.c tests/bench/*.c))

.PHONY: all user module load unload check check-all check-unit check-vm setup demo \
	bench programs install install-dkms uninstall clean format help
.DEFAULT_GOAL := all

all: user module

# Everything that is not the kernel module, for the world $(B) is built for.
user: $(LIB) $(DAEMON) $(UNIT_SUITES) $(VM_SUITES) $(TOOLS) client

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(DAEMON): $(DAEMON_OBJS) $(LIB)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

# One Check runner per suite: tests/<kind>/check_<thing>.c exports
# Suite *<thing>_suite(void); tests/check_main.c runs it.
$(B)/tests/unit/check_%: tests/unit/check_%.c tests/check_main.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests -DSUITE=$*_suite \
		-DAPERTURE_TESTDATA='"$(abspath $(TESTDATA))"' \
		-DAPERTURE_REGS_SRC='"$(abspath regs)"' \
		-DAPERTURE_QMP_CLIENT='"$(abspath $(QMP_CLIENT))"' \
		-o $@ $< tests/check_main.c $(LIB) $(PKG_LIBS) $(CHECK_LIBS)

# The host's QMP client, which tests/vm/qmp-relay runs for the guests
# (tests/vm/build makes it too), and its suite.
QMP_CLIENT := build/host-tools/qmp-client
$(QMP_CLIENT): tests/vm/qmp-client.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -o $@ $<
$(B)/tests/unit/check_qmp_client: $(QMP_CLIENT)

$(B)/tests/vm/check_%: tests/vm/check_%.c tests/check_main.c $(wildcard tests/vm/*.h) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests -DSUITE=$*_suite -DVM_SUITE \
		-o $@ $< tests/check_main.c $(LIB) $(PKG_LIBS) $(CHECK_LIBS)

# The IOMMU world's copy of check_module_dma includes it.
$(B)/tests/vm/check_module_dma_iommu: tests/vm/check_module_dma.c

# Helper programs of the tests and the benchmark (run in guests).
$(B)/tests/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

# aperture-bench is made of parts (tests/bench/ab/, one job each).
AB_SRCS := $(wildcard tests/bench/ab/*.c)
$(B)/tests/bench/aperture-bench: tests/bench/aperture-bench.c $(AB_SRCS) \
		tests/bench/ab/ab.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(AB_SRCS) $(LIB) $(PKG_LIBS) -lm

$(B)/tests/bench/%: tests/bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

# The kernel module, built out of tree in its own folder per kernel.
module:
	@if [ -f "$(KDIR)/Makefile" ]; then \
		$(MAKE) -C kmod KDIR="$(abspath $(KDIR))" OUT="$(abspath $(KBUILD))"; \
	else \
		echo "module: no kernel build tree at KDIR=$(KDIR);" \
		     "install linux-headers-$$(uname -r) or set KDIR= (skipped)"; \
	fi

load: module
	insmod $(KBUILD)/aperture_io.ko

unload:
	rmmod aperture_io

# Installs build and test dependencies, guest kernels and the worlds'
# roots when missing (a no-op once done): everything check needs.
setup:
	tests/setup --for check

# Unit suites on this host, then each guest suite on the kernels where it
# proves something (tests/vm/suites); check-all: on every kernel.
check:
	tests/setup --for check
	tests/run-checks

check-all:
	tests/setup --for check
	tests/run-checks --all

check-unit: user
	tests/run-checks --unit-only

demo:
	tests/setup --for demo
	tests/demo

bench:
	tests/setup --for bench
	tests/bench/run
	tests/bench/client-run
	tests/bench/own-run
	$(MAKE) user B=build/host
	B=build/host tests/bench/regs-mount --large 200000

# What a source install puts in place; debian/rules installs the same set
# (the four packages aperturefs, libaperture0, libaperture-dev and
# aperture-io-dkms).
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= /sbin
MANDIR     ?= $(PREFIX)/share/man
INCLUDEDIR ?= $(PREFIX)/include
DOCDIR     ?= $(PREFIX)/share/doc/aperturefs
MODLOADDIR ?= $(PREFIX)/lib/modules-load.d
DKMSDIR    ?= /usr/src
DKMS_SRC   := $(DESTDIR)$(DKMSDIR)/aperture-io-$(VERSION)
MAN8       := $(wildcard man/*.8)

# The daemon and what comes with it, then the library, its development
# files and the aperture command (install-client); never the test suites.
install: $(DAEMON) install-client
	install -D -m 0755 $(DAEMON) $(DESTDIR)$(BINDIR)/aperturefs
	install -d $(DESTDIR)$(SBINDIR)
	ln -sfn $(BINDIR)/aperturefs $(DESTDIR)$(SBINDIR)/mount.fuse.aperturefs
	install -d $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	install -D -m 0644 man/fstab.example $(DESTDIR)$(DOCDIR)/examples/fstab
	install -D -m 0644 man/modules-load.conf \
		$(DESTDIR)$(MODLOADDIR)/aperturefs.conf
	install -d $(DESTDIR)$(REGSDIR)
	install -m 0644 regs/*.svd regs/*.xml $(DESTDIR)$(REGSDIR)/

# The module's source and dkms.conf, for `dkms install aperture-io/$(VERSION)`.
install-dkms:
	install -d $(DKMS_SRC)/include
	install -m 0644 kmod/Kbuild $(wildcard kmod/*.c kmod/*.h) $(DKMS_SRC)/
	install -m 0644 $(wildcard include/*.h) $(DKMS_SRC)/include/
	sed 's/#MODULE_VERSION#/$(VERSION)/' debian/aperture-io-dkms.dkms \
		>$(DKMS_SRC)/dkms.conf

# Removes what install and install-dkms put in place.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/aperturefs \
		$(DESTDIR)$(SBINDIR)/mount.fuse.aperturefs \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MAN8))) \
		$(DESTDIR)$(DOCDIR)/examples/fstab \
		$(DESTDIR)$(MODLOADDIR)/aperturefs.conf
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR)
	rm -f $(addprefix $(DESTDIR)$(REGSDIR)/,$(notdir $(wildcard regs/*.svd regs/*.xml)))
	-rmdir $(DESTDIR)$(REGSDIR)
	rm -f $(DESTDIR)$(BINDIR)/aperture \
		$(DESTDIR)$(LIBDIR)/libaperture.so* \
		$(DESTDIR)$(LIBDIR)/pkgconfig/aperture.pc \
		$(DESTDIR)$(MANDIR)/man1/aperture.1 \
		$(DESTDIR)$(MANDIR)/man3/libaperture.3
	rm -rf $(DESTDIR)$(INCLUDEDIR)/aperture
	rm -rf $(DKMS_SRC)

format:
	clang-format -i $(wildcard src/*.[ch] include/*.h fuse-mount/*.[ch] \
		kmod/*.[ch] tests/*.[ch] tests/*/*.[ch])

clean:
	rm -rf build
	$(MAKE) -C kmod clean

help:
	@sed -n '1,/^PKG_CONFIG/p' Makefile | sed -n 's/^# \{0,1\}//p'
	@echo "Targets: all user module load unload check check-all check-unit setup demo bench programs install install-client install-dkms uninstall format clean"

include client.mk

# What install installs, built without the test suites: the daemon, the
# library and the aperture command (debian/rules builds this).
programs: $(DAEMON) $(APLIB) $(APTOOL).installable

-include $(LIB_OBJS:.o=.d) $(DAEMON_OBJS:.o=.d)
