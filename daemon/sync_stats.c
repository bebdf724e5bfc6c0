/*
 * sync_stats.c: what the metrics (metrics.h) read of a running sync (sync.h, sync_sessions):
 * a count under the locks, so that the renderer never touches struct sync itself.
 */
#include <string.h>

#include "sync_int.h"

void sync_sessions(struct sync *sy, struct sync_sessions *out)
{
	memset(out, 0, sizeof(*out));
	if (sy == NULL)
		return;
	if (sy->serving) {
		pthread_mutex_lock(&sy->slock);
		for (int i = 0; i < SESSIONS_MAX; i++)
			if (sy->sessions[i].used && sy->sessions[i].established)
				out->children++;
		pthread_mutex_unlock(&sy->slock);
	}
	if (sy->dialing) {
		pthread_mutex_lock(&sy->clock);
		out->parent = sy->have_cs ? 1 : 0;
		pthread_mutex_unlock(&sy->clock);
	}
}
