# Bench programs: build/bench/xb (peers, generator) and build/bench/xb-dp
# (xpan's port programs through their skeletons). Bench-only BPF lives in
# bench/bpf/ and is built here, apart from the dataplane's bpf/ rules.

XB_B        := $(B)/bench
XB_BPF_SRCS := $(wildcard bench/bpf/*.bpf.c)
XB_BPF_OBJS := $(patsubst bench/bpf/%.bpf.c,$(XB_B)/bpf/%.bpf.o,$(XB_BPF_SRCS))
XB_SKELS    := $(patsubst bench/bpf/%.bpf.c,$(XB_B)/bpf/%.skel.h,$(XB_BPF_SRCS))
XB_CFLAGS   := $(XCFLAGS) -Ibench -I$(XB_B)/bpf

XB_TOOL := $(XB_B)/xb
XB_DP   := $(XB_B)/xb-dp

$(XB_B)/bpf/%.bpf.o: bench/bpf/%.bpf.c vmlinux.h
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(XB_B)/bpf/%.skel.h: $(XB_B)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .bpf.o,,$(notdir $<)) > $@

$(XB_B)/obj/%.o: bench/%.c $(XB_SKELS)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(XB_CFLAGS) -c $< -o $@

# Only the two lib objects the tools use: the bench must not break
# because an unrelated part of libxpan does not build.
XB_LIBOBJS := $(B)/obj/lib/log.o $(B)/obj/lib/jsonw.o

$(XB_TOOL): $(XB_B)/obj/xb_main.o $(XB_B)/obj/xb_util.o $(XB_LIBOBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(PKG_LIBS) -o $@

# Only xb-dp needs the dataplane's skeletons.
$(XB_B)/obj/xb_dp.o: $(SKELS)

$(XB_DP): $(XB_B)/obj/xb_dp.o $(XB_B)/obj/xb_util.o $(B)/libxpan.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(PKG_LIBS) -o $@

.PHONY: bench-progs
bench-progs: $(XB_TOOL) $(XB_DP)
bench: bench-progs
