/* i18n.c: pokjactl's message language (see i18n.h). */
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/local/share/locale"
#endif

static enum i18n_lang chosen = I18N_ID;

/* The language the environment asks for, as gettext reads it: LANGUAGE (its first entry), then
 * LC_ALL, LC_MESSAGES, LANG. Only English is told apart; C, POSIX, unset and every other
 * language mean Indonesian, the language of the offices that use pokja-sync. */
static enum i18n_lang env_lang(void)
{
	static const char *const vars[] = {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);
		if (v != NULL && v[0] != '\0')
			return strncmp(v, "en", 2) == 0 ? I18N_EN : I18N_ID;
	}
	return I18N_ID;
}

/* The folder "locale" beside the running program when it holds this program's Indonesian
 * catalog (a build tree: make puts it in $(BUILD)/locale), into buf; NULL when not. */
static const char *beside_exe(char *buf, size_t n)
{
	char exe[PATH_MAX], mo[PATH_MAX + 64];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;
	char *slash;

	if (len <= 0)
		return NULL;
	exe[len] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return NULL;
	*slash = '\0';
	if ((size_t)snprintf(buf, n, "%s/locale", exe) >= n)
		return NULL;
	snprintf(mo, sizeof(mo), "%s/id/LC_MESSAGES/" PK_TEXTDOMAIN ".mo", buf);
	return stat(mo, &st) == 0 && S_ISREG(st.st_mode) ? buf : NULL;
}

int i18n_init(const char *lang)
{
	char dir[PATH_MAX];
	const char *where, *loc;

	if (lang == NULL)
		chosen = env_lang();
	else if (strcmp(lang, "id") == 0)
		chosen = I18N_ID;
	else if (strcmp(lang, "en") == 0)
		chosen = I18N_EN;
	else
		return -1;
	/*
	 * glibc's gettext ignores LANGUAGE while LC_MESSAGES is "C" or "POSIX" (a server's usual
	 * locale) and translates nothing when the locale named by LANG is not installed (id_ID is
	 * often not). So LC_MESSAGES is the environment's when that is a real locale, else C.UTF-8
	 * (built into glibc since 2.35), and LANGUAGE names the language chosen above. Only
	 * LC_MESSAGES: LC_NUMERIC and the rest stay "C", so printf's decimal point never moves.
	 */
	loc = setlocale(LC_MESSAGES, "");
	if (loc == NULL || strcmp(loc, "C") == 0 || strcmp(loc, "POSIX") == 0)
		setlocale(LC_MESSAGES, "C.UTF-8");
	setenv("LANGUAGE", chosen == I18N_EN ? "en" : "id", 1);
	where = beside_exe(dir, sizeof(dir));
	bindtextdomain(PK_TEXTDOMAIN, where != NULL ? where : LOCALEDIR);
	/* The catalog is UTF-8 and so is what pokjactl prints, whatever LC_CTYPE says. */
	bind_textdomain_codeset(PK_TEXTDOMAIN, "UTF-8");
	textdomain(PK_TEXTDOMAIN);
	return 0;
}

enum i18n_lang i18n_lang(void)
{
	return chosen;
}
