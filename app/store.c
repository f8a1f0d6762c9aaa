// SPDX-License-Identifier: MIT
/*
 * sqlite store.  WAL journal, a hard heap limit for sqlite's allocator, and
 * prepared statements made once at open.  The schema is versioned with
 * PRAGMA user_version.
 *
 * What is done about a file that cannot be used depends on why, because
 * only one of the reasons says anything about the data in it:
 *
 *  - damaged (SQLITE_CORRUPT, SQLITE_NOTADB, or quick_check finds a
 *    fault): the file is moved aside under a name no other file has, and a
 *    fresh store is made, so the speaker keeps working and the old data
 *    stays for inspection;
 *  - busy (another process holds a lock): the open waits, within a bound,
 *    then goes on as for a full disk; the file is left alone;
 *  - full, read-only, gone or failing: the store runs on an in-memory
 *    database and says so (store_describe, store_notice and the log);
 *    store_retry() copies what it gathered onto the disk once the disk
 *    takes writes again, and store_close() tries once more;
 *  - a path that is a directory or whose directory is missing is a
 *    mistake in the configuration: store_open fails and names it.
 *
 * A write that reaches no store at all is counted (store_describe).
 *
 * quick_check reads every page, so start-up would grow with the store; it
 * runs only when the store was not closed cleanly last time: the one-row
 * table shutdown holds clean = 1 from a clean close to the next open.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define STORE_HEAP_LIMIT (8 * 1024 * 1024)
#define HISTORY_MAX_TURNS 64
/* store.path is a configuration string: less than CONFIG_STR_MAX */
#define STORE_PATH_MAX 256
#define STORE_FAULT_MAX 640
/* A statement waits this long for another process's lock ... */
#define STORE_BUSY_MS 2000
/* ... and the open tries this many times before it goes on in memory. */
#define STORE_OPEN_TRIES 2
/* A retry runs on the control loop: it must not hold it up for long. */
#define STORE_RETRY_BUSY_MS 100
/* Turns dropped by one store_prune() call at the most, so that a store
 * far over its limits (a lowered store.max_turns, a clock set right after
 * years) is brought down over many turns, never in one long stall. */
#define STORE_PRUNE_BATCH 64
/* Names tried for a damaged file: PATH.corrupt-TIME, then -TIME-1 ... */
#define STORE_ASIDE_TRIES 100

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

/* Everything in the store is written by the control thread only. */
struct store {
	sqlite3 *db; /* the disk's database, or the in-memory one */
	sqlite3_stmt *add_turn;
	char path[STORE_PATH_MAX];
	int on_disk;
	/* while in memory: why, since when (CLOCK_MONOTONIC ms), and the
	 * least id a conversation or timer made there gets (memory_ids) */
	char fault[STORE_FAULT_MAX];
	uint64_t fault_since_ms;
	int64_t id_floor;
	int notice; /* the move to memory has not been said aloud yet */
	int checked; /* quick_check ran when the disk store was last opened */
	unsigned held_writes; /* writes made in memory since the move */
	unsigned failed_writes; /* writes that reached no store at all */
};

#define TURN_COLUMNS                                                      \
	"conversation, started_unix_ms, source, transcript, answer,"     \
	" outcome, error, speech_end_ms, stt_sent_ms, stt_done_ms,"      \
	" llm_request_ms, first_token_ms, first_sentence_ms,"            \
	" first_audio_ms, last_audio_ms, barge_in_ms"

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
	/* retention by age (store_prune) */
	"CREATE INDEX IF NOT EXISTS turns_by_start ON turns(started_unix_ms);"
	"CREATE TABLE IF NOT EXISTS timers("
	" id INTEGER PRIMARY KEY,"
	" kind INTEGER NOT NULL,"
	" label TEXT NOT NULL,"
	" due_unix_ms INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS facts("
	" id INTEGER PRIMARY KEY,"
	" text TEXT NOT NULL UNIQUE,"
	" created_unix_ms INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS shutdown("
	" id INTEGER PRIMARY KEY CHECK(id = 1),"
	" clean INTEGER NOT NULL);"
	"PRAGMA user_version=3;";

/* The disk store is open, and not closed cleanly until store_close. */
static const char disk_opened[] =
	"INSERT OR REPLACE INTO shutdown(id, clean) VALUES(1, 0);";

/* What the in-memory store keeps beyond the schema: what was removed
 * from the disk's rows while it was away, to be removed there too. */
static const char memory_schema[] =
	"CREATE TABLE forgotten(text TEXT NOT NULL);"
	"CREATE TABLE timers_stopped(id INTEGER PRIMARY KEY);";

static const char add_turn_sql[] =
	"INSERT INTO turns(" TURN_COLUMNS ")"
	" VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

/*
 * Everything the in-memory store gathered, onto the disk's database
 * attached as "disk", in one transaction.  Conversation and timer ids are
 * kept (memory_ids makes them differ from the disk's), so the turns'
 * conversations and the ids timers.c holds stay right.  Forgetting comes
 * before the facts said later, as it happened.
 */
static const char copy_sql[] =
	"BEGIN IMMEDIATE;"
	"INSERT INTO disk.conversations(id, started_unix_ms)"
	" SELECT id, started_unix_ms FROM main.conversations;"
	"INSERT INTO disk.turns(" TURN_COLUMNS ")"
	" SELECT " TURN_COLUMNS " FROM main.turns ORDER BY id;"
	"DELETE FROM disk.facts WHERE EXISTS (SELECT 1 FROM main.forgotten f"
	" WHERE instr(lower(disk.facts.text), lower(f.text)) > 0);"
	"INSERT OR IGNORE INTO disk.facts(text, created_unix_ms)"
	" SELECT text, created_unix_ms FROM main.facts ORDER BY id;"
	"DELETE FROM disk.timers WHERE id IN"
	" (SELECT id FROM main.timers_stopped);"
	"INSERT INTO disk.timers(id, kind, label, due_unix_ms)"
	" SELECT id, kind, label, due_unix_ms FROM main.timers;"
	"COMMIT;";

/* The oldest turns past the count limit (?1 the newest id to drop) and
 * past the age limit (?1 the cut-off time), ?2 of them at the most; the
 * second walks the index turns_by_start, never the table. */
static const char prune_by_count_sql[] =
	"DELETE FROM turns WHERE id IN (SELECT id FROM turns WHERE id <= ?1"
	" ORDER BY id LIMIT ?2) RETURNING conversation";
static const char prune_by_age_sql[] =
	"DELETE FROM turns WHERE id IN (SELECT id FROM turns"
	" WHERE started_unix_ms < ?1 ORDER BY started_unix_ms LIMIT ?2)"
	" RETURNING conversation";

static int64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int is_corrupt(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

static int is_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

/* Faults of the file or the disk under it, not of the request or of
 * memory: these are what the in-memory store is for. */
static int is_disk_fault(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return 1;
	}
	return 0;
}

/* Runs SQL text; on failure why gets sqlite's message. */
static int run_sql(sqlite3 *db, const char *sql, char *why, size_t whylen)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK)
		snprintf(why, whylen, "%s", msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return rc;
}

/* Whether the last run closed the store (a store without the table is
 * from before the flag, or new: not known to be clean). */
static int read_clean(sqlite3 *db, int *clean)
{
	sqlite3_stmt *st;
	int rc;

	*clean = 0;
	rc = sqlite3_prepare_v2(db, "SELECT clean FROM shutdown WHERE id=1", -1,
				&st, NULL);
	if (rc == SQLITE_ERROR) /* no such table: the schema was read fine */
		return SQLITE_OK;
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*clean = sqlite3_column_int(st, 0) == 1;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* quick_check answers rows of findings, or one "ok": a finding is damage
 * even though the statement itself succeeds. */
static int quick_check(sqlite3 *db, char *why, size_t whylen)
{
	sqlite3_stmt *st;
	const char *r;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r = (const char *)sqlite3_column_text(st, 0);
		if (r && !strcmp(r, "ok")) {
			rc = SQLITE_OK;
		} else {
			snprintf(why, whylen, "quick_check: %s", r ? r : "?");
			/* its findings come a line each: the log's is one */
			for (char *c = why; (c = strchr(c, '\n'));)
				*c = ' ';
			rc = SQLITE_CORRUPT;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * The conversation is the user's: the store's files are the daemon's alone,
 * whatever the umask, and one made group-writable by an older install is
 * taken back.  (sqlite gives the -wal and -shm it makes the database's
 * mode.)  Only a file nothing has open is opened here: closing another
 * descriptor of a database would drop sqlite's POSIX locks on it.
 */
static void make_private(const char *path)
{
	char f[STORE_PATH_MAX + 8];
	struct stat st;
	int fd;

	if (!strcmp(path, ":memory:"))
		return; /* sqlite's name for no file: none must be made */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd >= 0) {
		close(fd);
		return;
	}
	for (int i = 0; i < 3; i++) {
		snprintf(f, sizeof(f), "%s%s", path,
			 i == 0 ? "" : i == 1 ? "-wal" : "-shm");
		if (!lstat(f, &st) && S_ISREG(st.st_mode) &&
		    (st.st_mode & 077) && !chmod(f, 0600))
			LOGN("store", "%s was mode %03o; now 0600", f,
			     (unsigned)(st.st_mode & 0777));
	}
}

/*
 * Opens the disk's database (name is a path) or an in-memory one (name
 * NULL).  Returns SQLITE_OK, or the primary result code of the step that
 * failed with err saying what it was.  *checked says whether quick_check
 * ran.
 */
static int open_db(const char *name, int busy_ms, int *checked, sqlite3 **dbp,
		   sqlite3_stmt **addp, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *add = NULL;
	char why[300] = "";
	int rc, clean = 0;

	*checked = 0;
	if (name)
		make_private(name);
	sqlite3_hard_heap_limit64(STORE_HEAP_LIMIT);
	rc = sqlite3_open_v2(name ? name : ":memory:", &db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, busy_ms);
		if (name)
			rc = read_clean(db, &clean);
	}
	if (rc == SQLITE_OK && name && !clean) {
		*checked = 1;
		rc = quick_check(db, why, sizeof(why));
	}
	if (rc == SQLITE_OK)
		rc = run_sql(db, schema, why, sizeof(why));
	if (rc == SQLITE_OK)
		rc = run_sql(db, name ? disk_opened : memory_schema, why,
			     sizeof(why));
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, add_turn_sql, -1, &add, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", name ? name : "in-memory store",
			 why[0] ? why :
			 db	? sqlite3_errmsg(db) :
				  sqlite3_errstr(rc));
		sqlite3_finalize(add);
		sqlite3_close(db);
		return rc & 0xff;
	}
	*dbp = db;
	*addp = add;
	return SQLITE_OK;
}

/* A name nothing has: renameat2's RENAME_NOREPLACE makes the test and the
 * move one step, so two moves in one second (or two processes) never
 * overwrite an earlier copy.  A file system without it gets link(), which
 * refuses an existing name just the same. */
static int rename_noreplace(const char *from, const char *to)
{
	if (!renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link(from, to))
		return -1;
	return unlink(from);
}

/* Moves a damaged store (and its -wal and -shm) to PATH.corrupt-TIME, or
 * -TIME-N when that is taken; aside gets the name.  0 or -1 (errno). */
static int move_aside(const char *path, char *aside, size_t len)
{
	long long now = (long long)(unix_ms() / 1000);
	char from[STORE_PATH_MAX + 8], to[STORE_PATH_MAX + 80];
	int n;

	for (n = 0; n < STORE_ASIDE_TRIES; n++) {
		if (n)
			snprintf(aside, len, "%s.corrupt-%lld-%d", path, now, n);
		else
			snprintf(aside, len, "%s.corrupt-%lld", path, now);
		if (!rename_noreplace(path, aside))
			break;
		if (errno != EEXIST)
			return -1;
	}
	if (n == STORE_ASIDE_TRIES) {
		errno = EEXIST;
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		const char *sfx = i ? "-shm" : "-wal";

		snprintf(from, sizeof(from), "%s%s", path, sfx);
		snprintf(to, sizeof(to), "%s%s", aside, sfx);
		/* a -wal left beside the fresh store would be replayed into
		 * it: what cannot be moved goes */
		if (rename_noreplace(from, to) && errno != ENOENT) {
			LOGW("store", "cannot move %s aside (%s); removing it",
			     from, strerror(errno));
			unlink(from);
		}
	}
	return 0;
}

/*
 * The disk store, waiting for a lock up to tries * busy_ms, and moving a
 * damaged file aside for a fresh one.  *checked as open_db.
 */
static int open_disk(const char *path, int busy_ms, int tries, int *checked,
		     sqlite3 **dbp, sqlite3_stmt **addp, char *err,
		     size_t errlen)
{
	char aside[STORE_PATH_MAX + 48];
	size_t n;
	int rc;

	for (int i = 0;; i++) {
		rc = open_db(path, busy_ms, checked, dbp, addp, err, errlen);
		if (!is_busy(rc) || i + 1 >= tries)
			break;
		LOGW("store", "%s; trying again", err);
	}
	if (!is_corrupt(rc))
		return rc;
	LOGE("store", "%s", err);
	if (move_aside(path, aside, sizeof(aside))) {
		n = strlen(err);
		snprintf(err + n, errlen - n, "; cannot move it aside: %s",
			 strerror(errno));
		return SQLITE_CANTOPEN;
	}
	LOGW("store", "%s moved aside as %s; starting a fresh store", path,
	     aside);
	return open_db(path, busy_ms, checked, dbp, addp, err, errlen);
}

/* A path that is a mistake in the configuration, not a fault of the disk:
 * too long, not a regular file, or in no directory. */
static int bad_path(const char *path, char *err, size_t errlen)
{
	char dir[STORE_PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (strlen(path) >= sizeof(dir)) {
		snprintf(err, errlen, "%.64s...: longer than %zu bytes", path,
			 sizeof(dir) - 1);
		return 1;
	}
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return 1;
	}
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s",
			 slash == path ? 1 : (int)(slash - path), path);
	if (stat(dir, &st) && (errno == ENOENT || errno == ENOTDIR)) {
		snprintf(err, errlen, "%s: directory %s: %s", path, dir,
			 strerror(errno));
		return 1;
	}
	if (!stat(dir, &st) && !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s is not a directory", path, dir);
		return 1;
	}
	return 0;
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

/* Closes the connection in use; the disk's is marked closed cleanly
 * unless its data is what failed. */
static void close_db(struct store *s, int clean)
{
	sqlite3_finalize(s->add_turn);
	s->add_turn = NULL;
	if (s->db && s->on_disk && clean)
		sqlite3_exec(s->db, "UPDATE shutdown SET clean=1", NULL, NULL,
			     NULL);
	sqlite3_close(s->db);
	s->db = NULL;
}

/* Goes on in memory: why is the disk's fault, said in the log now and in
 * store_describe and store_notice until the disk is back.  0, or -1 with
 * the disk's connection kept (no memory even for that). */
static int to_memory(struct store *s, const char *why, int damaged)
{
	sqlite3 *db;
	sqlite3_stmt *add;
	char err[200];
	int checked;

	int64_t floor = unix_ms(), disk_max = -1;

	if (open_db(NULL, 0, &checked, &db, &add, err, sizeof(err))) {
		LOGE("store", "%s; and no in-memory store either: %s", why, err);
		return -1;
	}
	/* a disk that has ids past the clock (from an earlier time in
	 * memory) still has the memory's ids above its own */
	if (s->db)
		disk_max = scalar(s, "SELECT max(coalesce((SELECT max(id) FROM"
				     " conversations), 0), coalesce((SELECT"
				     " max(id) FROM timers), 0))",
				  -1);
	if (disk_max >= floor)
		floor = disk_max + 1;
	if (s->db)
		close_db(s, !damaged);
	s->db = db;
	s->add_turn = add;
	s->on_disk = 0;
	snprintf(s->fault, sizeof(s->fault), "%s", why);
	s->fault_since_ms = mono_ms();
	s->id_floor = floor;
	s->held_writes = 0;
	s->notice = 1;
	LOGE("store", "%s; keeping what is said in memory until the store can be written (tried again every %d s)",
	     why, STORE_RETRY_MS / 1000);
	return 0;
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
	struct store *s;
	int rc;

	if (bad_path(path, err, errlen))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	rc = open_disk(path, STORE_BUSY_MS, STORE_OPEN_TRIES, &s->checked,
		       &s->db, &s->add_turn, err, errlen);
	if (rc == SQLITE_OK) {
		s->on_disk = 1;
		return s;
	}
	if (is_disk_fault(rc) && !to_memory(s, err, is_corrupt(rc)))
		return s;
	free(s);
	return NULL;
}

/* Copies what the in-memory store holds onto the disk's database. */
static int copy_to_disk(struct store *s, int busy_ms, char *why,
			size_t whylen)
{
	sqlite3_stmt *st;
	int rc;

	sqlite3_busy_timeout(s->db, busy_ms);
	rc = sqlite3_prepare_v2(s->db, "ATTACH ?1 AS disk", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, s->path, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		if (rc != SQLITE_OK)
			snprintf(why, whylen, "%s", sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return rc;
	rc = run_sql(s->db, copy_sql, why, whylen);
	if (rc != SQLITE_OK)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_exec(s->db, "DETACH disk", NULL, NULL, NULL);
	return rc;
}

/* What the in-memory store holds, for the log. */
static void held(struct store *s, char *buf, size_t len)
{
	snprintf(buf, len, "%lld turn(s), %lld fact(s), %lld timer(s)",
		 (long long)scalar(s, "SELECT count(*) FROM turns", -1),
		 (long long)scalar(s, "SELECT count(*) FROM facts", -1),
		 (long long)scalar(s, "SELECT count(*) FROM timers", -1));
}

static int retry(struct store *s, int busy_ms)
{
	sqlite3 *db;
	sqlite3_stmt *add;
	char why[STORE_FAULT_MAX], what[200];
	int checked, rc;

	if (s->on_disk)
		return 0;
	rc = open_disk(s->path, busy_ms, 1, &checked, &db, &add, why,
		       sizeof(why));
	if (rc != SQLITE_OK) {
		/* the reason may have changed (busy, then full) */
		snprintf(s->fault, sizeof(s->fault), "%s", why);
		LOGD("store", "still in memory: %s", why);
		return -EAGAIN;
	}
	rc = copy_to_disk(s, busy_ms, what, sizeof(what));
	if (rc != SQLITE_OK) {
		snprintf(s->fault, sizeof(s->fault),
			 "%s: cannot copy what is held in memory: %s", s->path,
			 what);
		LOGW("store", "%s", s->fault);
		sqlite3_finalize(add);
		sqlite3_close(db);
		return -EAGAIN;
	}
	held(s, what, sizeof(what));
	sqlite3_finalize(s->add_turn);
	sqlite3_close(s->db);
	s->db = db;
	s->add_turn = add;
	s->on_disk = 1;
	s->checked = checked;
	s->fault[0] = '\0';
	s->notice = 0;
	s->held_writes = 0;
	LOGN("store", "%s takes writes again; what was kept in memory is saved there: %s",
	     s->path, what);
	return 0;
}

int store_retry(struct store *s)
{
	return retry(s, STORE_RETRY_BUSY_MS);
}

void store_close(struct store *s)
{
	char what[120];

	if (!s)
		return;
	if (!s->on_disk && s->db && retry(s, STORE_BUSY_MS)) {
		held(s, what, sizeof(what));
		LOGE("store", "%s: what was kept in memory is lost: %s (%s)",
		     s->path, what, s->fault);
	}
	close_db(s, 1);
	free(s);
}

int store_notice(const struct store *s)
{
	return !!s->notice;
}

void store_notice_said(struct store *s)
{
	s->notice = 0;
}

int store_describe(const struct store *s, char *buf, size_t len)
{
	if (s->on_disk)
		return snprintf(buf, len, "disk %s; lost writes %u", s->path,
				s->failed_writes);
	return snprintf(buf, len,
			"MEMORY for %llu s, retried every %d s: %s; held writes %u; lost writes %u",
			(unsigned long long)(mono_ms() - s->fault_since_ms) /
				1000,
			STORE_RETRY_MS / 1000, s->fault, s->held_writes,
			s->failed_writes);
}

/*
 * A write failed with rc.  If the disk is at fault, the store goes on in
 * memory and the caller writes again there (1).  Otherwise the write is
 * lost: counted and logged (0).
 */
static int write_failed(struct store *s, int rc, const char *what)
{
	char why[STORE_FAULT_MAX];

	snprintf(why, sizeof(why), "%s: cannot save %s: %.300s",
		 s->on_disk ? s->path : "in-memory store", what,
		 sqlite3_errmsg(s->db));
	if (s->on_disk && is_disk_fault(rc) &&
	    !to_memory(s, why, is_corrupt(rc)))
		return 1;
	s->failed_writes++;
	LOGE("store", "%s; %u write%s lost", why, s->failed_writes,
	     s->failed_writes == 1 ? "" : "s");
	return 0;
}

/* A write that worked; in memory it waits for the disk. */
static void wrote(struct store *s)
{
	if (!s->on_disk)
		s->held_writes++;
}

/* The id a new conversation or timer gets: the usual one on the disk, one
 * at or past the time of the move to memory there, so that rows made in
 * memory keep their ids when copied (copy_sql) and the disk's next ids
 * follow them. */
static int64_t memory_ids(const struct store *s)
{
	return s->on_disk ? 0 : s->id_floor;
}

int64_t store_conversation(struct store *s, int idle_s, int force_new)
{
	int64_t id, last, now;
	sqlite3_stmt *st;
	int rc;

again:
	id = scalar(s, "SELECT max(id) FROM conversations", -1);
	now = unix_ms();
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
	rc = sqlite3_prepare_v2(s->db,
				"INSERT INTO conversations(id, started_unix_ms)"
				" VALUES(CASE WHEN ?2 > 0 THEN max(?2, (SELECT"
				" coalesce(max(id), 0) + 1 FROM conversations))"
				" END, ?1)",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, memory_ids(s));
		rc = sqlite3_step(st);
	}
	id = rc == SQLITE_DONE ? sqlite3_last_insert_rowid(s->db) : -1;
	sqlite3_finalize(st);
	if (id >= 0) {
		wrote(s);
		return id;
	}
	if (write_failed(s, rc, "a new conversation"))
		goto again;
	return -1;
}

int64_t store_conversation_latest(struct store *s)
{
	return scalar(s, "SELECT max(id) FROM conversations", -1);
}

int64_t store_add_turn(struct store *s, const struct turn_record *t)
{
	sqlite3_stmt *st;
	int64_t id = -1;
	int rc;

again:
	st = s->add_turn;
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
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(s->db);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (id >= 0)
		wrote(s);
	else if (write_failed(s, rc, "the turn"))
		goto again;
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

/* Runs one of the prune statements; returns the turns dropped, and raises
 * *conv to the newest conversation they were in. */
static int drop_turns(struct store *s, const char *sql, int64_t arg,
		      int limit, int64_t *conv)
{
	sqlite3_stmt *st;
	int n = 0, rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, arg);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t c = sqlite3_column_int64(st, 0);

		if (c > *conv)
			*conv = c;
		n++;
	}
	sqlite3_finalize(st);
	/* the rows are gone only when the statement is done; retention
	 * tries again at the next turn, so a failure is only logged */
	if (rc != SQLITE_DONE) {
		LOGW("store", "retention: %s", sqlite3_errmsg(s->db));
		return 0;
	}
	return n;
}

/*
 * Each call costs a few index lookups and at most STORE_PRUNE_BATCH
 * deletions, whatever the store holds: it runs after every turn.
 */
int store_prune(struct store *s, int max_turns, int max_days)
{
	sqlite3_stmt *st;
	int64_t conv = -1, span, cutoff;
	int dropped = 0;

	if (max_turns > 0) {
		/* ids are distinct, so max - min + 1 >= the count: while
		 * that span fits, nothing is over the limit, and max and
		 * min are two descents of the table's b-tree */
		span = scalar(s, "SELECT max(id) - min(id) + 1 FROM turns", -1);
		cutoff = span > max_turns ?
				 scalar(s,
					"SELECT id FROM turns ORDER BY id DESC"
					" LIMIT 1 OFFSET ?",
					max_turns) :
				 -1;
		if (cutoff >= 0)
			dropped += drop_turns(s, prune_by_count_sql, cutoff,
					      STORE_PRUNE_BATCH, &conv);
	}
	if (max_days > 0 && dropped < STORE_PRUNE_BATCH)
		dropped += drop_turns(s, prune_by_age_sql,
				      unix_ms() - (int64_t)max_days * 86400000,
				      STORE_PRUNE_BATCH - dropped, &conv);
	/* conversations left empty: turns go oldest first and conversations
	 * follow one another, so only those up to the newest one touched
	 * can be; the newest conversation stays, empty or not */
	if (dropped &&
	    sqlite3_prepare_v2(s->db,
			       "DELETE FROM conversations WHERE id <= ?1 AND"
			       " id < (SELECT max(id) FROM conversations) AND"
			       " NOT EXISTS (SELECT 1 FROM turns WHERE"
			       " conversation = conversations.id)",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, conv);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return dropped;
}

int64_t store_timer_add(struct store *s, int kind, const char *label,
			int64_t due_unix_ms)
{
	sqlite3_stmt *st;
	int64_t id;
	int rc;

again:
	id = -1;
	rc = sqlite3_prepare_v2(s->db,
				"INSERT INTO timers(id, kind, label, due_unix_ms)"
				" VALUES(CASE WHEN ?4 > 0 THEN max(?4, (SELECT"
				" coalesce(max(id), 0) + 1 FROM timers)) END,"
				" ?1, ?2, ?3)",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(st, 1, kind);
		sqlite3_bind_text(st, 2, label, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, due_unix_ms);
		sqlite3_bind_int64(st, 4, memory_ids(s));
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(st);
	if (id >= 0)
		wrote(s);
	else if (write_failed(s, rc, "a timer"))
		goto again;
	return id;
}

/* The one parameter of a delete: an id, or text if not NULL. */
static void bind_key(sqlite3_stmt *st, int64_t id, const char *text)
{
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, id);
}

/*
 * A delete of the rows sql names by its one parameter.  In memory the
 * rows may be the disk's, away for now: note_sql notes the parameter (when
 * nothing was deleted here, or always if note_always) for copy_sql to
 * delete them there too.  Returns the rows deleted here, or -1.
 */
static int delete_noted(struct store *s, const char *sql, const char *note_sql,
			int note_always, int64_t id, const char *text,
			const char *what)
{
	sqlite3_stmt *st;
	int r, rc;

again:
	r = -1;
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		bind_key(st, id, text);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_DONE)
		r = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	if (r >= 0 && !s->on_disk && (note_always || !r)) {
		rc = sqlite3_prepare_v2(s->db, note_sql, -1, &st, NULL);
		if (rc == SQLITE_OK) {
			bind_key(st, id, text);
			rc = sqlite3_step(st);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			r = -1;
	}
	if (r >= 0)
		wrote(s);
	else if (write_failed(s, rc, what))
		goto again;
	return r;
}

/* In memory, a timer that is not there is one of the disk's. */
int store_timer_delete(struct store *s, int64_t id)
{
	return delete_noted(s, "DELETE FROM timers WHERE id=?1",
			    "INSERT OR IGNORE INTO timers_stopped(id)"
			    " VALUES(?1)",
			    0, id, NULL, "a stopped timer");
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
	int r, rc;

again:
	r = -EIO;
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
	rc = sqlite3_prepare_v2(s->db,
				"INSERT INTO facts(text, created_unix_ms)"
				" VALUES(?,?)",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, unix_ms());
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE) {
		wrote(s);
		return 0;
	}
	if (write_failed(s, rc, "a fact"))
		goto again;
	return -EIO;
}

/* instr() over lower() is a plain substring test: no LIKE wildcards.  In
 * memory the words are kept too, for the disk's facts. */
int store_fact_forget(struct store *s, const char *text)
{
	return delete_noted(s,
			    "DELETE FROM facts WHERE"
			    " instr(lower(text), lower(?1)) > 0",
			    "INSERT INTO forgotten(text) VALUES(?1)", 1, 0, text,
			    "a forgotten fact");
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
