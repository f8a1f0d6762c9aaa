// SPDX-License-Identifier: MIT
/*
 * The rules of tts.voice and stt.language (config.h): a voice espeak-ng
 * has, and an ISO 639-1 language code.  Both refuse with the list of
 * what there is, since a voice or a language that does not exist is
 * otherwise found only when the speaker first talks (espeak-ng falls
 * back, a transcription server answers 400).
 */
#include "config.h"

#include <dirent.h>
#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- espeak-ng voices ---- */

#define VOICES_MAX 320 /* 1.51 ships 131 languages */
#define VOICE_ID_MAX 40
#define VOICE_NAME_MAX 64

struct voice {
	char id[VOICE_ID_MAX]; /* the file's name: "en-US" */
	char name[VOICE_NAME_MAX]; /* its "name" line: "English (America)" */
};

struct voice_list {
	struct voice v[VOICES_MAX];
	int n;
};

/*
 * espeak-ng's data directory, as espeak_Initialize would find it
 * (ESPEAK_DATA_PATH, ~/espeak-ng-data, then the compiled-in path), with
 * no voice loaded and no audio opened.  espeak_ng_InitializePath only
 * sets that path; it is called at most once, and only if espeak-ng has
 * not set it already (synth.c's espeak_Initialize): after the first
 * check, normally at start-up before the synth thread exists, this only
 * reads it, so a reload never writes what the synth thread reads.
 */
static const char *espeak_data(void)
{
	static char dir[512]; /* control thread only */
	const char *p = NULL;

	if (dir[0])
		return dir;
	espeak_Info(&p);
	if (!p || !*p) {
		espeak_ng_InitializePath(NULL);
		espeak_Info(&p);
	}
	snprintf(dir, sizeof(dir), "%s", p ? p : "");
	return dir;
}

/* A voice file's "name" line, as espeak-ng reads it (voices.c). */
static void voice_name(const char *file, char *buf, size_t len)
{
	char line[160];
	FILE *f = fopen(file, "re");

	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "name", 4) || (line[4] != ' ' && line[4] != '\t'))
			continue;
		char *v = line + 5;

		v += strspn(v, " \t");
		v[strcspn(v, "\r\n")] = '\0';
		snprintf(buf, len, "%s", v);
		break;
	}
	fclose(f);
}

/*
 * The voices under dir (espeak-ng-data/lang: one file a language, in
 * folders by family), depth-first, at most two levels as 1.51 has them.
 */
static void list_voices(const char *dir, int depth, struct voice_list *vl)
{
	char path[1024];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d)) && vl->n < VOICES_MAX) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth < 3)
				list_voices(path, depth + 1, vl);
			continue;
		}
		if (!S_ISREG(st.st_mode) || strlen(e->d_name) >= VOICE_ID_MAX)
			continue;
		/* it fits: checked just above */
		memcpy(vl->v[vl->n].id, e->d_name, strlen(e->d_name) + 1);
		voice_name(path, vl->v[vl->n].name, VOICE_NAME_MAX);
		vl->n++;
	}
	closedir(d);
}

static int by_id(const void *a, const void *b)
{
	return strcasecmp(((const struct voice *)a)->id,
			  ((const struct voice *)b)->id);
}

/*
 * What espeak_SetVoiceByName takes (espeak-ng 1.51, tried against it):
 * a voice's name ("English (America)") or its file's name ("en-US"),
 * either case, optionally with "+VARIANT" (a file in voices/!v, which
 * espeak-ng would otherwise ignore without a word).  Language codes that
 * only a voice's "language" line names ("en-gb") are not taken, and
 * neither are MBROLA voices (voices/mb: they need the mbrola program).
 */
int config_voice_check(const struct config_key *k, const char *text,
		       char *why, size_t len)
{
	static struct voice_list vl; /* control thread only */
	char base[VOICE_NAME_MAX + 8], dir[600], variant[640];
	const char *data = espeak_data(), *plus;
	struct stat st;
	size_t n;
	int found = 0;

	(void)k;
	if (!*text)
		return 0; /* speaker.language's voice (lang.c) */
	plus = strchr(text, '+');
	snprintf(base, sizeof(base), "%.*s",
		 (int)(plus ? plus - text : (long)strlen(text)), text);
	vl.n = 0;
	snprintf(dir, sizeof(dir), "%s/lang", data);
	list_voices(dir, 0, &vl);
	if (vl.n == 0) {
		snprintf(why, len,
			 "espeak-ng has no voices in %s (is espeak-ng-data installed?)",
			 dir);
		return -1;
	}
	for (int i = 0; i < vl.n && !found; i++)
		found = !strcasecmp(base, vl.v[i].id) ||
			!strcasecmp(base, vl.v[i].name);
	if (found && plus) {
		snprintf(variant, sizeof(variant), "%s/voices/!v/%s", data,
			 plus + 1);
		if (!plus[1] || strchr(plus + 1, '/') || stat(variant, &st) ||
		    !S_ISREG(st.st_mode)) {
			snprintf(why, len,
				 "espeak-ng has no variant \"%s\" (the files in %s/voices/!v)",
				 plus + 1, data);
			return -1;
		}
	}
	if (found)
		return 0;
	qsort(vl.v, (size_t)vl.n, sizeof(vl.v[0]), by_id);
	n = (size_t)snprintf(why, len, "espeak-ng has no such voice; it has:");
	for (int i = 0; i < vl.n && n < len; i++)
		n += (size_t)snprintf(why + n, len - n, " %s", vl.v[i].id);
	return -1;
}

/* ---- ISO 639-1 ---- */

/*
 * The two-letter codes of ISO 639-1, as the Library of Congress (its
 * registration authority) lists them, "bh" (Bihari, deprecated in 2021
 * but still sent by clients) included: 184.
 */
static const char iso639_1[][3] = {
	"aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay",
	"az", "ba", "be", "bg", "bh", "bi", "bm", "bn", "bo", "br", "bs",
	"ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da", "de",
	"dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff",
	"fi", "fj", "fo", "fr", "fy", "ga", "gd", "gl", "gn", "gu", "gv",
	"ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz", "ia", "id",
	"ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka",
	"kg", "ki", "kj", "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku",
	"kv", "kw", "ky", "la", "lb", "lg", "li", "ln", "lo", "lt", "lu",
	"lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my",
	"na", "nb", "nd", "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny",
	"oc", "oj", "om", "or", "os", "pa", "pi", "pl", "ps", "pt", "qu",
	"rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si",
	"sk", "sl", "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv",
	"sw", "ta", "te", "tg", "th", "ti", "tk", "tl", "tn", "to", "tr",
	"ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo",
	"wa", "wo", "xh", "yi", "yo", "za", "zh", "zu",
};

_Static_assert(sizeof(iso639_1) / sizeof(iso639_1[0]) == 184,
	       "ISO 639-1 has 184 codes with bh");

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/*
 * "" (speaker.language's code), "auto" (no hint: the server detects the
 * language), or a code: two lower-case letters of ISO 639-1, then
 * optionally a region or script after '-' ("en-US", "zh-Hant"), which
 * a server that wants only the code ignores.
 */
int config_language_check(const struct config_key *k, const char *text,
			  char *why, size_t len)
{
	const char *p = text + 2;
	size_t n;
	int known = 0;

	(void)k;
	if (!*text || !strcmp(text, "auto"))
		return 0;
	for (size_t i = 0; i < sizeof(iso639_1) / sizeof(iso639_1[0]); i++)
		known |= !strncmp(text, iso639_1[i], 2);
	while (known && *p == '-') {
		const char *sub = ++p;

		while (is_alnum(*p))
			p++;
		if (p - sub < 2 || p - sub > 8)
			known = 0; /* a subtag is 2 to 8 letters or digits */
	}
	if (known && !*p)
		return 0;
	n = (size_t)snprintf(why, len,
			     "must be \"\" (speaker.language's), \"auto\" (none), or an ISO 639-1 code, a region after '-' allowed (\"en-US\"):");
	for (size_t i = 0; i < sizeof(iso639_1) / sizeof(iso639_1[0]) && n < len;
	     i++)
		n += (size_t)snprintf(why + n, len - n, " %s", iso639_1[i]);
	return -1;
}
