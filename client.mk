# client.mk - libaperture (the public library, lib/ and include/aperture/)
# and the aperture command (tools/), included by the Makefile.
#
# libaperture.so.$(APLIB_VERSION) with soname libaperture.so.0 exports
# only what lib/libaperture.map lists.  The command links against it with
# a $ORIGIN run path in the build tree; `make install` (install-client)
# installs a copy linked without one.  The example Check suite
# (examples/edu) is built the way a user builds it: from a staged install
# ($(STAGE)) through pkg-config, never from the source tree.

# The version is the header's APERTURE_LIB_VERSION (0xMMmmpp), one source.
APLIB_VERSION := $(shell printf '%d.%d.%d' $$(sed -n 's/^\#define APERTURE_LIB_VERSION[[:space:]]*0x\(..\)\(..\)\(..\).*/0x\1 0x\2 0x\3/p' include/aperture/aperture.h))
APLIB_SONAME  := libaperture.so.0
# src/filter.c is the daemon's lspci -s/-d parser, shared (lib/match.c).
APLIB_SRCS := $(wildcard lib/*.c) src/filter.c
APLIB_OBJS := $(APLIB_SRCS:%.c=$(B)/pic/%.o)
APLIB_LIBS  = $(shell $(PKG_CONFIG) --libs libpci)
APLIB      := $(B)/lib/libaperture.so.$(APLIB_VERSION)
# src/own_sysfs.c: owning through sysfs, shared with the daemon (-o own=).
APTOOL_SRCS := $(wildcard tools/*.c) src/own_sysfs.c
APTOOL_OBJS := $(APTOOL_SRCS:%.c=$(B)/%.o)
APTOOL     := $(B)/aperture
STAGE      := $(B)/stage
APEXAMPLE  := $(B)/examples/edu/check_edu
CLIENT_UNIT := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(wildcard tests/unit/check_client*.c))

.PHONY: client install-client

client: $(APLIB) $(APTOOL) $(APTOOL).installable $(CLIENT_UNIT) $(APEXAMPLE)

$(B)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -c -o $@ $<

# Exported symbols are the ones lib/libaperture.map lists; the rest
# stay local to the library.
$(APLIB): $(APLIB_OBJS) lib/libaperture.map
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -Wl,-soname,$(APLIB_SONAME) \
		-Wl,--version-script=lib/libaperture.map -Wl,--no-undefined \
		-o $@ $(APLIB_OBJS) $(APLIB_LIBS)
	ln -sf $(notdir $@) $(B)/lib/$(APLIB_SONAME)
	ln -sf $(APLIB_SONAME) $(B)/lib/libaperture.so

$(APTOOL): $(APTOOL_OBJS) $(APLIB)
	$(CC) $(CFLAGS) -o $@ $(APTOOL_OBJS) -L$(B)/lib -laperture \
		-Wl,-rpath,'$$ORIGIN/lib'

$(APTOOL).installable: $(APTOOL_OBJS) $(APLIB)
	$(CC) $(CFLAGS) -o $@ $(APTOOL_OBJS) -L$(B)/lib -laperture

# The command's unit suites link its parts but main.
APTOOL_PARTS := $(filter-out $(B)/tools/aperture.o,$(APTOOL_OBJS))
# A static pattern rule: explicit, so it always wins over the Makefile's
# implicit tests/unit/check_% rule (make 4.4 may pick either otherwise).
$(CLIENT_UNIT): $(B)/tests/unit/check_client%: tests/unit/check_client%.c \
		tests/check_main.c $(APTOOL_PARTS) $(APLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests -Itools \
		-DSUITE=client$(subst -,_,$*)_suite -DCLIENT_SRCDIR='"$(CURDIR)"' \
		-o $@ $< tests/check_main.c \
		$(APTOOL_PARTS) -L$(B)/lib -laperture \
		-Wl,-rpath,'$$ORIGIN/../../lib' $(CHECK_LIBS)

# The host suite that watches the library's loads and stores on a
# mapping: linked from its objects, with lib/smaps.c's answer stood in
# for (tests/unit/check_lib_widths.c says why).
$(B)/tests/unit/check_lib_widths: tests/unit/check_lib_widths.c \
		tests/check_main.c tests/unit/client_util.h $(APLIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests -DSUITE=lib_widths_suite \
		-o $@ $< tests/check_main.c $(APLIB_OBJS) $(APLIB_LIBS) \
		-Wl,--wrap=apl_maps_io $(CHECK_LIBS)

# The LD_PRELOAD shim that logs a fake machine's BAR accesses, for
# check_fake_widths (built without _FILE_OFFSET_BITS: pread and pread64
# are two symbols there), which also runs the command.
$(B)/tests/unit/iolog.so: tests/unit/iolog.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -D_GNU_SOURCE $(CFLAGS) -fPIC -shared \
		-o $@ $< -ldl
$(B)/tests/unit/check_fake_widths: $(B)/tests/unit/iolog.so $(APTOOL) $(DAEMON)

# The library, its development files and the command, with their man
# pages: part of `make install`, or alone.
install-client: $(APLIB) $(APTOOL).installable
	install -D -m 0755 $(APTOOL).installable $(DESTDIR)$(BINDIR)/aperture
	install -D -m 0644 $(APLIB) $(DESTDIR)$(LIBDIR)/$(notdir $(APLIB))
	ln -sf $(notdir $(APLIB)) $(DESTDIR)$(LIBDIR)/$(APLIB_SONAME)
	ln -sf $(APLIB_SONAME) $(DESTDIR)$(LIBDIR)/libaperture.so
	install -d $(DESTDIR)$(INCLUDEDIR)/aperture
	install -m 0644 include/aperture/aperture.h \
		include/aperture/aperture-check.h $(DESTDIR)$(INCLUDEDIR)/aperture/
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(APLIB_VERSION)|' lib/aperture.pc.in \
		>$(DESTDIR)$(LIBDIR)/pkgconfig/aperture.pc
	install -D -m 0644 man/aperture.1 $(DESTDIR)$(MANDIR)/man1/aperture.1
	install -D -m 0644 man/libaperture.3 $(DESTDIR)$(MANDIR)/man3/libaperture.3
	@# Into the running system: the dynamic linker's cache learns the
	@# library (a staged or packaged install leaves that to its owner).
	if [ -z "$(DESTDIR)" ]; then ldconfig || :; fi

# A staged install under $(STAGE)/usr, which the example is built from.
$(STAGE)/.done: $(APLIB) $(APTOOL).installable lib/aperture.pc.in \
		$(wildcard include/aperture/*.h) $(wildcard man/*.[13])
	rm -rf $(STAGE)
	$(MAKE) -s install-client DESTDIR=$(abspath $(STAGE)) PREFIX=/usr \
		LIBDIR=/usr/lib B=$(B)
	touch $@

# As a user would: pkg-config finds aperture.pc in the staged install.
$(APEXAMPLE): examples/edu/check_edu.c examples/edu/Makefile $(STAGE)/.done
	@mkdir -p $(dir $@)
	PKG_CONFIG_PATH=$(abspath $(STAGE))/usr/lib/pkgconfig \
	PKG_CONFIG_SYSROOT_DIR=$(abspath $(STAGE)) \
		$(MAKE) -C examples/edu OUT=$(abspath $(dir $@))

-include $(APLIB_OBJS:.o=.d) $(APTOOL_OBJS:.o=.d)

# The guest suite of the client links libaperture as a user's program does
# (an explicit rule: it wins over the pattern rule of tests/vm/check_%).
$(B)/tests/vm/check_aperture: tests/vm/check_aperture.c tests/check_main.c \
		$(wildcard tests/vm/*.h) $(APLIB) $(APEXAMPLE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests -DSUITE=aperture_suite \
		-DVM_SUITE -o $@ $< tests/check_main.c -L$(B)/lib -laperture \
		-Wl,-rpath,'$$ORIGIN/../../lib' $(CHECK_LIBS)

# Issue 23's holdout links libaperture the same way.
$(B)/tests/vm/check_holdout: tests/vm/check_holdout.c tests/check_main.c \
		$(wildcard tests/vm/*.h) $(APLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests -DSUITE=holdout_suite \
		-DVM_SUITE -o $@ $< tests/check_main.c -L$(B)/lib -laperture \
		-Wl,-rpath,'$$ORIGIN/../../lib' $(CHECK_LIBS)

# Issue 13's benchmark program (tests/bench/client-run runs it in guests).
$(B)/tests/bench/client-bench: tests/bench/client-bench.c $(APLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< -L$(B)/lib -laperture \
		-Wl,-rpath,'$$ORIGIN/../../lib'
