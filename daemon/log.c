/* log.c: leveled, tagged log lines on stderr (see log.h). */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_prog = "pokja";
static int log_max = LOG_INFO;
static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_init(const char *prog, int level)
{
	log_prog = prog;
	log_max = level;
}

int log_level_parse(const char *name)
{
	for (int i = 0; i <= LOG_DEBUG; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

static void vlog(int level, const char *tag, const char *suffix, const char *fmt, va_list ap)
{
	char stamp[32], msg[1024];
	struct timespec ts;
	struct tm tm;

	if (level > log_max)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One write per line, so lines from threads and processes do not interleave. */
	fprintf(stderr, "%s.%03ldZ %s[%d] %s %s: %s%s%s\n", stamp, ts.tv_nsec / 1000000, log_prog,
	        (int)getpid(), level_names[level], tag, msg, suffix ? ": " : "",
	        suffix ? suffix : "");
}

void log_msg(int level, const char *tag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, tag, NULL, fmt, ap);
	va_end(ap);
}

void log_warn(const char *tag, const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARN, tag, e, fmt, ap);
	va_end(ap);
}

void fatalx(const char *tag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERROR, tag, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
