/*
 * embed.c: writes the web application's files (daemon/web/index.html, app.js, app.css, ...) into
 * one C file of byte arrays and a table (daemon/web_assets.h), so that pokjad serves every asset
 * from its own binary: nothing to install beside it, nothing fetched from outside. Run by the
 * Makefile on the build machine: embed OUT.c FILE... ; each file is served at /NAME (index.html
 * also at /), with the content type its extension gives.
 */
#include <stdio.h>
#include <string.h>

static const char *type_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL)
		return "application/octet-stream";
	if (strcmp(dot, ".html") == 0)
		return "text/html; charset=utf-8";
	if (strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	if (strcmp(dot, ".png") == 0)
		return "image/png";
	return "application/octet-stream";
}

int main(int argc, char **argv)
{
	FILE *out;
	int c;

	if (argc < 2) {
		fprintf(stderr, "usage: embed OUT.c FILE...\n");
		return 2;
	}
	if ((out = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	fprintf(out, "/* Written by daemon/web/embed.c from daemon/web/: do not edit. */\n"
	             "#include \"daemon/web_assets.h\"\n\n");
	for (int i = 2; i < argc; i++) {
		FILE *in = fopen(argv[i], "rb");
		size_t n = 0;

		if (in == NULL) {
			perror(argv[i]);
			return 1;
		}
		fprintf(out, "static const unsigned char a%d[] = {", i - 2);
		while ((c = getc(in)) != EOF) {
			if (n % 24 == 0)
				fputs(n == 0 ? "\n\t" : ",\n\t", out);
			else
				fputc(',', out);
			fprintf(out, "%d", c);
			n++;
		}
		fprintf(out, "%s0};\n", n == 0 ? "" : ",");
		fclose(in);
	}
	fprintf(out, "\nconst struct web_asset web_assets[] = {\n");
	for (int i = 2; i < argc; i++) {
		const char *name = strrchr(argv[i], '/');
		FILE *in = fopen(argv[i], "rb");
		long len;

		name = name != NULL ? name + 1 : argv[i];
		fseek(in, 0, SEEK_END);
		len = ftell(in);
		fclose(in);
		fprintf(out, "    {\"/%s\", \"%s\", a%d, %ld},\n", name, type_of(name), i - 2, len);
	}
	fprintf(out, "    {0}};\n");
	if (fclose(out) != 0) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
