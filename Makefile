# xpan: one top-level Makefile. Layout conventions keep it stable:
#   bpf/*.bpf.c          -> build/bpf/<stem>.bpf.o and build/bpf/<stem>.skel.h
#   lib/*.c              -> build/libxpan.a (code shared by all binaries)
#   loader/ ctrld/ iodaemon/ -> build/xpan, build/xpan-ctrld, build/xpan-iod;
#        every file but main.c also goes into build/lib<module>.a so unit
#        tests can link against it
#   tests/unit/test_*.c  -> Criterion binaries, plain and with ASan+UBSan
#   tests/dataplane/*.c  -> BPF_PROG_TEST_RUN runners (need root)
#   */module.mk          -> optional per-directory extras
# Quiet unless V=1.

.DELETE_ON_ERROR:
.SECONDARY:
.SUFFIXES:

Q := @
ifeq ($(V),1)
Q :=
endif
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
ifeq ($(V),1)
msg :=
endif

B        := build
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

PKGS     := libbpf libxdp libnl-3.0 libnl-route-3.0 liburing sqlite3 yaml-0.1 jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lelf -lz -lpthread

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
XCFLAGS  := -std=gnu11 $(WARN) -D_GNU_SOURCE -I. -Ilib -I$(B)/bpf $(PKG_CFLAGS) -MMD -MP
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# -mcpu=v3: atomic fetch-and-add and compare-and-swap (learn quota, storm
# control); kernels since 5.12 run it.
BPF_CFLAGS := -target bpf -mcpu=v3 -O2 -g $(WARN) -D__TARGET_ARCH_$(ARCH) -I. -Ibpf -MMD -MP \
	-Wno-unused-function

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(B)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS    := $(patsubst bpf/%.bpf.c,$(B)/bpf/%.skel.h,$(BPF_SRCS))

LIB_SRCS := $(wildcard lib/*.c)
MODULES  := loader ctrld iodaemon
mod_srcs  = $(filter-out $(1)/main.c,$(wildcard $(1)/*.c))

BIN_loader   := $(B)/xpan
BIN_ctrld    := $(B)/xpan-ctrld
BIN_iodaemon := $(B)/xpan-iod
BINS := $(foreach m,$(MODULES),$(if $(wildcard $(m)/main.c),$(BIN_$(m))))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS))
UNIT_ASAN := $(patsubst tests/unit/%.c,$(B)/tests/asan/%,$(UNIT_SRCS))
DP_SRCS   := $(wildcard tests/dataplane/*.c)
DP_MAIN   := $(B)/tests/dp_tests

# Libraries in link order: modules before the shared lib they use.
MOD_LIBS  = $(foreach m,$(MODULES),$(if $(call mod_srcs,$(m)),$(B)/lib$(m).a))
MOD_LIBS_ASAN = $(foreach m,$(MODULES),$(if $(call mod_srcs,$(m)),$(B)/asan/lib$(m).a))

.PHONY: all bpf test test-all test-unit test-dataplane test-fuzz test-integration test-storage \
	bench demo demo-down clean install deps
all: $(BINS) $(BPF_OBJS)

deps:
	$(Q)bash scripts/deps.sh

# vmlinux.h comes from the running kernel's BTF when it is not checked in.
vmlinux.h:
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(B)/bpf/%.bpf.o: bpf/%.bpf.c vmlinux.h | $(B)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(B)/bpf/%.skel.h: $(B)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name xpan_$(subst .bpf.o,,$(notdir $<)) > $@

bpf: $(BPF_OBJS) $(SKELS)

# Every user-space object may include a skeleton: build them first.
$(B)/obj/%.o: %.c $(SKELS)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -c $< -o $@

$(B)/asan/obj/%.o: %.c $(SKELS)
	@mkdir -p $(@D)
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) -O1 -g $(XCFLAGS) $(SAN) -c $< -o $@

$(B)/libxpan.a: $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^
$(B)/asan/libxpan.a: $(patsubst %.c,$(B)/asan/obj/%.o,$(LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

define module_rules
$(B)/lib$(1).a: $$(patsubst %.c,$(B)/obj/%.o,$$(call mod_srcs,$(1)))
	$$(call msg,AR,$$@)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
$(B)/asan/lib$(1).a: $$(patsubst %.c,$(B)/asan/obj/%.o,$$(call mod_srcs,$(1)))
	$$(call msg,AR,$$@)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
$(BIN_$(1)): $(B)/obj/$(1)/main.o $$(if $$(call mod_srcs,$(1)),$(B)/lib$(1).a) $(B)/libxpan.a
	$$(call msg,LD,$$@)
	$$(Q)$$(CC) $$(CFLAGS) $$^ $$(PKG_LIBS) $$(LDLIBS_$(1)) -o $$@
endef
$(foreach m,$(MODULES),$(eval $(call module_rules,$(m))))

$(B)/tests/test_%: $(B)/obj/tests/unit/test_%.o $(MOD_LIBS) $(B)/libxpan.a
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(PKG_LIBS) -lcriterion $(LDLIBS_TESTS) -o $@
$(B)/tests/asan/test_%: $(B)/asan/obj/tests/unit/test_%.o $(MOD_LIBS_ASAN) $(B)/asan/libxpan.a
	@mkdir -p $(@D)
	$(call msg,LD-SAN,$@)
	$(Q)$(CC) -g $(SAN) $^ $(PKG_LIBS) -lcriterion $(LDLIBS_TESTS) -o $@

$(DP_MAIN): $(patsubst %.c,$(B)/obj/%.o,$(DP_SRCS)) $(B)/libxpan.a
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(PKG_LIBS) -lcriterion -o $@

$(B)/bpf:
	$(Q)mkdir -p $@

-include $(wildcard */module.mk)

# ---- tests: each runner prints its own summary; run-all adds them up ----
# test and demo first make sure the Debian packages are there (a quick
# check when they are), then build in a sub-make so pkg-config flags are
# computed after the install.
test:
	$(Q)bash scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory test-all

test-all: all $(UNIT_BINS) $(UNIT_ASAN) $(if $(DP_SRCS),$(DP_MAIN)) $(FZ_REPLAY)
	$(Q)bash tests/run-all.sh

test-unit: $(UNIT_BINS) $(UNIT_ASAN)
	$(Q)bash tests/run-all.sh unit
test-dataplane: all $(if $(DP_SRCS),$(DP_MAIN))
	$(Q)bash tests/run-all.sh dataplane
test-fuzz: $(FZ_REPLAY)
	$(Q)bash tests/run-all.sh fuzz
test-integration: all
	$(Q)bash tests/run-all.sh integration
test-storage: all
	$(Q)bash tests/run-all.sh storage

bench: all
	$(Q)bash bench/run.sh

demo:
	$(Q)bash scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash scripts/demo.sh up
demo-down:
	$(Q)bash scripts/demo.sh down

PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/sbin/

clean:
	$(call msg,CLEAN,$(B))
	$(Q)rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
