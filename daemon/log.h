/*
 * log.h: one log for pokjad and pokjactl: levels, one line per event on stderr (the journal
 * under systemd), each with a stable short tag an operator can grep for ("store-open",
 * "apply-refused", ...). log_warn() appends strerror(errno); log_warnx() does not.
 */
#ifndef LOG_H
#define LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Sets the program name shown in each line and the most verbose level printed. */
void log_init(const char *prog, int level);

/* "error", "warn", "info" or "debug" to a level; -1 when unknown. */
int log_level_parse(const char *name);

void log_msg(int level, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_warn(const char *tag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logs at error level and exits with status 1: only for what cannot go on. */
void fatalx(const char *tag, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

#define log_error(tag, ...) log_msg(LOG_ERROR, tag, __VA_ARGS__)
#define log_warnx(tag, ...) log_msg(LOG_WARN, tag, __VA_ARGS__)
#define log_info(tag, ...) log_msg(LOG_INFO, tag, __VA_ARGS__)
#define log_debug(tag, ...) log_msg(LOG_DEBUG, tag, __VA_ARGS__)

#endif
