# xpan-iod: CHAP's MD5 comes from libcrypto; unit tests link the module too.
LDLIBS_iodaemon := -lcrypto
LDLIBS_TESTS += -lcrypto

# The storage scenarios' initiator-side helper (tests/storage/iod_rw.c),
# built with the rest when libiscsi's headers are there (libiscsi-dev).
IOD_RW := $(B)/tests/iod_rw
ifneq ($(wildcard /usr/include/iscsi/iscsi.h),)
all: $(IOD_RW)
endif
$(IOD_RW): tests/storage/iod_rw.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -std=gnu11 $(WARN) $< -liscsi -o $@
