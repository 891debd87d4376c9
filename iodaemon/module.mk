# xpan-iod: CHAP's MD5 comes from libcrypto; unit tests link the module too.
LDLIBS_iodaemon := -lcrypto
LDLIBS_TESTS += -lcrypto
