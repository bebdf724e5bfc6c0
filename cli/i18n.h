/*
 * i18n.h: the language of pokjactl's messages, help texts and report headings. Indonesian by
 * default, English on request; the translations live in cli/po/id.po (gettext, text domain
 * "pokja-sync"), and the English text is the msgid, so English needs no catalog.
 *
 * Only LC_MESSAGES follows the environment: numbers, dates, character classes and sorting stay
 * those of the C locale, so a report formats 1.250.000 and 12,50 the same in every language.
 */
#ifndef CLI_I18N_H
#define CLI_I18N_H

#include <libintl.h>

#include "proto/error.h" /* PK_TEXTDOMAIN */

/* _("text"): the translation of a message; N_("text"): marks a string for the catalog where it
 * is defined (a table), to be translated with _() where it is used. */
#define _(s) gettext(s)
#define N_(s) (s)

enum i18n_lang { I18N_ID, I18N_EN };

/*
 * Chooses the language and sets gettext up; call first thing in main, before any message.
 * `lang` is the --lang option ("id" or "en", NULL when not given); without it the first of
 * LANGUAGE, LC_ALL, LC_MESSAGES and LANG that is set and not empty decides: a value that starts
 * with "en" gives English, anything else (C, POSIX, id_ID.UTF-8, unset) Indonesian. Works
 * whether or not that locale is installed. The catalog is read from the folder "locale" beside
 * the running program when it exists (a build tree), else from the compiled-in LOCALEDIR.
 * Returns 0, or -1 when `lang` is neither "id" nor "en" (nothing is set up then).
 */
int i18n_init(const char *lang);

/* The language chosen by i18n_init (I18N_ID before it). */
enum i18n_lang i18n_lang(void);

#endif
