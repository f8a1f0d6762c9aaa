// SPDX-License-Identifier: MIT
/*
 * Unit tests: app/store.c over a real sqlite file in a temporary directory:
 * the schema, turns and their stage times, conversations and their idle
 * time, history within a character budget, retention, timers, facts, the
 * heap limit, reopening, and files that cannot be used as they are.
 *
 * store.c is included to reach the connection (s->db), used to age rows
 * and to look at what was written, and its limits (STORE_HEAP_LIMIT,
 * HISTORY_MAX_TURNS).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../app/store.c"
#include "unit_util.h"

static char dir[64];
static char path[128];
static struct store *s;

/* ---- helpers ---- */

static void rm_tree(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	char f[512];

	if (!dp)
		return;
	while ((e = readdir(dp))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(f, sizeof(f), "%s/%s", d, e->d_name);
		if (!lstat(f, &st) && S_ISDIR(st.st_mode))
			rm_tree(f);
		else
			unlink(f);
	}
	closedir(dp);
	rmdir(d);
}

static int setup(void **state)
{
	char err[256] = "";

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/parley-test-store-" UNIT_MKTEMP_TAIL);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/parley.db", dir);
	s = store_open(path, err, sizeof(err));
	if (!s)
		fail_msg("store_open(%s): %s", path, err);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(s);
	s = NULL;
	rm_tree(dir);
	return 0;
}

/* One integer from SQL run on the store's own connection. */
static int64_t sql_int(const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void sql_exec(const char *fmt, ...)
{
	char sql[512];
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

static struct turn_record rec;

static struct turn_record *turn(int64_t conv, int64_t started,
				      const char *transcript,
				      const char *answer, const char *outcome)
{
	memset(&rec, 0, sizeof(rec));
	rec.conversation = conv;
	rec.started_unix_ms = started;
	snprintf(rec.source, sizeof(rec.source), "voice");
	snprintf(rec.transcript, sizeof(rec.transcript), "%s", transcript);
	snprintf(rec.answer, sizeof(rec.answer), "%s", answer);
	snprintf(rec.outcome, sizeof(rec.outcome), "%s", outcome);
	for (int i = 0; i < ST_COUNT; i++)
		rec.stage_ms[i] = -1;
	return &rec;
}

static int64_t add(int64_t conv, int64_t started, const char *transcript,
		   const char *answer, const char *outcome)
{
	int64_t id = store_add_turn(s, turn(conv, started, transcript, answer,
					    outcome));

	assert_true(id > 0);
	return id;
}

/* Characters of UTF-8 text, as sqlite's length() counts them. */
static int utf8_chars(const char *t)
{
	int n = 0;

	for (; *t; t++)
		n += ((unsigned char)*t & 0xc0) != 0x80;
	return n;
}

static int file_exists(const char *f)
{
	return access(f, F_OK) == 0;
}

/* How many stores were moved aside in dir (their main files, not the
 * -wal or -shm beside them); out gets the last one's path. */
static int find_aside(char *out, size_t len)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	int n = 0;

	out[0] = '\0';
	assert_non_null(dp);
	while ((e = readdir(dp))) {
		const char *tail = e->d_name + 18;

		/* PARLEY.db.corrupt-TIME or, when that is taken, -TIME-N */
		if (strncmp(e->d_name, "parley.db.corrupt-", 18) ||
		    strspn(tail, "0123456789-") != strlen(tail) ||
		    tail[0] == '-')
			continue;
		snprintf(out, len, "%.63s/%.180s", dir, e->d_name);
		n++;
	}
	closedir(dp);
	return n;
}

static size_t slurp(const char *f, char *buf, size_t len)
{
	FILE *fp = fopen(f, "rb");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, len, fp);
	fclose(fp);
	return n;
}

static void spit(const char *f, const char *data, size_t len)
{
	FILE *fp = fopen(f, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static int log_has_hit;
static const char *log_needle;

static void log_cb(const char *line, void *ctx)
{
	(void)ctx;
	if (strstr(line, log_needle))
		log_has_hit = 1;
}

static int log_has(const char *needle)
{
	log_needle = needle;
	log_has_hit = 0;
	log_ring_walk(log_cb, NULL);
	return log_has_hit;
}

/* ---- turns ---- */

struct seen {
	int n;
	struct turn_summary t[8];
	char text[8][5][128];
};

static void recent_cb(const struct turn_summary *t, void *ctx)
{
	struct seen *v = ctx;
	const char *f[5] = { t->source, t->transcript, t->answer, t->outcome,
			     t->error };

	assert_true(v->n < 8);
	v->t[v->n] = *t;
	/* the strings live only during the callback: keep copies */
	for (int i = 0; i < 5; i++) {
		assert_non_null(f[i]);
		snprintf(v->text[v->n][i], sizeof(v->text[0][0]), "%s", f[i]);
	}
	v->n++;
}

static void turns_are_saved_and_read_back(void **state)
{
	struct turn_record in[3];
	int64_t ids[3], conv;
	struct seen v = { 0 };
	static const char *const tr[3] = {
		"what's the \"weather\"?", "wie spät ist es, Grüße", "stop"
	};
	static const char *const an[3] = { "Sunny; 21°C.", "Zehn nach drei.",
					   "" };
	static const char *const oc[3] = { "ok", "error", "barge-in" };

	(void)state;
	conv = store_conversation(s, 60, 0);
	assert_true(conv > 0);
	for (int i = 0; i < 3; i++) {
		in[i] = *turn(conv, 1700000000000 + i * 1000, tr[i], an[i],
			      oc[i]);
		snprintf(in[i].source, sizeof(in[i].source), "%s",
			 i == 1 ? "text" : "voice");
		snprintf(in[i].error, sizeof(in[i].error), "%s",
			 i == 1 ? "llm: HTTP 500: boom" : "");
		in[i].stage_ms[ST_FIRST_AUDIO] = i == 1 ? -1 : 900 + i;
		ids[i] = store_add_turn(s, &in[i]);
		assert_true(ids[i] > 0);
		if (i)
			assert_true(ids[i] > ids[i - 1]);
		assert_int_equal(store_turn_count(s), i + 1);
	}
	/* the last two, newest first */
	assert_int_equal(store_recent(s, 2, recent_cb, &v), 2);
	assert_int_equal(v.n, 2);
	for (int k = 0; k < 2; k++) {
		const struct turn_record *t = &in[2 - k];

		assert_int_equal(v.t[k].id, ids[2 - k]);
		assert_int_equal(v.t[k].conversation, conv);
		assert_int_equal(v.t[k].started_unix_ms, t->started_unix_ms);
		assert_string_equal(v.text[k][0], t->source);
		assert_string_equal(v.text[k][1], t->transcript);
		assert_string_equal(v.text[k][2], t->answer);
		assert_string_equal(v.text[k][3], t->outcome);
		assert_string_equal(v.text[k][4], t->error);
		assert_int_equal(v.t[k].first_audio_ms,
				 t->stage_ms[ST_FIRST_AUDIO]);
	}
	/* more than there are: all of them */
	v.n = 0;
	assert_int_equal(store_recent(s, 10, recent_cb, &v), 3);
	assert_int_equal(v.t[2].id, ids[0]);
	assert_string_equal(v.text[2][1], tr[0]);
}

/* ---- stage times ---- */

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void stage_times_of_the_turns_that_reached_it(void **state)
{
	enum { N = 7 };
	int out[N + 1], want[N], nwant = 0;
	int64_t conv = store_conversation(s, 60, 0);

	(void)state;
	for (int i = 0; i < N; i++) {
		struct turn_record *t = turn(conv, 1000 + i, "q", "a", "ok");

		t->stage_ms[ST_SPEECH_END] = 0; /* 0 ms is reached */
		t->stage_ms[ST_FIRST_AUDIO] = i % 2 ? -1 : 100 * i + 7;
		assert_true(store_add_turn(s, t) > 0);
		if (!(i % 2))
			want[nwant++] = 100 * i + 7;
	}
	assert_int_equal(store_stage_times(s, ST_FIRST_AUDIO, N, out), nwant);
	qsort(out, (size_t)nwant, sizeof(int), cmp_int);
	assert_memory_equal(out, want, (size_t)nwant * sizeof(int));
	/* over the last 3 turns (i = 4, 5, 6): those that reached it */
	assert_int_equal(store_stage_times(s, ST_FIRST_AUDIO, 3, out), 2);
	qsort(out, 2, sizeof(int), cmp_int);
	assert_int_equal(out[0], 100 * 4 + 7);
	assert_int_equal(out[1], 100 * 6 + 7);
	/* never more than n are written */
	out[1] = -12345;
	assert_int_equal(store_stage_times(s, ST_SPEECH_END, 1, out), 1);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], -12345);
	assert_int_equal(store_stage_times(s, ST_SPEECH_END, N, out), N);
	assert_int_equal(store_stage_times(s, ST_BARGE_IN, N, out), 0);
}

static void each_stage_has_its_own_column(void **state)
{
	struct turn_record *t;
	int out[2];

	(void)state;
	t = turn(store_conversation(s, 60, 0), 1, "q", "a", "ok");
	for (int i = 0; i < ST_COUNT; i++)
		t->stage_ms[i] = 1000 + 10 * i;
	assert_true(store_add_turn(s, t) > 0);
	for (int i = 0; i < ST_COUNT; i++) {
		assert_int_equal(store_stage_times(s, (enum stage)i, 1, out), 1);
		assert_int_equal(out[0], 1000 + 10 * i);
	}
}

/* ---- conversations ---- */

static void conversations_follow_idle_time_and_force_new(void **state)
{
	int64_t c1, c2, c3, c4, now = unix_ms();

	(void)state;
	assert_int_equal(store_conversation_latest(s), -1);
	c1 = store_conversation(s, 60, 0);
	assert_true(c1 > 0);
	assert_int_equal(store_conversation_latest(s), c1);
	assert_int_equal(store_conversation(s, 60, 0), c1);
	c2 = store_conversation(s, 60, 1);
	assert_true(c2 > c1);
	assert_int_equal(store_conversation_latest(s), c2);
	assert_int_equal(store_conversation(s, 60, 0), c2);

	/* c2 began 10 minutes ago with no turn since: idle for 5 minutes */
	sql_exec("UPDATE conversations SET started_unix_ms=%lld WHERE id=%lld",
		 (long long)(now - 600000), (long long)c2);
	assert_int_equal(store_conversation(s, 900, 0), c2);
	c3 = store_conversation(s, 300, 0);
	assert_true(c3 > c2);

	/* a turn a minute ago keeps an old conversation going */
	sql_exec("UPDATE conversations SET started_unix_ms=%lld WHERE id=%lld",
		 (long long)(now - 600000), (long long)c3);
	add(c3, now - 60000, "q", "a", "ok");
	assert_int_equal(store_conversation(s, 300, 0), c3);
	assert_int_equal(store_conversation_latest(s), c3);
	/* but not past an idle time shorter than that minute */
	c4 = store_conversation(s, 30, 0);
	assert_true(c4 > c3);
	assert_int_equal(store_conversation_latest(s), c4);
	assert_int_equal(sql_int("SELECT count(*) FROM conversations"), 4);
}

/* ---- history ---- */

struct hist {
	int n;
	char user[80][64], assistant[80][64];
};

static void hist_cb(const char *user, const char *assistant, void *ctx)
{
	struct hist *h = ctx;

	assert_true(h->n < 80);
	snprintf(h->user[h->n], sizeof(h->user[0]), "%s", user);
	snprintf(h->assistant[h->n], sizeof(h->assistant[0]), "%s", assistant);
	h->n++;
}

static void history_keeps_the_newest_within_the_budget(void **state)
{
	/* the turns of conversation c, in order; only turns with an answer
	 * that was said are history: ok, barge-in, truncated, tts-fallback */
	static const struct {
		const char *q, *a, *outcome;
		int history;
	} t[] = {
		{ "first question", "first answer", "ok", 1 },
		{ "broken", "", "error", 0 },
		{ "second question", "second answer, longer", "ok", 1 },
		{ "no answer", "", "ok", 0 },
		{ "interrupted", "half an ans", "barge-in", 1 },
		{ "failed late", "some text", "error", 0 },
		{ "third", "third answer", "ok", 1 },
		{ "cut", "as much as fits", "truncated", 1 },
		{ "local voice", "said by espeak", "tts-fallback", 1 },
		{ "offline", "a grammar answer", "offline", 0 },
		{ "fourth question, a longer one", "fourth", "ok", 1 },
	};
	enum { NT = sizeof(t) / sizeof(t[0]) };
	int idx[NT], ne = 0, len[NT];
	int64_t c, other;
	struct hist h;

	(void)state;
	other = store_conversation(s, 60, 1);
	add(other, 1, "other conversation", "not history", "ok");
	c = store_conversation(s, 60, 1);
	for (int i = 0; i < NT; i++) {
		add(c, 10 + i, t[i].q, t[i].a, t[i].outcome);
		if (t[i].history) {
			len[ne] = (int)(strlen(t[i].q) + strlen(t[i].a));
			idx[ne++] = i;
		}
	}
	add(other, 100, "later elsewhere", "also not history", "ok");

	/* all of it, oldest first */
	memset(&h, 0, sizeof(h));
	assert_int_equal(store_history(s, c, 100000, hist_cb, &h), ne);
	assert_int_equal(h.n, ne);
	for (int k = 0; k < ne; k++) {
		assert_string_equal(h.user[k], t[idx[k]].q);
		assert_string_equal(h.assistant[k], t[idx[k]].a);
	}

	/* budgets that hold exactly the newest k turns, and one less */
	for (int k = 1; k <= ne; k++) {
		int budget = 0;

		for (int j = ne - k; j < ne; j++)
			budget += len[j];
		memset(&h, 0, sizeof(h));
		assert_int_equal(store_history(s, c, budget, hist_cb, &h), k);
		assert_int_equal(h.n, k);
		for (int j = 0; j < k; j++)
			assert_string_equal(h.user[j], t[idx[ne - k + j]].q);
		memset(&h, 0, sizeof(h));
		assert_int_equal(store_history(s, c, budget - 1, hist_cb, &h),
				 k - 1);
		assert_int_equal(h.n, k - 1);
		if (k > 1)
			assert_string_equal(h.user[0], t[idx[ne - k + 1]].q);
	}

	/* the newest alone is too long: nothing, even if older ones fit */
	memset(&h, 0, sizeof(h));
	assert_true(len[ne - 1] - 1 >= len[0]);
	assert_int_equal(store_history(s, c, len[ne - 1] - 1, hist_cb, &h), 0);
	assert_int_equal(store_history(s, c, 0, hist_cb, &h), 0);
	assert_int_equal(store_history(s, c, -5, hist_cb, &h), 0);
	assert_int_equal(h.n, 0);
	/* a conversation with no turns */
	assert_int_equal(store_history(s, 999, 100000, hist_cb, &h), 0);
}

static void history_budget_counts_characters(void **state)
{
	const char *q = "Était-ce l'été à Zürich?", *a = "Oui, ça l'était.";
	int chars = utf8_chars(q) + utf8_chars(a);
	int64_t c = store_conversation(s, 60, 0);
	struct hist h = { 0 };

	(void)state;
	assert_true(chars < (int)(strlen(q) + strlen(a)));
	add(c, 1, q, a, "ok");
	assert_int_equal(store_history(s, c, chars, hist_cb, &h), 1);
	assert_string_equal(h.user[0], q);
	assert_string_equal(h.assistant[0], a);
	assert_int_equal(store_history(s, c, chars - 1, hist_cb, &h), 0);
}

static void history_is_at_most_history_max_turns(void **state)
{
	enum { N = HISTORY_MAX_TURNS + 6 };
	int64_t c = store_conversation(s, 60, 0);
	char q[16];
	struct hist h = { 0 };

	(void)state;
	for (int i = 0; i < N; i++) {
		snprintf(q, sizeof(q), "q%d", i);
		add(c, i, q, "a", "ok");
	}
	assert_int_equal(store_history(s, c, PARLEY_HISTORY_CHARS_MAX, hist_cb,
				       &h),
			 HISTORY_MAX_TURNS);
	snprintf(q, sizeof(q), "q%d", N - HISTORY_MAX_TURNS);
	assert_string_equal(h.user[0], q);
	snprintf(q, sizeof(q), "q%d", N - 1);
	assert_string_equal(h.user[HISTORY_MAX_TURNS - 1], q);
}

/* ---- retention ---- */

static void prune_keeps_the_newest_turns(void **state)
{
	int64_t c[4], ids[8];
	int k = 0, kept = 4;
	struct seen v = { 0 };

	(void)state;
	for (int i = 0; i < 4; i++) {
		c[i] = store_conversation(s, 60, 1);
		/* 3, 3, 2 and no turns */
		for (int j = 0; j < (i < 2 ? 3 : i == 2 ? 2 : 0); j++) {
			ids[k] = add(c[i], 1000 * k, "q", "a", "ok");
			k++;
		}
	}
	assert_int_equal(k, 8);
	assert_int_equal(store_prune(s, 0, 0), 0);
	assert_int_equal(store_prune(s, k, 0), 0);
	assert_int_equal(store_turn_count(s), k);

	assert_int_equal(store_prune(s, kept, 0), k - kept);
	assert_int_equal(store_turn_count(s), kept);
	assert_int_equal(store_recent(s, 8, recent_cb, &v), kept);
	for (int j = 0; j < kept; j++)
		assert_int_equal(v.t[j].id, ids[k - 1 - j]);
	/* c[0] lost all its turns and went; c[1] keeps one; the newest
	 * stays though it has none */
	assert_int_equal(sql_int("SELECT count(*) FROM conversations"), 3);
	for (int i = 1; i < 4; i++) {
		char q[96];

		snprintf(q, sizeof(q),
			 "SELECT count(*) FROM conversations WHERE id=%lld",
			 (long long)c[i]);
		assert_int_equal(sql_int(q), 1);
	}
	assert_int_equal(store_conversation_latest(s), c[3]);
	assert_int_equal(store_prune(s, kept, 0), 0);
}

static void prune_drops_turns_older_than_max_days(void **state)
{
	static const double age_days[] = { 10, 3, 2.05, 1.95, 1, 0 };
	enum { N = sizeof(age_days) / sizeof(age_days[0]) };
	int64_t now = unix_ms(), c = store_conversation(s, 60, 0);
	int old = 0;
	struct seen v = { 0 };

	(void)state;
	for (int i = 0; i < N; i++) {
		add(c, now - (int64_t)(age_days[i] * 86400000.0), "q", "a",
		    "ok");
		old += age_days[i] > 2;
	}
	assert_int_equal(store_prune(s, 0, 11), 0);
	assert_int_equal(store_prune(s, 0, 2), old);
	assert_int_equal(store_turn_count(s), N - old);
	assert_int_equal(store_recent(s, N, recent_cb, &v), N - old);
	for (int j = 0; j < v.n; j++)
		assert_true(now - v.t[j].started_unix_ms <= 2 * 86400000LL);
	assert_int_equal(store_prune(s, 0, 2), 0);
	/* the conversation still has turns */
	assert_int_equal(store_conversation_latest(s), c);
}

static void prune_by_turns_and_days_counts_each_turn_once(void **state)
{
	int64_t now = unix_ms(), c = store_conversation(s, 60, 0);

	(void)state;
	/* 3 turns older than 2 days, then 2 recent ones */
	add(c, now - 10 * 86400000LL, "q", "a", "ok");
	add(c, now - 5 * 86400000LL, "q", "a", "ok");
	add(c, now - 3 * 86400000LL, "q", "a", "ok");
	add(c, now - 1000, "q", "a", "ok");
	add(c, now, "q", "a", "ok");
	/* max_turns 4 drops one, max_days 2 the other two old ones */
	assert_int_equal(store_prune(s, 4, 2), 3);
	assert_int_equal(store_turn_count(s), 2);
}

/* ---- timers ---- */

struct timers_seen {
	int n;
	int64_t id[8], due[8];
	int kind[8];
	char label[8][PARLEY_TIMER_LABEL_MAX];
};

static void timer_cb(int64_t id, int kind, const char *label, int64_t due,
		     void *ctx)
{
	struct timers_seen *t = ctx;

	assert_true(t->n < 8);
	t->id[t->n] = id;
	t->kind[t->n] = kind;
	t->due[t->n] = due;
	snprintf(t->label[t->n], sizeof(t->label[0]), "%s", label);
	t->n++;
}

static void timers_are_kept_soonest_first(void **state)
{
	int64_t now = 1800000000000, tea, alarm, eggs;
	struct timers_seen t = { 0 };

	(void)state;
	tea = store_timer_add(s, 0, "Tim's \"tea\"", now + 300000);
	alarm = store_timer_add(s, 1, "alarm", now + 60000);
	eggs = store_timer_add(s, 0, "eggs", now + 300000); /* same due */
	assert_true(tea > 0 && alarm > 0 && eggs > 0);
	assert_true(tea != alarm && alarm != eggs && tea != eggs);
	assert_int_equal(store_timers(s, timer_cb, &t), 3);
	assert_int_equal(t.id[0], alarm);
	assert_int_equal(t.kind[0], 1);
	assert_int_equal(t.due[0], now + 60000);
	assert_string_equal(t.label[0], "alarm");
	/* equal due times: the older first */
	assert_int_equal(t.id[1], tea);
	assert_int_equal(t.kind[1], 0);
	assert_string_equal(t.label[1], "Tim's \"tea\"");
	assert_int_equal(t.id[2], eggs);

	assert_int_equal(store_timer_delete(s, tea), 1);
	assert_int_equal(store_timer_delete(s, tea), 0);
	assert_int_equal(store_timer_delete(s, 987654), 0);
	memset(&t, 0, sizeof(t));
	assert_int_equal(store_timers(s, timer_cb, &t), 2);
	assert_int_equal(t.id[0], alarm);
	assert_int_equal(t.id[1], eggs);
}

/* ---- facts ---- */

struct facts_seen {
	int n;
	char f[PARLEY_FACTS_MAX + 4][PARLEY_FACT_MAX];
};

static void fact_cb(const char *fact, void *ctx)
{
	struct facts_seen *f = ctx;

	assert_true(f->n < PARLEY_FACTS_MAX + 4);
	snprintf(f->f[f->n++], sizeof(f->f[0]), "%s", fact);
}

static struct facts_seen fs;

static int facts(const char *q)
{
	memset(&fs, 0, sizeof(fs));
	return store_facts(s, q, fact_cb, &fs);
}

static void facts_are_added_once(void **state)
{
	(void)state;
	assert_int_equal(store_fact_add(s, "I like coffee"), 0);
	assert_int_equal(store_fact_add(s, "I like coffee"), 1);
	assert_int_equal(store_fact_add(s, "i LIKE Coffee"), 1);
	assert_int_equal(store_fact_add(s, "I like coffee black"), 0);
	assert_int_equal(facts(NULL), 2);
	/* newest first */
	assert_string_equal(fs.f[0], "I like coffee black");
	assert_string_equal(fs.f[1], "I like coffee");
}

static void facts_stop_at_the_limit(void **state)
{
	char f[64];
	int forgotten = 0;

	(void)state;
	for (int i = 0; i < PARLEY_FACTS_MAX; i++) {
		snprintf(f, sizeof(f), "fact number %d", i);
		assert_int_equal(store_fact_add(s, f), 0);
	}
	assert_int_equal(store_fact_add(s, "one too many"), -ENOSPC);
	/* a known one is still known when full */
	assert_int_equal(store_fact_add(s, "FACT NUMBER 0"), 1);
	assert_int_equal(facts(""), PARLEY_FACTS_MAX);
	snprintf(f, sizeof(f), "fact number %d", PARLEY_FACTS_MAX - 1);
	assert_string_equal(fs.f[0], f);
	assert_string_equal(fs.f[PARLEY_FACTS_MAX - 1], "fact number 0");

	/* forgetting makes room */
	for (int i = 0; i < PARLEY_FACTS_MAX; i++) {
		snprintf(f, sizeof(f), "fact number %d", i);
		forgotten += strstr(f, "number 1") != NULL;
	}
	assert_true(forgotten > 1);
	assert_int_equal(store_fact_forget(s, "NUMBER 1"), forgotten);
	assert_int_equal(facts(NULL), PARLEY_FACTS_MAX - forgotten);
	for (int i = 0; i < fs.n; i++)
		assert_null(strstr(fs.f[i], "number 1"));
	assert_int_equal(store_fact_add(s, "one too many"), 0);
}

static void facts_are_found_and_forgotten_by_substring(void **state)
{
	static const char *const in[] = { "My sister is Anna", "I am 100% sure",
					  "The wifi is home_net",
					  "Anna likes tea" };
	enum { N = sizeof(in) / sizeof(in[0]) };

	(void)state;
	for (int i = 0; i < N; i++)
		assert_int_equal(store_fact_add(s, in[i]), 0);
	assert_int_equal(facts("anna"), 2);
	assert_string_equal(fs.f[0], in[3]);
	assert_string_equal(fs.f[1], in[0]);
	assert_int_equal(facts("TEA"), 1);
	assert_string_equal(fs.f[0], in[3]);
	/* no LIKE wildcards: % and _ are themselves */
	assert_int_equal(facts("%"), 1);
	assert_string_equal(fs.f[0], in[1]);
	assert_int_equal(facts("e_n"), 1);
	assert_string_equal(fs.f[0], in[2]);
	assert_int_equal(facts("nobody"), 0);
	assert_int_equal(facts(NULL), N);

	assert_int_equal(store_fact_forget(s, "_"), 1);
	assert_int_equal(store_fact_forget(s, "nobody"), 0);
	assert_int_equal(store_fact_forget(s, "ANNA"), 2);
	assert_int_equal(facts(NULL), 1);
	assert_string_equal(fs.f[0], in[1]);
}

/* ---- the schema ---- */

static void open_creates_the_schema(void **state)
{
	struct timers_seen t = { 0 };
	static const char *const tables[] = { "conversations", "turns",
					      "timers", "facts" };
	char q[160];

	(void)state;
	assert_true(file_exists(path));
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(q, sizeof(q),
			 "SELECT count(*) FROM sqlite_master WHERE type='table'"
			 " AND name='%s'",
			 tables[i]);
		assert_int_equal(sql_int(q), 1);
	}
	assert_int_equal(sql_int("SELECT count(*) FROM sqlite_master WHERE"
				 " type='index' AND"
				 " name='turns_by_conversation'"),
			 1);
	/* one column per stage, named after stage_names[] */
	for (int i = 0; i < ST_COUNT; i++) {
		snprintf(q, sizeof(q),
			 "SELECT count(*) FROM pragma_table_info('turns')"
			 " WHERE name='%s_ms'",
			 stage_names[i]);
		assert_int_equal(sql_int(q), 1);
	}
	assert_int_equal(sql_int("PRAGMA user_version"), 3);
	/* retention by age has its index; the clean-close flag its row,
	 * cleared while the store is open */
	assert_int_equal(sql_int("SELECT count(*) FROM sqlite_master WHERE"
				 " type='index' AND name='turns_by_start'"),
			 1);
	assert_int_equal(sql_int("SELECT clean FROM shutdown"), 0);
	assert_int_equal(sql_int("SELECT journal_mode='wal' FROM"
				 " pragma_journal_mode"),
			 1);
	/* and it is empty */
	assert_int_equal(store_turn_count(s), 0);
	assert_int_equal(store_conversation_latest(s), -1);
	assert_int_equal(facts(NULL), 0);
	assert_int_equal(store_timers(s, timer_cb, &t), 0);
}

/* The conversation is not the group's: new files are 0600 whatever the
 * umask, and a group-writable one from an older install is taken back. */
static void store_files_are_the_daemons_alone(void **state)
{
	char err[256] = "";
	struct stat st;
	mode_t old;

	(void)state;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	store_close(s);
	s = NULL;
	assert_int_equal(chmod(path, 0660), 0);
	old = umask(0);
	s = store_open(path, err, sizeof(err));
	umask(old);
	assert_non_null(s);
	add(store_conversation(s, 60, 0), 1, "q", "a", "ok");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(err, sizeof(err), "%s-wal", path);
	assert_int_equal(stat(err, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

/* ---- sqlite's heap ---- */

static void heap_is_limited_and_accounted(void **state)
{
	char *msg = NULL;
	int64_t c;

	(void)state;
	assert_int_equal(sqlite3_hard_heap_limit64(-1), STORE_HEAP_LIMIT);
	c = store_conversation(s, 60, 0);
	for (int i = 0; i < 50; i++)
		add(c, i, "a question of some length", "an answer", "ok");
	assert_true(store_heap_used() > 0);
	assert_true(store_heap_high_water() >= store_heap_used());
	/* more than the limit fails cleanly ... */
	assert_int_equal(sqlite3_exec(s->db,
				      "SELECT randomblob(9000000)",
				      NULL, NULL, &msg),
			 SQLITE_NOMEM);
	sqlite3_free(msg);
	assert_true(store_heap_high_water() <= STORE_HEAP_LIMIT);
	/* ... and the store goes on working */
	add(c, 99, "after", "that", "ok");
	assert_int_equal(store_turn_count(s), 51);
}

/* ---- reopening ---- */

static void reopening_keeps_everything(void **state)
{
	char err[256] = "";
	int64_t c, id, alarm;
	struct seen v = { 0 };
	struct timers_seen t = { 0 };

	(void)state;
	c = store_conversation(s, 3600, 0);
	add(c, unix_ms(), "first", "one", "ok");
	id = add(c, unix_ms(), "second", "two", "ok");
	alarm = store_timer_add(s, 1, "wake up", 1900000000000);
	assert_int_equal(store_fact_add(s, "The cat is Mia"), 0);
	store_close(s);

	s = store_open(path, err, sizeof(err));
	if (!s)
		fail_msg("reopen: %s", err);
	assert_int_equal(find_aside(err, sizeof(err)), 0);
	assert_int_equal(store_turn_count(s), 2);
	assert_int_equal(store_conversation_latest(s), c);
	/* the conversation goes on across a restart */
	assert_int_equal(store_conversation(s, 3600, 0), c);
	assert_int_equal(store_recent(s, 1, recent_cb, &v), 1);
	assert_int_equal(v.t[0].id, id);
	assert_string_equal(v.text[0][1], "second");
	assert_int_equal(store_timers(s, timer_cb, &t), 1);
	assert_int_equal(t.id[0], alarm);
	assert_string_equal(t.label[0], "wake up");
	assert_int_equal(facts(NULL), 1);
	assert_string_equal(fs.f[0], "The cat is Mia");
	assert_int_equal(store_fact_add(s, "the cat is mia"), 1);
	/* the next turn does not reuse an id */
	assert_true(add(c, unix_ms(), "third", "three", "ok") > id);
}

/* ---- files that cannot be used ---- */

static void garbage_file_is_moved_aside(void **state)
{
	char garbage[8192], wal[160], back[8192 + 1], aside[256];
	char err[256] = "";

	(void)state;
	store_close(s);
	s = NULL;
	rm_tree(dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = "this is not a database\n"[i % 23];
	spit(path, garbage, sizeof(garbage));
	snprintf(wal, sizeof(wal), "%s-wal", path);
	spit(wal, garbage, 100);

	s = store_open(path, err, sizeof(err));
	assert_non_null(s);
	/* the old file is kept, byte for byte, with its -wal */
	assert_int_equal(find_aside(aside, sizeof(aside)), 1);
	assert_int_equal(slurp(aside, back, sizeof(back)), sizeof(garbage));
	assert_memory_equal(back, garbage, sizeof(garbage));
	/* (sqlite3_close() of the failed connection has already removed the
	 * -wal it could not use, so there is none to move aside) */
	assert_true(log_has("moved aside"));
	/* and the new one is a working, empty store */
	assert_int_equal(store_turn_count(s), 0);
	assert_true(store_conversation(s, 60, 0) > 0);
	assert_int_equal(store_fact_add(s, "fresh"), 0);
}

static void damaged_database_is_moved_aside(void **state)
{
	char err[256] = "", aside[256];
	int64_t c = store_conversation(s, 60, 0);
	struct stat st;
	unsigned char page[4096];
	long pages;
	FILE *fp;

	(void)state;
	for (int i = 0; i < 300; i++)
		add(c, i, "a question that takes some room in the file",
		    "and an answer that takes some more room", "ok");
	/* the last run did not close the store (quick_check runs), and the
	 * last connection checkpoints the WAL */
	sql_exec("UPDATE shutdown SET clean=0");
	sqlite3_finalize(s->add_turn);
	s->add_turn = NULL;
	sqlite3_close(s->db);
	free(s);
	s = NULL;
	assert_int_equal(stat(path, &st), 0);
	pages = st.st_size / (long)sizeof(page);
	assert_true(pages > 8);
	/* a b-tree page in the middle becomes garbage */
	memset(page, 0xa5, sizeof(page));
	fp = fopen(path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, (pages / 2) * (long)sizeof(page), SEEK_SET),
			 0);
	assert_int_equal(fwrite(page, 1, sizeof(page), fp), sizeof(page));
	assert_int_equal(fclose(fp), 0);

	s = store_open(path, err, sizeof(err));
	assert_non_null(s);
	assert_true(s->on_disk);
	assert_int_equal(find_aside(aside, sizeof(aside)), 1);
	assert_int_equal(stat(aside, &st), 0);
	assert_int_equal(st.st_size / (long)sizeof(page), pages);
	assert_int_equal(store_turn_count(s), 0);
}

static void unopenable_path_is_an_error(void **state)
{
	char err[256], bad[200];

	(void)state;
	/* a directory that does not exist */
	snprintf(bad, sizeof(bad), "%s/no/such/dir/parley.db", dir);
	memset(err, 0, sizeof(err));
	assert_null(store_open(bad, err, sizeof(err)));
	assert_true(strlen(err) > strlen(bad));
	assert_non_null(strstr(err, bad));
	/* a parent that is a file */
	snprintf(bad, sizeof(bad), "%s/sub/parley.db", path);
	memset(err, 0, sizeof(err));
	assert_null(store_open(bad, err, sizeof(err)));
	assert_non_null(strstr(err, bad));
	/* the good store is untouched */
	assert_int_equal(find_aside(err, sizeof(err)), 0);
	assert_true(store_conversation(s, 60, 0) > 0);
}

/* ---- what is not corruption is not moved aside ---- */

/* A second connection holding the write lock, as another process would. */
static sqlite3 *hold_write_lock(void)
{
	sqlite3 *other;

	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other,
				      "BEGIN IMMEDIATE;"
				      " INSERT INTO facts(text, created_unix_ms)"
				      " VALUES('pending', 0)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	return other;
}

static void release_write_lock(sqlite3 *other)
{
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
}

/*
 * A store another process holds locked past the open's bound is not
 * corrupt: it is left as it is, the speaker goes on in memory, and what
 * was said then reaches the file once the lock goes.  What was removed in
 * memory from the disk's rows (a stopped timer, a forgotten fact) is
 * removed there too, and a timer made in memory keeps its id.
 */
static void locked_store_is_used_once_the_lock_goes(void **state)
{
	char err[256] = "", aside[256], line[STORE_FAULT_MAX + 128];
	int64_t c = store_conversation(s, 60, 0), disk_timer, mem_timer, conv;
	struct timers_seen ts = { 0 };
	struct store *s2;
	sqlite3 *other;

	(void)state;
	add(c, 1, "keep", "me", "ok");
	disk_timer = store_timer_add(s, 0, "tea", 1900000000000);
	assert_true(disk_timer > 0);
	assert_int_equal(store_fact_add(s, "I like green tea"), 0);

	other = hold_write_lock();
	s2 = store_open(path, err, sizeof(err));
	assert_non_null(s2);
	assert_false(s2->on_disk);
	assert_non_null(strstr(s2->fault, "locked"));
	assert_non_null(store_notice(s2));
	store_describe(s2, line, sizeof(line));
	assert_non_null(strstr(line, "MEMORY"));
	/* what is said meanwhile is kept in memory */
	conv = store_conversation(s2, 60, 0);
	assert_true(conv > c);
	assert_true(store_add_turn(s2, turn(conv, 2, "while", "locked",
					    "ok")) > 0);
	assert_int_equal(store_timer_delete(s2, disk_timer), 0);
	assert_int_equal(store_fact_forget(s2, "TEA"), 0);
	mem_timer = store_timer_add(s2, 1, "alarm", 1900000001000);
	assert_true(mem_timer > disk_timer);
	store_describe(s2, line, sizeof(line));
	assert_non_null(strstr(line, "held writes 5"));
	/* still locked: the retry does not wait long, and changes nothing */
	assert_int_equal(store_retry(s2), -EAGAIN);
	assert_false(s2->on_disk);

	release_write_lock(other);
	assert_int_equal(store_retry(s2), 0);
	assert_true(s2->on_disk);
	assert_null(store_notice(s2));
	store_describe(s2, line, sizeof(line));
	assert_non_null(strstr(line, "disk "));
	assert_non_null(strstr(line, "lost writes 0"));
	store_close(s2);

	assert_int_equal(find_aside(aside, sizeof(aside)), 0);
	assert_int_equal(store_turn_count(s), 2);
	assert_int_equal(sql_int("SELECT count(*) FROM turns WHERE"
				 " transcript='while'"),
			 1);
	assert_int_equal(facts(NULL), 0);
	assert_int_equal(store_timers(s, timer_cb, &ts), 1);
	assert_int_equal(ts.id[0], mem_timer);
	assert_string_equal(ts.label[0], "alarm");
	/* the disk's ids follow the memory's */
	assert_true(store_conversation(s, 60, 1) > conv);
	assert_int_equal(store_timer_delete(s, mem_timer), 1);
}

/* A check in a child process: fails the child, never the runner. */
#define CHILD_CHECK(cond)                                                \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "%s:%d: %s\n", __FILE__,         \
				__LINE__, #cond);                        \
			_exit(1);                                        \
		}                                                        \
	} while (0)

/* Gives the process mounts of its own: as root, a mount namespace; as
 * anyone else, a user namespace around it.  0, or -1 where neither is
 * allowed. */
static int own_mounts(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];
	int fd;

	if (unshare(CLONE_NEWNS)) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
			return -1;
		fd = open("/proc/self/setgroups", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			(void)!write(fd, "deny", 4);
			close(fd);
		}
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		fd = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, map, strlen(map)) < 0)
			return -1;
		close(fd);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		fd = open("/proc/self/gid_map", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, map, strlen(map)) < 0)
			return -1;
		close(fd);
	}
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

/* Runs fn in a child with mounts of its own; the test passes if it exits
 * 0, and is skipped where no namespace can be made. */
static void in_own_mounts(void (*fn)(void))
{
	int status;
	pid_t pid;

	store_close(s); /* the child opens the store itself */
	s = NULL;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		if (own_mounts())
			_exit(77);
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void read_only_child(void)
{
	char err[256] = "", line[STORE_FAULT_MAX + 128];
	struct store *ro;
	int64_t c;

	/* the directory becomes read-only, as a state directory on a
	 * read-only root would be */
	CHILD_CHECK(!mount(dir, dir, NULL, MS_BIND, NULL));
	CHILD_CHECK(!mount(NULL, dir, NULL,
			   MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	ro = store_open(path, err, sizeof(err));
	CHILD_CHECK(ro);
	CHILD_CHECK(!ro->on_disk);
	CHILD_CHECK(store_notice(ro));
	c = store_conversation(ro, 60, 0);
	CHILD_CHECK(c > 0);
	CHILD_CHECK(store_add_turn(ro, turn(c, 1, "said", "kept", "ok")) > 0);
	CHILD_CHECK(store_turn_count(ro) == 1);
	/* a write that reaches no store at all (here: the memory store over
	 * sqlite's heap limit) is counted, and shown */
	sqlite3_hard_heap_limit64(sqlite3_memory_used() + 1024);
	memset(rec.answer, 'x', sizeof(rec.answer) - 1);
	rec.answer[sizeof(rec.answer) - 1] = '\0';
	for (int i = 0; i < 64 && !ro->failed_writes; i++)
		store_add_turn(ro, &rec);
	sqlite3_hard_heap_limit64(STORE_HEAP_LIMIT);
	CHILD_CHECK(ro->failed_writes > 0);
	store_describe(ro, line, sizeof(line));
	CHILD_CHECK(strstr(line, "MEMORY"));
	CHILD_CHECK(strstr(line, "lost writes 0") == NULL);
	/* still read-only at close: what is lost is said in the log */
	store_close(ro);
	CHILD_CHECK(log_has("what was kept in memory is lost"));
}

/*
 * A read-only state directory: the store runs in memory, takes what is
 * said, and counts what it could not keep; the file is left as it is.
 */
static void read_only_directory_gives_a_memory_store(void **state)
{
	char aside[256];

	(void)state;
	add(store_conversation(s, 60, 0), 1, "on disk", "before", "ok");
	in_own_mounts(read_only_child);
	s = store_open(path, aside, sizeof(aside));
	assert_non_null(s);
	assert_true(s->on_disk);
	assert_int_equal(find_aside(aside, sizeof(aside)), 0);
	assert_int_equal(store_turn_count(s), 1);
}

static void disk_full_child(void)
{
	char err[256] = "", filler[160], big[4096];
	struct store *st;
	int64_t c, id;
	int fd, n = 0;

	/* a small file system of its own, filled up */
	CHILD_CHECK(!mount("tmpfs", dir, "tmpfs", 0, "size=512k"));
	st = store_open(path, err, sizeof(err));
	CHILD_CHECK(st && st->on_disk);
	c = store_conversation(st, 60, 0);
	CHILD_CHECK(c > 0);
	snprintf(filler, sizeof(filler), "%s/filler", dir);
	fd = open(filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	CHILD_CHECK(fd >= 0);
	memset(big, 'f', sizeof(big));
	while (write(fd, big, sizeof(big)) > 0)
		;
	close(fd);
	/* turns until the disk refuses one: that one goes to memory, and
	 * none is lost */
	for (; n < 400 && st->on_disk; n++) {
		id = store_add_turn(st, turn(c, n, "a question of some length",
					     "an answer of some length", "ok"));
		CHILD_CHECK(id > 0);
	}
	CHILD_CHECK(!st->on_disk);
	CHILD_CHECK(strstr(st->fault, "full"));
	CHILD_CHECK(st->failed_writes == 0);
	CHILD_CHECK(store_add_turn(st, turn(c, n++, "and", "one more",
					    "ok")) > 0);
	/* room again: everything is on the disk */
	CHILD_CHECK(!unlink(filler));
	CHILD_CHECK(store_retry(st) == 0);
	CHILD_CHECK(st->on_disk);
	CHILD_CHECK(store_turn_count(st) == n);
	store_close(st);
}

/* A disk that fills up while the speaker runs. */
static void full_disk_moves_to_memory_and_back(void **state)
{
	(void)state;
	in_own_mounts(disk_full_child);
}

/* ---- damaged files, again ---- */

/* Two damaged files moved aside within one second keep both copies. */
static void each_damaged_file_gets_its_own_name(void **state)
{
	char err[256] = "", first[256], names[2][256], back[64];
	DIR *dp;
	struct dirent *e;
	int n = 0;

	(void)state;
	for (int round = 0; round < 2; round++) {
		store_close(s);
		s = NULL;
		snprintf(first, sizeof(first), "not a database, round %d",
			 round);
		spit(path, first, strlen(first));
		s = store_open(path, err, sizeof(err));
		assert_non_null(s);
		assert_true(s->on_disk);
	}
	assert_int_equal(find_aside(err, sizeof(err)), 2);
	dp = opendir(dir);
	assert_non_null(dp);
	while ((e = readdir(dp)))
		if (!strncmp(e->d_name, "parley.db.corrupt-", 18) && n < 2)
			snprintf(names[n++], sizeof(names[0]), "%.63s/%.180s",
				 dir, e->d_name);
	closedir(dp);
	assert_int_equal(n, 2);
	/* each holds its own round's bytes */
	for (int i = 0; i < 2; i++) {
		size_t k = slurp(names[i], back, sizeof(back) - 1);

		back[k] = '\0';
		assert_non_null(strstr(back, "not a database, round "));
	}
	assert_string_not_equal(names[0], names[1]);
	slurp(names[0], first, sizeof(first) - 1);
	slurp(names[1], back, sizeof(back) - 1);
	assert_true(first[22] != back[22]);
}

/* ---- start-up does not grow with the store ---- */

static void quick_check_runs_after_an_unclean_shutdown_only(void **state)
{
	char err[256] = "";
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(s->checked, 1); /* a new file: not known clean */
	store_close(s);
	s = store_open(path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(s->checked, 0); /* closed cleanly */
	store_close(s);
	s = NULL;
	/* a run that ends without closing, as a crash or kill -9 does */
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct store *st = store_open(path, err, sizeof(err));

		CHILD_CHECK(st && !st->checked);
		CHILD_CHECK(store_add_turn(st, turn(store_conversation(st, 60, 0),
						    1, "q", "a", "ok")) > 0);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	s = store_open(path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(s->checked, 1);
	assert_int_equal(store_turn_count(s), 1);
}

/* The plan sqlite makes for the statement: each step's detail. */
static void query_plan(const char *sql, char *out, size_t len)
{
	char q[512];
	sqlite3_stmt *st;
	size_t n = 0;

	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(sqlite3_prepare_v2(s->db, q, -1, &st, NULL),
			 SQLITE_OK);
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW && n < len)
		n += (size_t)snprintf(out + n, len - n, "%s\n",
				      (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
}

static void prune_uses_the_index_and_bounded_batches(void **state)
{
	char plan[1024];
	int64_t now = unix_ms(), c = store_conversation(s, 60, 0);

	(void)state;
	/* by age: a search of turns_by_start, not a scan of the table */
	query_plan(prune_by_age_sql, plan, sizeof(plan));
	assert_non_null(strstr(plan, "turns_by_start"));
	assert_null(strstr(plan, "SCAN turns"));
	query_plan(prune_by_count_sql, plan, sizeof(plan));
	assert_null(strstr(plan, "SCAN turns"));

	/* a store far past its age limit loses a batch per call */
	for (int i = 0; i < STORE_PRUNE_BATCH + 10; i++)
		add(c, now - 10 * 86400000LL + i, "old", "a", "ok");
	for (int i = 0; i < 3; i++)
		add(c, now, "new", "a", "ok");
	assert_int_equal(store_prune(s, 0, 2), STORE_PRUNE_BATCH);
	assert_int_equal(store_prune(s, 0, 2), 10);
	assert_int_equal(store_prune(s, 0, 2), 0);
	assert_int_equal(store_turn_count(s), 3);

	/* and past its count limit, the same */
	for (int i = 0; i < STORE_PRUNE_BATCH + 5; i++)
		add(c, now, "more", "a", "ok");
	assert_int_equal(store_prune(s, 3, 0), STORE_PRUNE_BATCH);
	assert_int_equal(store_prune(s, 3, 0), 5);
	assert_int_equal(store_prune(s, 3, 0), 0);
	assert_int_equal(store_turn_count(s), 3);
	assert_int_equal(sql_int("SELECT count(*) FROM turns WHERE"
				 " transcript='more'"),
			 3);
}

/*
 * A store path that names a directory (a configuration mistake) is an
 * error to report; store_open renames the whole directory aside and
 * makes a database file in its place.
 */
static void directory_path_is_not_moved_aside(void **state)
{
	char d[160], keep[200], err[256] = "";
	struct store *s2;
	struct stat st;

	(void)state;
	snprintf(d, sizeof(d), "%s/var-lib-parley", dir);
	assert_int_equal(mkdir(d, 0700), 0);
	snprintf(keep, sizeof(keep), "%s/other-file", d);
	spit(keep, "x", 1);
	s2 = store_open(d, err, sizeof(err));
	store_close(s2);
	assert_null(s2);
	assert_int_equal(stat(d, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_true(file_exists(keep));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(open_creates_the_schema),
		T(store_files_are_the_daemons_alone),
		T(turns_are_saved_and_read_back),
		T(stage_times_of_the_turns_that_reached_it),
		T(each_stage_has_its_own_column),
		T(conversations_follow_idle_time_and_force_new),
		T(history_keeps_the_newest_within_the_budget),
		T(history_budget_counts_characters),
		T(history_is_at_most_history_max_turns),
		T(prune_keeps_the_newest_turns),
		T(prune_drops_turns_older_than_max_days),
		T(prune_by_turns_and_days_counts_each_turn_once),
		T(timers_are_kept_soonest_first),
		T(facts_are_added_once),
		T(facts_stop_at_the_limit),
		T(facts_are_found_and_forgotten_by_substring),
		T(heap_is_limited_and_accounted),
		T(reopening_keeps_everything),
		T(garbage_file_is_moved_aside),
		T(damaged_database_is_moved_aside),
		T(unopenable_path_is_an_error),
		T(locked_store_is_used_once_the_lock_goes),
		T(read_only_directory_gives_a_memory_store),
		T(full_disk_moves_to_memory_and_back),
		T(each_damaged_file_gets_its_own_name),
		T(quick_check_runs_after_an_unclean_shutdown_only),
		T(prune_uses_the_index_and_bounded_batches),
		T(directory_path_is_not_moved_aside),
	};
#undef T

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
