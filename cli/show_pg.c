/*
 * show_pg.c: what `pokjactl status` says about pokjad's PostgreSQL mirror: where it copies to,
 * whether it is connected, how far behind the store it is (changesets, and when it last held
 * everything), and its last error; read from the store's `pgmirror` database (pgpos.c).
 */
#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "i18n.h"
#include "daemon/clock.h"

/* "5 s ago" (or "never" for 0), for a Unix time. */
static void ago(char *buf, size_t n, uint64_t when, uint64_t now)
{
	char sp[48];

	if (when == 0) {
		snprintf(buf, n, "%s", _("never"));
		return;
	}
	clock_span(sp, sizeof(sp), now > when ? now - when : 0);
	snprintf(buf, n, _("%s ago"), sp);
}

static json_t *time_or_null(uint64_t t)
{
	return t != 0 ? json_integer((json_int_t)t) : json_null();
}

int cli_show_pgmirror(struct store *s, json_t *j)
{
	struct store_mirror_state st;
	uint64_t lag = 0, now = (uint64_t)time(NULL);
	char a[64], b[64];
	int err = store_mirror_state(s, &st);

	if (err == PK_ENOTFOUND) {
		if (j != NULL)
			json_object_set_new(j, "postgres", json_null());
		return 0;
	}
	if (err != 0 || (err = store_mirror_lag(s, &lag)) != 0)
		return err;
	if (j != NULL) {
		json_object_set_new(j, "postgres",
		                    json_pack("{s:s, s:b, s:I, s:o, s:o, s:o, s:o}", "target",
		                              st.target, "connected", st.connected, "lag",
		                              (json_int_t)lag, "updated", time_or_null(st.updated),
		                              "caught_up", time_or_null(st.caught_up), "error",
		                              st.error[0] ? json_string(st.error) : json_null(),
		                              "error_at", time_or_null(st.error_at)));
		return 0;
	}
	ago(a, sizeof(a), st.caught_up, now);
	printf(_("postgres:  %s: %s\n"), st.target,
	       st.connected ? _("connected, copying the records")
	                    : _("not connected (pokjad stopped, or PostgreSQL unreachable)"));
	if (lag == 0)
		printf(_("postgres:  lag 0 changesets: it holds every record the store holds\n"));
	else
		printf(_("postgres:  lag %llu changesets behind the store; last caught up %s\n"),
		       (unsigned long long)lag, a);
	if (st.error[0] != '\0') {
		ago(b, sizeof(b), st.error_at, now);
		printf(_("postgres:  last error %s: %s\n"), b, st.error);
	}
	return 0;
}
