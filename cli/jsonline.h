/*
 * jsonline.h: a fast reader for the JSON objects of a JSON Lines import. jansson's reader spends
 * most of an import's checking time on its lexer; the lines of an import are flat objects of
 * strings, whole numbers, booleans and lists, which this reads straight into the same jansson
 * values. It takes only what jansson takes, into values json_equal to jansson's with the members
 * in the same order; anything else (a nested object, a \u escape, a real number, any error) it
 * leaves to jansson, so errors and their messages are jansson's. Thread-safe; no I/O.
 */
#ifndef CLI_JSONLINE_H
#define CLI_JSONLINE_H

#include <jansson.h>
#include <stddef.h>

/* The object in p[0 .. len) (a new reference), or NULL when jansson must read it: then call
 * json_loadb(p, len, JSON_REJECT_DUPLICATES, ...) for the value or the error. */
json_t *jsonline_object(const char *p, size_t len);

#endif
