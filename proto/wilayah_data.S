/*
 * wilayah_data.S: the official region list (the CSV files in proto/wilayah/, ODbL, see SOURCE.md
 * there), embedded unchanged. wilayah.c parses it on first use. Paths are relative to the
 * repository root, the compiler's working directory in the Makefile.
 */
#define EMBED(sym, file)                 \
	.global sym;                     \
	.type sym, @object;              \
sym:                                     \
	.incbin file;                    \
	.global sym##_end;               \
	.type sym##_end, @object;        \
sym##_end:                               \
	.size sym, sym##_end - sym

	.section .rodata
	EMBED(pk_wilayah_provinces_csv, "proto/wilayah/provinces.csv")
	EMBED(pk_wilayah_regencies_csv, "proto/wilayah/regencies.csv")
	EMBED(pk_wilayah_districts_csv, "proto/wilayah/districts.csv")
	EMBED(pk_wilayah_villages_csv, "proto/wilayah/villages.csv")

	.section .note.GNU-stack,"",@progbits
