/*
 * fuzz_config.c: libFuzzer target for pokjad.conf parsing (daemon/config.h).
 *
 * fuzz-links: daemon/config.c daemon/config_keys.c daemon/log.c
 *
 * Feeds arbitrary bytes to config_read as a file. The promises checked: a failed read leaves
 * the settings untouched and reports at least one error, each a NUL-terminated "FILE:..." line;
 * a good read gives settings that config_print writes and config_read reads back to the same
 * settings. A broken promise aborts, which libFuzzer reports as a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg, before, again;
	static struct config_diag d;
	char *printed = NULL;
	size_t plen = 0;
	FILE *f, *out;
	int err;

	if (size == 0 || (f = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	config_defaults(&cfg);
	before = cfg;
	err = config_read(f, "fuzz.conf", &cfg, &d);
	fclose(f);
	if (err != 0) {
		check(memcmp(&cfg, &before, sizeof(cfg)) == 0);
		check(err == PK_EINVAL || err == PK_ENOMEM || err == PK_EIO);
		check(d.count > 0);
		for (unsigned i = 0; i < d.count && i < CONFIG_DIAG_MAX; i++) {
			check(memchr(d.msg[i], '\0', CONFIG_DIAG_BYTES) != NULL);
			check(strncmp(d.msg[i], "fuzz.conf", 9) == 0);
		}
		return 0;
	}
	/* A good file round-trips through config_print. */
	check((out = open_memstream(&printed, &plen)) != NULL);
	check(config_print(out, &cfg) == 0);
	fclose(out);
	config_defaults(&again);
	check((f = fmemopen(printed, plen, "r")) != NULL);
	check(config_read(f, "printed.conf", &again, &d) == 0);
	fclose(f);
	free(printed);
	check(memcmp(&cfg, &again, sizeof(cfg)) == 0);
	return 0;
}
