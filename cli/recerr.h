/*
 * recerr.h: the problems found in records coming in (put, edit, import), each a sentence naming
 * the field (or the member, or the column) and how to fix it, with the line of the file it is
 * on. The list is bounded: at most REC_ERRORS_KEPT are kept, in the order found, the others only
 * counted. Not thread-safe: each thread checking a part of a file keeps its own list.
 */
#ifndef CLI_RECERR_H
#define CLI_RECERR_H

#include <stddef.h>

#define REC_ERRORS_KEPT 50
struct rec_error {
	size_t line;    /* in the file, from 1; 0 for a record not read from a file */
	char field[48]; /* the field (or member) it is about; "" for the record as a whole */
	char msg[300];
};
struct rec_errors {
	struct rec_error e[REC_ERRORS_KEPT];
	size_t n;    /* kept */
	size_t more; /* counted beyond those kept */
};

void rec_error_add(struct rec_errors *l, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Names the field the problem added last is about (the web form shows it there); nothing
 * when that problem was only counted. */
void rec_error_at(struct rec_errors *l, const char *field);

/* How many were found: those kept and those only counted. */
size_t rec_errors_count(const struct rec_errors *l);

#endif
