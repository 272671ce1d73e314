/*
 * test_layout.c - docs/layout.md against the tree: every folder under src/
 * has a section, every module is listed in its folder's section, and every
 * file the page names exists.
 * Run from the checkout (make test does).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FOLDERS 16

/* The folders under src/ (the layers), NULL-terminated. */
static const char *const *folders_of_src(void)
{
	static char names[MAX_FOLDERS][256];
	static const char *list[MAX_FOLDERS + 1];
	DIR *d = opendir("src");
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d, "run from the checkout: src/");
	while ((e = readdir(d)) && n < MAX_FOLDERS) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(names[n], sizeof(names[n]), "%s", e->d_name);
		list[n] = names[n];
		n++;
	}
	closedir(d);
	list[n] = NULL;
	return list;
}

/* The text of docs/layout.md's "## src/DIR" section, up to the next "## ". */
static char *section(const char *dir)
{
	static char doc[65536];
	char head[64], *at, *end;
	FILE *f = fopen("docs/layout.md", "r");
	size_t n;

	cr_assert_not_null(f, "run from the checkout: docs/layout.md");
	n = fread(doc, 1, sizeof(doc) - 1, f);
	doc[n] = '\0';
	fclose(f);
	snprintf(head, sizeof(head), "## src/%s:", dir);
	at = strstr(doc, head);
	cr_assert_not_null(at, "docs/layout.md has no '%s' section", head);
	end = strstr(at + 1, "\n## ");
	if (end)
		*end = '\0';
	return at;
}

/* name appears as a word in text: "x.c", or "x.h, .c" for a module of both. */
static bool lists(const char *text, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
		bool start = p == text || !(p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z'));

		if (start && (p[len] == '.' && (p[len + 1] == 'c' || p[len + 1] == 'h')))
			return true;
	}
	return false;
}

Test(layout, every_module_under_src_is_listed_in_its_folders_section)
{
	for (const char *const *dir = folders_of_src(); *dir; dir++) {
		char path[64], *text = section(*dir);
		struct dirent *e;
		DIR *d;

		snprintf(path, sizeof(path), "src/%s", *dir);
		d = opendir(path);
		cr_assert_not_null(d, "%s", path);
		while ((e = readdir(d))) {
			char name[256];
			size_t len = strlen(e->d_name);

			if (len < 3 || e->d_name[len - 2] != '.' ||
			    (e->d_name[len - 1] != 'c' && e->d_name[len - 1] != 'h'))
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)len - 2, e->d_name);
			cr_expect(lists(text, name), "docs/layout.md: src/%s/%s is not listed under src/%s",
				  *dir, e->d_name, *dir);
		}
		closedir(d);
	}
}

Test(layout, every_file_the_page_names_exists)
{
	regex_t re;

	cr_assert_eq(regcomp(&re, "[a-z_0-9]+\\.[ch]\\b", REG_EXTENDED), 0);
	for (const char *const *dir = folders_of_src(); *dir; dir++) {
		const char *text = section(*dir);
		regmatch_t m;

		/* Only the code block of file names, not the prose around it. */
		text = strstr(text, "```");
		cr_assert_not_null(text);
		for (const char *end = strstr(text + 3, "```"); !regexec(&re, text, 1, &m, 0) &&
		     text + m.rm_so < end; text += m.rm_eo) {
			char path[128], c[160], h[160];
			struct stat st;
			int n = (int)(m.rm_eo - m.rm_so - 2);

			snprintf(path, sizeof(path), "%.*s", n, text + m.rm_so);
			snprintf(c, sizeof(c), "src/%s/%s.c", *dir, path);
			snprintf(h, sizeof(h), "src/%s/%s.h", *dir, path);
			cr_expect(!stat(c, &st) || !stat(h, &st), "docs/layout.md names %.*s under src/%s: "
				  "no such module", n + 2, text + m.rm_so, *dir);
		}
	}
	regfree(&re);
}
