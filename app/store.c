// SPDX-License-Identifier: MIT
/*
 * sqlite store.  WAL journal, a hard heap limit for sqlite's allocator, and
 * prepared statements made once at open.  The schema is versioned with
 * PRAGMA user_version.
 */
#include "store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <errno.h>
#include <unistd.h>

#include "log.h"

#define STORE_HEAP_LIMIT (8 * 1024 * 1024)
#define HISTORY_MAX_TURNS 64

const char *const stage_names[ST_COUNT] = {
	[ST_SPEECH_END] = "speech_end",
	[ST_STT_SENT] = "stt_sent",
	[ST_STT_DONE] = "stt_done",
	[ST_LLM_REQUEST] = "llm_request",
	[ST_FIRST_TOKEN] = "first_token",
	[ST_FIRST_SENTENCE] = "first_sentence",
	[ST_FIRST_AUDIO] = "first_audio",
	[ST_LAST_AUDIO] = "last_audio",
	[ST_BARGE_IN] = "barge_in",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *add_turn;
};

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"CREATE TABLE IF NOT EXISTS conversations("
	" id INTEGER PRIMARY KEY,"
	" started_unix_ms INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS turns("
	" id INTEGER PRIMARY KEY,"
	" conversation INTEGER NOT NULL REFERENCES conversations(id),"
	" started_unix_ms INTEGER NOT NULL,"
	" source TEXT NOT NULL,"
	" transcript TEXT NOT NULL,"
	" answer TEXT NOT NULL,"
	" outcome TEXT NOT NULL,"
	" error TEXT NOT NULL,"
	" speech_end_ms INTEGER, stt_sent_ms INTEGER, stt_done_ms INTEGER,"
	" llm_request_ms INTEGER, first_token_ms INTEGER,"
	" first_sentence_ms INTEGER, first_audio_ms INTEGER,"
	" last_audio_ms INTEGER, barge_in_ms INTEGER);"
	"CREATE INDEX IF NOT EXISTS turns_by_conversation"
	" ON turns(conversation, id);"
	"CREATE TABLE IF NOT EXISTS timers("
	" id INTEGER PRIMARY KEY,"
	" kind INTEGER NOT NULL,"
	" label TEXT NOT NULL,"
	" due_unix_ms INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS facts("
	" id INTEGER PRIMARY KEY,"
	" text TEXT NOT NULL UNIQUE,"
	" created_unix_ms INTEGER NOT NULL);"
	"PRAGMA user_version=2;";

static int64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct store *open_once(const char *path, int *corrupt, char *err,
				size_t errlen);

/*
 * Opens the store; a regular file that sqlite finds corrupt or not a
 * database is moved aside (with its -wal and -shm) as PATH.corrupt-UNIXTIME
 * and a fresh one is made, so the speaker keeps working and the old data
 * stays for inspection.  Anything else (a lock held too long, a directory,
 * no memory) fails with the reason, and nothing is moved.
 */
struct store *store_open(const char *path, char *err, size_t errlen)
{
	int corrupt = 0;
	struct store *s = open_once(path, &corrupt, err, errlen);
	char aside[600], from[620], to[620];
	long long now = (long long)(unix_ms() / 1000);
	struct stat st;

	/* only a damaged database file is moved aside: a locked one, a
	 * directory or a lack of memory is an error to report, not data to
	 * throw away */
	if (s || !corrupt || stat(path, &st) || !S_ISREG(st.st_mode))
		return s;
	LOGE("store", "%s", err);
	snprintf(aside, sizeof(aside), "%s.corrupt-%lld", path, now);
	if (rename(path, aside)) {
		snprintf(err + strlen(err), errlen - strlen(err),
			 "; cannot move it aside: %s", strerror(errno));
		return NULL;
	}
	for (int i = 0; i < 2; i++) {
		const char *sfx = i ? "-shm" : "-wal";

		snprintf(from, sizeof(from), "%s%s", path, sfx);
		snprintf(to, sizeof(to), "%s%s", aside, sfx);
		rename(from, to); /* absent is fine */
	}
	LOGW("store", "%s moved aside as %s; starting a fresh store", path,
	     aside);
	return open_once(path, &corrupt, err, errlen);
}

static struct store *open_once(const char *path, int *corrupt, char *err,
				size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	char *msg = NULL;
	int rc;

	*corrupt = 0;
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	sqlite3_hard_heap_limit64(STORE_HEAP_LIMIT);
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 2000);
	rc = sqlite3_exec(s->db, "PRAGMA quick_check", NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, schema, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg ? msg : "schema");
		sqlite3_free(msg);
		goto fail;
	}
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO turns(conversation, started_unix_ms,"
			       " source, transcript, answer, outcome, error,"
			       " speech_end_ms, stt_sent_ms, stt_done_ms,"
			       " llm_request_ms, first_token_ms,"
			       " first_sentence_ms, first_audio_ms,"
			       " last_audio_ms, barge_in_ms)"
			       " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &s->add_turn, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	return s;
fail:
	*corrupt = (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
	store_close(s);
	return NULL;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->add_turn);
	sqlite3_close(s->db);
	free(s);
}

static int64_t scalar(struct store *s, const char *sql, int64_t arg)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (arg >= 0)
		sqlite3_bind_int64(st, 1, arg);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int64_t store_conversation(struct store *s, int idle_s, int force_new)
{
	int64_t id = scalar(s, "SELECT max(id) FROM conversations", -1);
	int64_t last, now = unix_ms();
	sqlite3_stmt *st;

	if (id >= 0 && !force_new) {
		last = scalar(s,
			      "SELECT max(t) FROM (SELECT started_unix_ms t FROM"
			      " conversations WHERE id=?1 UNION ALL SELECT"
			      " started_unix_ms FROM turns WHERE"
			      " conversation=?1)",
			      id);
		if (last >= 0 && now - last <= (int64_t)idle_s * 1000)
			return id;
	}
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO conversations(started_unix_ms)"
			       " VALUES(?)",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	id = sqlite3_step(st) == SQLITE_DONE ? sqlite3_last_insert_rowid(s->db) :
					       -1;
	sqlite3_finalize(st);
	if (id < 0)
		LOGE("store", "cannot start a conversation: %s",
		     sqlite3_errmsg(s->db));
	return id;
}

int64_t store_conversation_latest(struct store *s)
{
	return scalar(s, "SELECT max(id) FROM conversations", -1);
}

int64_t store_add_turn(struct store *s, const struct turn_record *t)
{
	sqlite3_stmt *st = s->add_turn;
	int64_t id = -1;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, t->conversation);
	sqlite3_bind_int64(st, 2, t->started_unix_ms);
	sqlite3_bind_text(st, 3, t->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, t->transcript, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, t->answer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, t->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, t->error, -1, SQLITE_STATIC);
	for (int i = 0; i < ST_COUNT; i++) {
		if (t->stage_ms[i] >= 0)
			sqlite3_bind_int(st, 8 + i, t->stage_ms[i]);
		else
			sqlite3_bind_null(st, 8 + i);
	}
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(s->db);
	else
		LOGE("store", "cannot save the turn: %s", sqlite3_errmsg(s->db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return id;
}

int store_history(struct store *s, int64_t conversation, int budget,
		  void (*cb)(const char *user, const char *assistant,
			     void *ctx),
		  void *ctx)
{
	sqlite3_stmt *st;
	int64_t ids[HISTORY_MAX_TURNS];
	int n = 0, used = 0;

	if (budget <= 0)
		return 0;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT id, length(transcript) + length(answer)"
			       " FROM turns WHERE conversation=? AND"
			       " outcome IN ('ok','barge-in','truncated',"
			       " 'tts-fallback') AND answer != ''"
			       " ORDER BY id DESC LIMIT ?",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, conversation);
	sqlite3_bind_int(st, 2, HISTORY_MAX_TURNS);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int len = sqlite3_column_int(st, 1);

		if (used + len > budget)
			break;
		used += len;
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db,
			       "SELECT transcript, answer FROM turns WHERE id=?",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (int i = n - 1; i >= 0; i--) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, ids[i]);
		if (sqlite3_step(st) == SQLITE_ROW)
			cb((const char *)sqlite3_column_text(st, 0),
			   (const char *)sqlite3_column_text(st, 1), ctx);
	}
	sqlite3_finalize(st);
	return n;
}

int64_t store_turn_count(struct store *s)
{
	return scalar(s, "SELECT count(*) FROM turns", -1);
}

int store_recent(struct store *s, int n,
		 void (*cb)(const struct turn_summary *t, void *ctx),
		 void *ctx)
{
	sqlite3_stmt *st;
	int k = 0;

	if (sqlite3_prepare_v2(s->db,
			       "SELECT id, conversation, started_unix_ms, source,"
			       " transcript, answer, outcome, error,"
			       " first_audio_ms FROM turns ORDER BY id DESC"
			       " LIMIT ?",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, n);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct turn_summary t = {
			.id = sqlite3_column_int64(st, 0),
			.conversation = sqlite3_column_int64(st, 1),
			.started_unix_ms = sqlite3_column_int64(st, 2),
			.source = (const char *)sqlite3_column_text(st, 3),
			.transcript = (const char *)sqlite3_column_text(st, 4),
			.answer = (const char *)sqlite3_column_text(st, 5),
			.outcome = (const char *)sqlite3_column_text(st, 6),
			.error = (const char *)sqlite3_column_text(st, 7),
			.first_audio_ms = sqlite3_column_type(st, 8) == SQLITE_NULL ?
						  -1 :
						  sqlite3_column_int(st, 8),
		};

		cb(&t, ctx);
		k++;
	}
	sqlite3_finalize(st);
	return k;
}

int store_stage_times(struct store *s, enum stage stage, int n, int *out)
{
	char sql[160];
	sqlite3_stmt *st;
	int k = 0;

	/* the column name comes from our own table, never from input */
	snprintf(sql, sizeof(sql),
		 "SELECT %s_ms FROM (SELECT %s_ms FROM turns ORDER BY id DESC"
		 " LIMIT ?) WHERE %s_ms IS NOT NULL",
		 stage_names[stage], stage_names[stage], stage_names[stage]);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, n);
	while (k < n && sqlite3_step(st) == SQLITE_ROW)
		out[k++] = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return k;
}

long long store_heap_used(void)
{
	return (long long)sqlite3_memory_used();
}

long long store_heap_high_water(void)
{
	return (long long)sqlite3_memory_highwater(0);
}

int store_prune(struct store *s, int max_turns, int max_days)
{
	sqlite3_stmt *st;
	int dropped = 0;

	if (max_turns > 0 &&
	    sqlite3_prepare_v2(s->db,
			       "DELETE FROM turns WHERE id <= (SELECT id FROM"
			       " turns ORDER BY id DESC LIMIT 1 OFFSET ?)",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int(st, 1, max_turns);
		if (sqlite3_step(st) == SQLITE_DONE)
			dropped += sqlite3_changes(s->db);
		sqlite3_finalize(st);
	}
	if (max_days > 0 &&
	    sqlite3_prepare_v2(s->db,
			       "DELETE FROM turns WHERE started_unix_ms < ?",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1,
				   unix_ms() - (int64_t)max_days * 86400000);
		if (sqlite3_step(st) == SQLITE_DONE)
			dropped += sqlite3_changes(s->db);
		sqlite3_finalize(st);
	}
	if (dropped)
		sqlite3_exec(s->db,
			     "DELETE FROM conversations WHERE id NOT IN"
			     " (SELECT conversation FROM turns) AND id <"
			     " (SELECT max(id) FROM conversations)",
			     NULL, NULL, NULL);
	return dropped;
}

int64_t store_timer_add(struct store *s, int kind, const char *label,
			int64_t due_unix_ms)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO timers(kind, label, due_unix_ms)"
			       " VALUES(?,?,?)",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, kind);
	sqlite3_bind_text(st, 2, label, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, due_unix_ms);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(s->db);
	else
		LOGE("store", "cannot save a timer: %s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return id;
}

int store_timer_delete(struct store *s, int64_t id)
{
	sqlite3_stmt *st;
	int r = -1;

	if (sqlite3_prepare_v2(s->db, "DELETE FROM timers WHERE id=?", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_DONE)
		r = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return r;
}

int store_timers(struct store *s,
		 void (*cb)(int64_t id, int kind, const char *label,
			    int64_t due_unix_ms, void *ctx),
		 void *ctx)
{
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(s->db,
			       "SELECT id, kind, label, due_unix_ms FROM timers"
			       " ORDER BY due_unix_ms, id",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		cb(sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1),
		   (const char *)sqlite3_column_text(st, 2),
		   sqlite3_column_int64(st, 3), ctx);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

int store_fact_add(struct store *s, const char *text)
{
	sqlite3_stmt *st;
	int r = -EIO;

	if (sqlite3_prepare_v2(s->db,
			       "SELECT count(*), sum(text=?1 COLLATE NOCASE)"
			       " FROM facts",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 1) > 0)
			r = 1;
		else if (sqlite3_column_int(st, 0) >= PARLEY_FACTS_MAX)
			r = -ENOSPC;
		else
			r = 0;
	}
	sqlite3_finalize(st);
	if (r)
		return r;
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO facts(text, created_unix_ms)"
			       " VALUES(?,?)",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, unix_ms());
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	if (r)
		LOGE("store", "cannot save a fact: %s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return r;
}

/* instr() over lower() is a plain substring test: no LIKE wildcards. */
int store_fact_forget(struct store *s, const char *text)
{
	sqlite3_stmt *st;
	int r = -1;

	if (sqlite3_prepare_v2(s->db,
			       "DELETE FROM facts WHERE"
			       " instr(lower(text), lower(?)) > 0",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		r = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return r;
}

int store_facts(struct store *s, const char *query,
		void (*cb)(const char *fact, void *ctx), void *ctx)
{
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(s->db,
			       "SELECT text FROM facts WHERE ?1 IS NULL OR"
			       " instr(lower(text), lower(?1)) > 0"
			       " ORDER BY id DESC",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (query && query[0])
		sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cb((const char *)sqlite3_column_text(st, 0), ctx);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}
