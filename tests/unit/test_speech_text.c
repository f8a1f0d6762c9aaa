// SPDX-License-Identifier: MIT
/*
 * Unit tests: app/speech_text.c.  A corpus of answers as models write
 * them (Markdown lists, code, links, tables, headings, emoji, HTML; in
 * English, German, French and Japanese), each with the text a voice
 * should say, written out by hand.  Every answer is fed whole, one byte
 * at a time and in pseudo-random tokens of 1 to 7 bytes: the three must
 * say the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../app/speech_text.h"

#define PHRASE SPEECH_TEXT_CODE_PHRASE

struct sample {
	const char *name;
	const char *in;
	const char *say;
};

static const struct sample corpus[] = {
	{ "recipe list",
	  "Here's a simple recipe for pancakes:\n\n"
	  "**Ingredients:**\n\n"
	  "* 1 cup all-purpose flour\n"
	  "* 2 tablespoons sugar\n"
	  "* 1 egg\n\n"
	  "**Instructions:**\n\n"
	  "1. Mix the dry ingredients in a bowl.\n"
	  "2. Add the egg and milk, then whisk until smooth.\n"
	  "3. Cook on a hot griddle for 2-3 minutes per side.\n\n"
	  "Enjoy your pancakes! \xf0\x9f\xa5\x9e",
	  "Here's a simple recipe for pancakes:\n\n"
	  "Ingredients:\n\n"
	  "1 cup all-purpose flour.\n"
	  "2 tablespoons sugar.\n"
	  "1 egg.\n\n"
	  "Instructions:\n\n"
	  "Mix the dry ingredients in a bowl.\n"
	  "Add the egg and milk, then whisk until smooth.\n"
	  "Cook on a hot griddle for 2-3 minutes per side.\n\n"
	  "Enjoy your pancakes!" },
	{ "python code block",
	  "To reverse a list in Python, use slicing:\n\n"
	  "```python\n"
	  "my_list = [1, 2, 3]\n"
	  "reversed_list = my_list[::-1]\n"
	  "print(reversed_list)  # [3, 2, 1]\n"
	  "```\n\n"
	  "Alternatively, call `my_list.reverse()` to reverse it in place.",
	  "To reverse a list in Python, use slicing:\n\n" PHRASE "\n\n"
	  "Alternatively, call my_list.reverse() to reverse it in place." },
	{ "fences of three kinds",
	  "First:\n"
	  "````markdown\n"
	  "```js\n"
	  "console.log(1)\n"
	  "```\n"
	  "````\n"
	  "Second:\n"
	  "~~~\n"
	  "ls -la\n"
	  "~~~\n"
	  "  ```\n"
	  "  indented, in a list\n"
	  "  ```\n"
	  "Done.",
	  "First:\n" PHRASE "\nSecond:\n" PHRASE "\n" PHRASE "\nDone." },
	{ "unclosed fence at the end",
	  "Run this:\n```bash\necho hello\nexit 0",
	  "Run this:\n" PHRASE "\n" },
	{ "links and bare URLs",
	  "You can find the documentation on the [official website]"
	  "(https://docs.python.org/3/). For more examples, see "
	  "https://www.realpython.com/python-lists/ or visit "
	  "www.w3schools.com/python.",
	  "You can find the documentation on the official website. For "
	  "more examples, see realpython.com or visit w3schools.com." },
	{ "images, autolinks, footnotes, a broken link",
	  "![Diagram of the system](https://example.com/diagram.png)\n"
	  "See <https://github.com/ollama/ollama> and "
	  "[https://ollama.com](https://ollama.com).\n"
	  "Footnotes like [1] stay, and [this](not a link stays.\n"
	  "A [title](https://example.com \"The title\") goes; so does "
	  "(https://en.wikipedia.org/wiki/Mercury_(planet)).",
	  "Diagram of the system\n"
	  "See github.com and ollama.com.\n"
	  "Footnotes like [1] stay, and [this](not a link stays.\n"
	  "A title goes; so does (en.wikipedia.org)." },
	{ "comparison table",
	  "Here is a comparison:\n\n"
	  "| Language | Typing | Speed |\n"
	  "|----------|:------:|------:|\n"
	  "| Python | Dynamic | Slow |\n"
	  "| Rust | Static | Fast |\n\n"
	  "Rust is faster, but Python is easier to learn.",
	  "Here is a comparison:\n\n"
	  "Language, Typing, Speed.\n\n"
	  "Python, Dynamic, Slow.\n"
	  "Rust, Static, Fast.\n\n"
	  "Rust is faster, but Python is easier to learn." },
	{ "German headings and list",
	  "## Zusammenfassung\n\n"
	  "Die **Energiewende** in Deutschland hat drei Ziele:\n\n"
	  "- Ausstieg aus der Kernenergie\n"
	  "- Ausbau der erneuerbaren Energien \xf0\x9f\x8c\x9e\n"
	  "- Senkung der CO\xe2\x82\x82-Emissionen\n\n"
	  "### Fazit\n"
	  "Das Ergebnis ist gemischt \xe2\x80\x93 aber die Richtung stimmt.",
	  "Zusammenfassung.\n\n"
	  "Die Energiewende in Deutschland hat drei Ziele:\n\n"
	  "Ausstieg aus der Kernenergie.\n"
	  "Ausbau der erneuerbaren Energien.\n"
	  "Senkung der CO\xe2\x82\x82-Emissionen.\n\n"
	  "Fazit.\n"
	  "Das Ergebnis ist gemischt \xe2\x80\x93 aber die Richtung stimmt." },
	{ "French quote, emphasis, URL",
	  "> **Note :** la *m\xc3\xa9thode* `\xc3\xa0_la_carte()` n'est "
	  "pas __obsol\xc3\xa8te__.\n\n"
	  "Voici l'adresse : https://fr.wikipedia.org/wiki/Cr%C3%AApe "
	  "\xe2\x80\x94 bon app\xc3\xa9tit ! \xf0\x9f\x98\x8b",
	  "Note : la m\xc3\xa9thode \xc3\xa0_la_carte() n'est pas "
	  "obsol\xc3\xa8te.\n\n"
	  "Voici l'adresse : fr.wikipedia.org \xe2\x80\x94 bon "
	  "app\xc3\xa9tit!" },
	{ "Japanese",
	  /* ## 東京のおすすめ観光地 🗼 */
	  "## \xe6\x9d\xb1\xe4\xba\xac\xe3\x81\xae\xe3\x81\x8a\xe3\x81\x99"
	  "\xe3\x81\x99\xe3\x82\x81\xe8\xa6\xb3\xe5\x85\x89\xe5\x9c\xb0 "
	  "\xf0\x9f\x97\xbc\n\n"
	  /* 1. **浅草寺** – 東京で最も古いお寺です。 */
	  "1. **\xe6\xb5\x85\xe8\x8d\x89\xe5\xaf\xba** \xe2\x80\x93 "
	  "\xe6\x9d\xb1\xe4\xba\xac\xe3\x81\xa7\xe6\x9c\x80\xe3\x82\x82"
	  "\xe5\x8f\xa4\xe3\x81\x84\xe3\x81\x8a\xe5\xaf\xba\xe3\x81\xa7"
	  "\xe3\x81\x99\xe3\x80\x82\n"
	  /* 2. [公式サイト](https://www.gotokyo.org/jp/)をご覧ください。 */
	  "2. [\xe5\x85\xac\xe5\xbc\x8f\xe3\x82\xb5\xe3\x82\xa4\xe3\x83\x88]"
	  "(https://www.gotokyo.org/jp/)\xe3\x82\x92\xe3\x81\x94\xe8\xa6"
	  "\xa7\xe3\x81\x8f\xe3\x81\xa0\xe3\x81\x95\xe3\x81\x84\xe3\x80"
	  "\x82\n\n"
	  /* 楽しい旅を！✨ */
	  "\xe6\xa5\xbd\xe3\x81\x97\xe3\x81\x84\xe6\x97\x85\xe3\x82\x92"
	  "\xef\xbc\x81\xe2\x9c\xa8",
	  "\xe6\x9d\xb1\xe4\xba\xac\xe3\x81\xae\xe3\x81\x8a\xe3\x81\x99"
	  "\xe3\x81\x99\xe3\x82\x81\xe8\xa6\xb3\xe5\x85\x89\xe5\x9c\xb0."
	  "\n\n"
	  "\xe6\xb5\x85\xe8\x8d\x89\xe5\xaf\xba \xe2\x80\x93 "
	  "\xe6\x9d\xb1\xe4\xba\xac\xe3\x81\xa7\xe6\x9c\x80\xe3\x82\x82"
	  "\xe5\x8f\xa4\xe3\x81\x84\xe3\x81\x8a\xe5\xaf\xba\xe3\x81\xa7"
	  "\xe3\x81\x99\xe3\x80\x82\n"
	  "\xe5\x85\xac\xe5\xbc\x8f\xe3\x82\xb5\xe3\x82\xa4\xe3\x83\x88"
	  "\xe3\x82\x92\xe3\x81\x94\xe8\xa6\xa7\xe3\x81\x8f\xe3\x81\xa0"
	  "\xe3\x81\x95\xe3\x81\x84\xe3\x80\x82\n\n"
	  "\xe6\xa5\xbd\xe3\x81\x97\xe3\x81\x84\xe6\x97\x85\xe3\x82\x92"
	  "\xef\xbc\x81" },
	{ "HTML tags and comparisons",
	  "The formula is H<sub>2</sub>O.<br>Water boils at 100 \xc2\xb0"
	  "C <b>at sea level</b>.<p>If x < 5 and y > 3, then x<y is not "
	  "guaranteed.</p><!-- generated -->",
	  "The formula is H2O. Water boils at 100 \xc2\xb0"
	  "C at sea level. If x < 5 and y > 3, then x<y is not "
	  "guaranteed." },
	{ "emoji everywhere",
	  "Great question! \xf0\x9f\x98\x8a Here are 3 tips:\n\n"
	  "1\xef\xb8\x8f\xe2\x83\xa3 Drink water \xf0\x9f\x92\xa7\n"
	  "2\xef\xb8\x8f\xe2\x83\xa3 Sleep 8 hours \xf0\x9f\x98\xb4\n"
	  /* 3️⃣ ... 🏃‍♀️: runner, ZWJ, female sign, VS16 */
	  "3\xef\xb8\x8f\xe2\x83\xa3 Move every day "
	  "\xf0\x9f\x8f\x83\xe2\x80\x8d\xe2\x99\x80\xef\xb8\x8f\n\n"
	  /* 💪🏽 🇺🇸 #️⃣ ❤️ */
	  "You've got this! \xf0\x9f\x92\xaa\xf0\x9f\x8f\xbd "
	  "\xf0\x9f\x87\xba\xf0\x9f\x87\xb8 #\xef\xb8\x8f\xe2\x83\xa3 "
	  "\xe2\x9d\xa4\xef\xb8\x8f",
	  "Great question! Here are 3 tips:\n\n"
	  "Drink water\n"
	  "Sleep 8 hours\n"
	  "Move every day\n\n"
	  "You've got this!" },
	{ "emphasis, arithmetic and identifiers",
	  "Compute 2*3 + 4 * 5 = 26. In Python, `x**2` squares x, and "
	  "my_variable_name is fine; ~~this is wrong~~ this is right. "
	  "***Very important:*** keep ~5 minutes, _really_.",
	  "Compute 2*3 + 4 * 5 = 26. In Python, x**2 squares x, and "
	  "my_variable_name is fine; this is wrong this is right. "
	  "Very important: keep ~5 minutes, really." },
	{ "nested list, rule, quote",
	  "Steps:\n\n"
	  "1. Install the package:\n"
	  "   - On Debian: `apt install foo`\n"
	  "   - On macOS: `brew install foo`\n"
	  "2) Run it.\n"
	  "- [ ] write the config\n"
	  "- [x] read the manual\n\n"
	  "---\n\n"
	  "> **Tip:** check the logs first.\n"
	  "> > Nested quotes too.",
	  "Steps:\n\n"
	  "Install the package:\n"
	  "On Debian: apt install foo.\n"
	  "On macOS: brew install foo.\n"
	  "Run it.\n"
	  "write the config.\n"
	  "read the manual.\n\n\n\n"
	  "Tip: check the logs first.\n"
	  "Nested quotes too." },
	{ "setext heading and escapes",
	  "Results\n=======\n\n"
	  "Use \\*literally\\* an asterisk, and a path like C:\\Users\\me.",
	  "Results\n\n\n"
	  "Use *literally* an asterisk, and a path like C:\\Users\\me." },
	{ "numbers and hashes that are not markup",
	  "2024 was a good year.\n"
	  "3.5 percent is the rate.\n"
	  "#hashtags and C# stay.\n"
	  "####### seven is not a heading",
	  "2024 was a good year.\n"
	  "3.5 percent is the rate.\n"
	  "#hashtags and C# stay.\n"
	  "####### seven is not a heading" },
	{ "letters of other scripts untouched",
	  "Gr\xc3\xb6\xc3\x9f" "e: 5 m\xc2\xb2. \xc3\x87" "a co\xc3\xbb"
	  "te 20 \xe2\x82\xac. \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5"
	  "\xd1\x82! \xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7"
	  "\x95\x8c\xe3\x80\x82",
	  "Gr\xc3\xb6\xc3\x9f" "e: 5 m\xc2\xb2. \xc3\x87" "a co\xc3\xbb"
	  "te 20 \xe2\x82\xac. \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5"
	  "\xd1\x82! \xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7"
	  "\x95\x8c\xe3\x80\x82" },
	{ "plain answer unchanged",
	  "The capital of France is Paris. It has about 2.1 million "
	  "inhabitants.",
	  "The capital of France is Paris. It has about 2.1 million "
	  "inhabitants." },
};

static char got[8192];
static size_t ngot;
static int calls;

static int collect(const char *text, size_t len, void *ctx)
{
	(void)ctx;
	assert_true(len > 0);
	assert_true(ngot + len < sizeof(got));
	memcpy(got + ngot, text, len);
	ngot += len;
	got[ngot] = '\0';
	calls++;
	return 0;
}

/* A fixed linear congruential sequence: the same splits on every run. */
static uint32_t next_rand(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

/* piece 0: pseudo-random tokens of 1 to 7 bytes. */
static const char *say(const char *in, size_t piece, uint32_t seed)
{
	struct speech_text st;
	size_t len = strlen(in);

	ngot = 0;
	got[0] = '\0';
	speech_text_init(&st);
	for (size_t off = 0, n; off < len; off += n) {
		n = piece ? piece : 1 + next_rand(&seed) % 7;
		if (n > len - off)
			n = len - off;
		assert_int_equal(speech_text_feed(&st, in + off, n, collect,
						  NULL), 0);
	}
	assert_int_equal(speech_text_flush(&st, collect, NULL), 0);
	return got;
}

static void corpus_is_said_as_written_down(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		const struct sample *s = &corpus[i];

		print_message("%s\n", s->name);
		assert_string_equal(say(s->in, strlen(s->in), 0), s->say);
		assert_string_equal(say(s->in, 1, 0), s->say);
		for (uint32_t seed = 1; seed <= 20; seed++)
			assert_string_equal(say(s->in, 0, seed * 7919u),
					    s->say);
	}
}

/* A link's text is held until its target shows; past the buffer it is
 * not taken for a link and goes out as written (the URL as its host). */
static void a_long_link_text_goes_out_as_written(void **state)
{
	char in[512], want[512];
	size_t n = SPEECH_TEXT_LINK_MAX + 40;

	(void)state;
	in[0] = '[';
	memset(in + 1, 'a', n);
	strcpy(in + 1 + n, "](https://example.com/x) end");
	want[0] = '[';
	memset(want + 1, 'a', n);
	strcpy(want + 1 + n, "](example.com) end");
	assert_string_equal(say(in, strlen(in), 0), want);
	assert_string_equal(say(in, 3, 0), want);
	/* one shorter than the buffer is still a link */
	in[1 + SPEECH_TEXT_LINK_MAX] = ']';
	strcpy(in + 2 + SPEECH_TEXT_LINK_MAX, "(https://example.com/x) end");
	memset(want, 'a', SPEECH_TEXT_LINK_MAX);
	strcpy(want + SPEECH_TEXT_LINK_MAX, " end");
	assert_string_equal(say(in, 1, 0), want);
}

/* A '<' that never closes into a known tag is a character, not a tag. */
static void a_long_tag_goes_out_as_written(void **state)
{
	char in[512], want[512];
	size_t n = SPEECH_TEXT_TAG_MAX + 20;

	(void)state;
	strcpy(in, "x <a title=\"");
	memset(in + strlen(in), 'z', n);
	strcpy(in + strlen("x <a title=\"") + n, "\">y</a> w");
	strcpy(want, in);
	/* the tag was too long to be one; the closing </a> is one */
	strcpy(want + strlen(want) - strlen("</a> w"), " w");
	assert_string_equal(say(in, strlen(in), 0), want);
	assert_string_equal(say(in, 5, 0), want);
}

/* A rule longer than the line-start buffer goes, text after it stays. */
static void a_long_rule_is_dropped_but_not_its_text(void **state)
{
	char in[256];

	(void)state;
	memset(in, '-', 150);
	strcpy(in + 150, " x\nnext");
	assert_string_equal(say(in, strlen(in), 0), "x\nnext");
	assert_string_equal(say(in, 2, 0), "x\nnext");
}

/* Text goes out as it comes: the filter holds only what the next bytes
 * decide, never a whole line or sentence. */
static void text_streams_without_waiting_for_the_line(void **state)
{
	struct speech_text st;

	(void)state;
	ngot = 0;
	calls = 0;
	speech_text_init(&st);
	speech_text_feed(&st, "The answer is forty", 19, collect, NULL);
	assert_string_equal(got, "The answer is forty");
	/* the space is held: it goes out only before more text */
	speech_text_feed(&st, " two, see **", 12, collect, NULL);
	assert_string_equal(got, "The answer is forty two, see");
	speech_text_feed(&st, "this**", 6, collect, NULL);
	assert_string_equal(got, "The answer is forty two, see this");
	/* a code fence's phrase is said as soon as its line is over */
	speech_text_feed(&st, ".\n```c\nint x;", 13, collect, NULL);
	assert_string_equal(got, "The answer is forty two, see this.\n"
				 PHRASE "\n");
	speech_text_flush(&st, collect, NULL);
	assert_string_equal(got, "The answer is forty two, see this.\n"
				 PHRASE "\n");
}

/* Flush ends the answer: a heading held at the end is said, and the
 * next answer starts on a fresh line with nothing carried over. */
static void flush_starts_afresh(void **state)
{
	struct speech_text st;

	(void)state;
	ngot = 0;
	speech_text_init(&st);
	speech_text_feed(&st, "# Title\n```\ncode", 16, collect, NULL);
	speech_text_flush(&st, collect, NULL);
	speech_text_feed(&st, "Plain *text", 11, collect, NULL);
	speech_text_flush(&st, collect, NULL);
	assert_string_equal(got, "Title.\n" PHRASE "\nPlain text");
	ngot = 0;
	speech_text_feed(&st, "## Heading", 10, collect, NULL);
	assert_string_equal(got, "Heading"); /* the stop waits for the end */
	speech_text_flush(&st, collect, NULL);
	assert_string_equal(got, "Heading.");
}

static int stop_after_first(const char *text, size_t len, void *ctx)
{
	int *n = ctx;

	(void)text;
	(void)len;
	return ++*n == 1 ? 7 : 0;
}

/* emit's non-zero return stops the feed and is returned; nothing more
 * is emitted from that call, and the next call goes on. */
static void emit_can_stop_the_feed(void **state)
{
	struct speech_text st;
	char in[4 * SPEECH_TEXT_OUT_MAX];
	int n = 0;

	(void)state;
	memset(in, 'a', sizeof(in));
	speech_text_init(&st);
	/* more than one buffer's worth: emit is called mid-feed */
	assert_int_equal(speech_text_feed(&st, in, sizeof(in),
					  stop_after_first, &n), 7);
	assert_int_equal(n, 1);
	assert_int_equal(speech_text_feed(&st, "b", 1, stop_after_first, &n),
			 0);
	assert_int_equal(speech_text_flush(&st, stop_after_first, &n), 0);
	assert_int_equal(n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(corpus_is_said_as_written_down),
		cmocka_unit_test(a_long_link_text_goes_out_as_written),
		cmocka_unit_test(a_long_tag_goes_out_as_written),
		cmocka_unit_test(a_long_rule_is_dropped_but_not_its_text),
		cmocka_unit_test(text_streams_without_waiting_for_the_line),
		cmocka_unit_test(flush_starts_afresh),
		cmocka_unit_test(emit_can_stop_the_feed),
	};

	return cmocka_run_group_tests_name("speech_text", tests, NULL, NULL);
}
