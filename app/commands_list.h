/* SPDX-License-Identifier: MIT */
/*
 * The console's commands as text: name, usage, one line of help, the
 * argument counts and the role each needs.  Written once, here, because
 * two programs need it: parleyd builds its command table from it
 * (commands.c adds a handler, cmd_<name>, to each row), and parleyctl
 * prints it for "help" and "-h" when no parleyd is running to ask.
 *
 * Each row is X(name, usage, help, min_args, max_args, role); max_args -1
 * means the rest of the line is one argument.  The role is MONITOR (reads
 * the device's state), ADMIN (changes it, makes sound, records, shows
 * what was said or stops the daemon) or VIEW (monitor without arguments,
 * admin with them).
 */
#ifndef PARLEY_APP_COMMANDS_LIST_H
#define PARLEY_APP_COMMANDS_LIST_H

#define CONSOLE_COMMANDS(X)                                                  \
	X(help, "", "list the commands", 0, 0, MONITOR)                     \
	X(status, "", "state, ringing, conversation, uptime, host, backends", \
	  0, 0, MONITOR)                                                     \
	X(stats, "[TURNS]",                                                  \
	  "stage latency median and p95, xruns, heap, DSP cost", 0, 1,      \
	  MONITOR)                                                           \
	X(levels, "", "live mic meter with the VAD flag; any key stops it",  \
	  0, 0, MONITOR)                                                     \
	X(tone, "[HZ] [MS]", "play a test tone (default 1000 Hz, 1000 ms)",  \
	  0, 2, ADMIN)                                                       \
	X(led, "test|log|STATE",                                             \
	  "test the LED, show its log (sim), or a state's pattern", 1, 1,   \
	  ADMIN)                                                             \
	X(button, "[press|release [BOUNCES]]",                               \
	  "show the button; press or release it (sim), chattering BOUNCES times", \
	  0, 2, VIEW)                                                        \
	X(gpio, "", "GPIO lines in use and their values", 0, 0, MONITOR)    \
	X(config, "show [KEY] | save",                                       \
	  "show the configuration and where each value came from; save what set changed to the drop-in beside the store", \
	  1, 2, ADMIN)                                                        \
	X(set, "KEY VALUE [KEY VALUE ...]",                                  \
	  "change settings that can change live, together", 2, -1, ADMIN)  \
	X(volume, "[N]", "show or set the playback volume, 0..100 percent", \
	  0, 1, VIEW)                                                        \
	X(timers, "[stop|cancel [LABEL]]",                                   \
	  "timers and alarms; stop the ringing; cancel pending ones", 0, 2, \
	  VIEW)                                                              \
	X(ask, "TEXT",                                                       \
	  "a text turn: TEXT goes to the model, no STT (parleyctl prints the answer)", \
	  1, -1, ADMIN)                                                      \
	X(say, "TEXT", "speak TEXT with local TTS", 1, -1, ADMIN)           \
	X(history, "[N]", "the last N turns (default 10), answers whole",   \
	  0, 1, ADMIN)                                                       \
	X(conversation, "new", "start a new conversation", 1, 1, ADMIN)     \
	X(host, "ping",                                                      \
	  "each peer (LLM, STT, TTS) asked in its own protocol, with round trips", \
	  1, 1, ADMIN)                                                       \
	X(models, "", "the models on the LLM host", 0, 0, ADMIN)            \
	X(mcp, "[call SERVER TOOL JSON]",                                    \
	  "MCP servers: state, session, tools offered, last error; call a tool (admin)", \
	  0, -1, VIEW)                                                       \
	X(wake, "[on|off WORD|all]",                                         \
	  "wake words: live probability, detections and near misses; turn one on or off", \
	  0, 2, VIEW)                                                        \
	X(log, "[LEVEL]", "recent log lines, or set the log level", 0, 1,   \
	  ADMIN)                                                             \
	X(record, "SECONDS NAME [mic|ref|both]",                             \
	  "save the processed mic audio, the echo reference, or both (stereo) as a WAV file NAME in recordings/ beside the store", \
	  2, 3, ADMIN)                                                       \
	X(attach, "", "receive EVENT lines: state changes, turn timings",    \
	  0, 0, MONITOR)                                                     \
	X(detach, "", "stop receiving events", 0, 0, MONITOR)               \
	X(version, "", "show the version", 0, 0, MONITOR)                   \
	X(quit, "", "stop parleyd cleanly", 0, 0, ADMIN)

/* help's role column, per role token */
#define CONSOLE_ROLE_TEXT_MONITOR "monitor"
#define CONSOLE_ROLE_TEXT_ADMIN "admin"
#define CONSOLE_ROLE_TEXT_VIEW "monitor/admin" /* to view / to change */

/* One row of help: "name usage" (padded into 28 columns), role, help. */
#define CONSOLE_HELP_LEFT_MAX 64
#define CONSOLE_HELP_FMT "%-28s %-13s %s"

#endif
