/*
 * recnorm.h: one field's value as people write it, made into the value the schema takes. Every
 * way a record comes in goes through here, field by field: `put` and JSON Lines import (each
 * JSON member, through recjson_encode), CSV import (each cell, as text) and `edit --set` (the
 * text after '='). So "Rp 15.000.000" and "15.000.000" are 15000000 everywhere, "12,5" has a
 * decimal comma, a month field takes its name ("Maret", "mar", "Agt", "March"), a date may be
 * written day first ("17 Agustus 2026", "17/08/2026") and becomes YYYY-MM-DD, a choice may be
 * in any letter case, and a region code written without its dots ("3275") is refused with the
 * code meant ("did you mean 32.75 (Kota Bekasi)?"). A JSON number, true/false or array is taken
 * as it is, by the field's type.
 *
 * What comes out passes proto/schema.c's rules for the field (pk_field_check_*), so a record
 * made of such values fails only on the rules between fields (a required one missing) or its
 * size. A value that does not read gives a sentence naming the field and saying how to write
 * it. Values already in the form the schema takes come out unchanged, so a stored record goes
 * through again as it is. Thread-safe; no I/O.
 */
#ifndef CLI_RECNORM_H
#define CLI_RECNORM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "proto/error.h"
#include "proto/schema.h"

/*
 * How the text of a number is read. Neither flag: text a person typed (JSON strings, --set),
 * read the Indonesian way: dots group thousands ("1.250.000") and a comma starts the fraction
 * ("12,5"); a lone dot that groups nothing is a decimal point ("12.5"), and for a field that
 * may have a fraction a single group ("1.250") is ambiguous and refused. RECNORM_COMMA: a CSV
 * file in Excel's Indonesian dialect (';' between cells), where "1.250" is 1250. RECNORM_POINT:
 * a CSV file with ',' between cells, where a dot is the decimal point and a comma no part of a
 * number. In all three a whole number may group thousands with dots.
 */
#define RECNORM_POINT 1u
#define RECNORM_COMMA 2u
/* A region code must also be on the official list (proto/wilayah.h): a person typed it. */
#define RECNORM_LISTED 4u

/*
 * The value of field f read from v (a JSON string is read as text by f's type) as the JSON
 * value the record encoder takes, in *out (a new reference the caller releases). how: the
 * RECNORM_* flags. Returns 0, PK_ESCHEMA with a sentence in d beginning "field 'NAME': ", or
 * PK_ENOMEM; *out is then NULL.
 */
int recnorm_value(const struct pk_field *f, json_t *v, unsigned how, json_t **out,
                  struct pk_diag *d);

/*
 * Checks a region code as a person wrote it: its syntax, with "did you mean 32.75 (Kota
 * Bekasi)?" for the digits of a listed code without their dots, and when listed is true that
 * it is on the official list. Returns 0 or PK_EREGION with a sentence in d that names the code.
 */
int recnorm_region(const char *s, size_t len, bool listed, struct pk_diag *d);

/* s without spaces and tabs around it (*len adjusted). */
const char *recnorm_trim(const char *s, size_t *len);

#endif
