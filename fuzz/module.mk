# libFuzzer harnesses for xpan-iod's wire-facing code (fuzz/README in
# docs/bench-storage.md, "Fuzzing"). Built only by `make fuzz`: they need
# clang's fuzzer runtime (libclang-rt-14-dev), so `make all` / `make test`
# never build these; `make test` replays fuzz/crashes/ through a gcc build
# of the same harnesses instead (end of this file). Every iodaemon source but main.c is recompiled here
# with coverage and ASan+UBSan, apart from the regular objects.

FZ_B      := $(B)/fuzz
# Extra sanitizer flags (e.g. -fno-sanitize=... while a known finding is
# open). None today: the memcpy(dst, NULL, 0) findings kept in fuzz/crashes/
# are fixed and the inputs replay clean with every check on.
FZ_SAN_EXTRA ?=
FZ_CC     ?= clang
FZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	$(FZ_SAN_EXTRA) \
	-fno-omit-frame-pointer
FZ_CFLAGS := -O1 -g -std=gnu11 $(WARN) -D_GNU_SOURCE -I. -Ilib -Iiodaemon \
	$(shell pkg-config --cflags liburing yaml-0.1 sqlite3 libnl-3.0 jansson 2>/dev/null) -MMD -MP $(FZ_SAN)
FZ_LIBS   := $(shell pkg-config --libs liburing yaml-0.1 libbpf libxdp sqlite3 jansson 2>/dev/null) -lcrypto

FZ_IOD_SRCS := $(filter-out iodaemon/main.c,$(wildcard iodaemon/*.c))
# lib/ files that need no BPF skeleton (the fuzz build must not depend on
# the BPF build); the archive only pulls in what the daemon references
# (log.c names libbpf's print hook, api.c state.c's helpers: hence libbpf
# and sqlite in the link).
FZ_LIB_SRCS := $(filter-out $(shell grep -l "skel\.h" lib/*.c 2>/dev/null),$(wildcard lib/*.c))
FZ_OBJS     := $(patsubst %.c,$(FZ_B)/obj/%.o,$(FZ_IOD_SRCS) $(FZ_LIB_SRCS))
FZ_HARNESS  := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FZ_BINS     := $(addprefix $(FZ_B)/,$(FZ_HARNESS))

$(FZ_B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call msg,CC-FZ,$@)
	$(Q)$(FZ_CC) $(FZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

# The top Makefile's .SECONDARY lets a missing object slide when the
# archive is newer: depending on this file rebuilds it when the list grows.
$(FZ_B)/libiod-fuzz.a: $(FZ_OBJS) fuzz/module.mk
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $(filter %.o,$^)

$(FZ_B)/fuzz_%: $(FZ_B)/obj/fuzz/fuzz_%.o $(FZ_B)/libiod-fuzz.a
	$(call msg,LD-FZ,$@)
	$(Q)$(FZ_CC) $(FZ_SAN) -fsanitize=fuzzer $(filter %.o %.a,$^) $(FZ_LIBS) -o $@

.PHONY: fuzz fuzz-run
fuzz: $(FZ_BINS)

# A short smoke run of every harness over its kept corpus (FUZZ_SECS each).
FUZZ_SECS ?= 60
fuzz-run: fuzz
	$(Q)bash fuzz/run.sh $(FUZZ_SECS)

# ---- replay in `make test`: fuzz/crashes/ through every harness ----
# gcc with ASan+UBSan, linked against the sanitized archives the unit
# tests already build, and fuzz/replay.c as main(): quick to build, no
# clang fuzzer runtime. fuzz/replay.sh runs each reproducer through the
# harness its name prefix selects (api_request-, conn-, pdu-, scsi-, text-).
FZ_REPLAY := $(patsubst %,$(B)/fuzz-replay/%,$(FZ_HARNESS))

$(B)/asan/obj/fuzz/%.o: XCFLAGS += -Iiodaemon

$(B)/fuzz-replay/fuzz_%: $(B)/asan/obj/fuzz/fuzz_%.o $(B)/asan/obj/fuzz/replay.o \
		$(MOD_LIBS_ASAN) $(B)/asan/libxpan.a
	@mkdir -p $(@D)
	$(call msg,LD-SAN,$@)
	$(Q)$(CC) -g $(SAN) $^ $(PKG_LIBS) $(LDLIBS_TESTS) -o $@

.PHONY: fuzz-replay
fuzz-replay: $(FZ_REPLAY)
