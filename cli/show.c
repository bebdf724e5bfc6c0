/*
 * show.c: what several commands print about a node: its identity (init, info, status), whether
 * its local writes are held after a restore (info, status), and the JSON printer for --json.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "proto/region.h"
#include "proto/wilayah.h"

/* Prints a JSON value on stdout followed by a newline. */
void cli_print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

json_t *cli_node_json(const struct store_node *n)
{
	char key[2 * PK_PUB_BYTES + 1], root[2 * PK_PUB_BYTES + 1];
	int level = pk_region_level(n->region, strlen(n->region));

	cli_key_hex(key, n->pub);
	cli_key_hex(root, n->root);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "key", key, "name", n->name,
	                 "region", n->region, "region_name", pk_wilayah_name(n->region), "level",
	                 pk_level_name(level), "root", root, "certified", n->certified);
}

void cli_print_node(const struct store_node *n)
{
	char key[2 * PK_PUB_BYTES + 1];
	int level = pk_region_level(n->region, strlen(n->region));

	cli_key_hex(key, n->pub);
	printf(_("node:      %s\n"), n->name);
	printf(_("key:       %s\n"), key);
	if (n->region[0] == '\0')
		printf(_("region:    \"\" (whole country, national)\n"));
	else
		printf(_("region:    %s %s (%s)\n"), n->region, pk_wilayah_name(n->region),
		       _(pk_level_name(level)));
	printf(_("certified: %s\n"), n->certified ? _("yes") : _("no (install a certificate set)"));
}

/* Whether local writes are held after a restore (restore sets the fence; see cmd_backup.c). */
void cli_show_writes(struct store *s, json_t *j)
{
	struct store_fence f;
	bool held = store_fence_get(s, &f) == 0 && !(f.heard && f.have >= f.need);

	if (j != NULL) {
		json_object_set_new(j, "writes", json_string(held ? "held" : "allowed"));
		if (held)
			json_object_set_new(j, "restore",
			                    json_pack("{s:I, s:I, s:b}", "own_seq",
			                              (json_int_t)f.have, "peers_reported",
			                              (json_int_t)f.need, "heard", f.heard));
	} else if (held && !f.heard) {
		printf(
		    _("writes:    held: restored from a backup; waiting to hear this node's latest "
		      "sequence from its peers (holds %llu)\n"),
		    (unsigned long long)f.have);
	} else if (held) {
		printf(_("writes:    held: restored from a backup; getting its own changesets back "
		         "(holds %llu of %llu)\n"),
		       (unsigned long long)f.have, (unsigned long long)f.need);
	}
}

const char *cli_json_error(const json_error_t *e)
{
	static const struct {
		enum json_error_code code;
		const char *text;
	} says[] = {
	    {json_error_invalid_syntax, N_("not valid JSON syntax")},
	    {json_error_premature_end_of_input, N_("the text ends before the JSON value does")},
	    {json_error_end_of_input_expected, N_("more text after the JSON value")},
	    {json_error_invalid_utf8, N_("not UTF-8 text")},
	    {json_error_duplicate_key, N_("a member appears twice in the same object")},
	    {json_error_null_character, N_("a NUL character in the text")},
	    {json_error_null_byte_in_key, N_("a NUL character in a member's name")},
	    {json_error_numeric_overflow, N_("a number too large")},
	    {json_error_stack_overflow, N_("nested too deeply")},
	};

	if (i18n_lang() == I18N_EN)
		return e->text;
	/* A text that is JSON but not an object or array: jansson calls it bad syntax. */
	if (strncmp(e->text, "'[' or '{' expected", 19) == 0)
		return _("a JSON object ({...}) was expected");
	for (size_t i = 0; i < sizeof(says) / sizeof(says[0]); i++)
		if (json_error_code(e) == says[i].code)
			return _(says[i].text);
	return e->text;
}
