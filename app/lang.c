// SPDX-License-Identifier: MIT
/* The speaker's languages (lang.h). */
#include "lang.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

const char *const lang_phrase_args[PH_COUNT] = {
	[PH_LLM_MODEL_MISSING] = "s",
	[PH_TIMER_SET] = "s",
	[PH_TIMER_FULL] = "d",
	[PH_TIME] = "dd",
	[PH_TIME_HOUR] = "d",
	[PH_VOLUME] = "d",
	[PH_TIMER_RINGS] = "s",
	[PH_ALARM_RINGS] = "s",
	[PH_HOUR] = "ld",
	[PH_HOURS] = "ld",
	[PH_MINUTE] = "ld",
	[PH_MINUTES] = "ld",
	[PH_SECOND] = "ld",
	[PH_SECONDS] = "ld",
	[PH_AND] = "ss",
	[PH_HA_ERROR] = "s",
	/* the rest take none: NULL reads as "" */
};

/*
 * English is the reference: the words the tests, the logs and the
 * console's users have always seen, so none of them changes here.
 */
static const char *const english_phrases[PH_COUNT] = {
	[PH_DIDNT_CATCH] = "I didn't catch that.",
	[PH_STT_UNREACHABLE] = "I can't reach the speech recognition server.",
	[PH_STT_TIMEOUT] = "Speech recognition took too long.",
	[PH_STT_FAILED] = "Speech recognition failed.",
	[PH_NO_SPEECH] = "I didn't hear anything.",
	[PH_NEW_CONVERSATION] = "New conversation.",
	[PH_MIC_OFF] = "Microphone off.",
	[PH_MIC_ON] = "Microphone on.",
	[PH_CUT_BEFORE_FIRST] =
		"The answer was cut off before its first sentence.",
	[PH_CAPPED] = "That is as much as I can say in one answer.",
	[PH_CUT_BY_SERVER] = "The answer was cut off there.",
	[PH_TOOLS_DONE] = "Done.",
	[PH_LLM_EMPTY] = "The language model gave an empty answer.",
	[PH_LLM_UNREACHABLE] = "I can't reach the language model server.",
	[PH_LLM_MODEL_MISSING] =
		"The model %s is not installed on the language model server.",
	[PH_LLM_TIMEOUT] = "The language model server took too long to answer.",
	[PH_LLM_ERROR] = "The language model server sent an error.",
	[PH_TOOL_ROUNDS] =
		"I could not finish that: the model kept calling tools.",
	[PH_TOOL_SEND] = "I could not send the tool results.",
	[PH_QUESTION_SEND] = "I could not send the question.",
	[PH_STORE_IN_MEMORY] = ("I cannot save to my storage right now. I will "
			       "keep what you say in memory, and save it when "
			       "I can."),
	[PH_TIMER_SET] = "Timer set for %s.",
	[PH_TIMER_FULL] = ("I could not set the timer: %d timers and alarms "
			  "are set already."),
	[PH_TIMER_UNSAVED] =
		"I could not set the timer: the store could not save it.",
	[PH_TIMER_FAILED] = "I could not set the timer.",
	[PH_STOPPED] = "Stopped.",
	[PH_NOTHING_RINGING] = "Nothing is ringing.",
	[PH_TIME] = "It is %02d:%02d.",
	[PH_TIME_HOUR] = "It is %02d:00.",
	[PH_VOLUME] = "Volume %d percent.",
	[PH_VOLUME_FAILED] = "I could not change the volume.",
	[PH_TIMER_RINGS] = "Timer %s.",
	[PH_ALARM_RINGS] = "Alarm %s.",
	[PH_HOUR] = "%ld hour",
	[PH_HOURS] = "%ld hours",
	[PH_MINUTE] = "%ld minute",
	[PH_MINUTES] = "%ld minutes",
	[PH_SECOND] = "%ld second",
	[PH_SECONDS] = "%ld seconds",
	[PH_AND] = "%s %s",
	[PH_HA_UNREACHABLE] = "I can't reach Home Assistant.",
	[PH_HA_LOST] = "Home Assistant went away.",
	[PH_HA_TIMEOUT] = "Home Assistant did not answer in time.",
	[PH_HA_ERROR] = "Home Assistant says: %s",
	[PH_HA_BAD] = "Home Assistant sent something I cannot use.",
	[PH_WAKE_FAILED] = "I cannot listen for the wake word. Press the button to talk.",
};

/*
 * German as it is spoken, not as the English reads word for word: the
 * clock says "14 Uhr 5", a timer "ist abgelaufen", the speaker says "du".
 */
static const char *const german_phrases[PH_COUNT] = {
	[PH_DIDNT_CATCH] = "Ich habe dich nicht verstanden.",
	[PH_STT_UNREACHABLE] = "Ich erreiche den Spracherkennungs-Server nicht.",
	[PH_STT_TIMEOUT] = "Die Spracherkennung hat zu lange gebraucht.",
	[PH_STT_FAILED] = "Die Spracherkennung hat nicht funktioniert.",
	[PH_NO_SPEECH] = "Ich habe nichts gehört.",
	[PH_NEW_CONVERSATION] = "Neues Gespräch.",
	[PH_MIC_OFF] = "Das Mikrofon ist aus.",
	[PH_MIC_ON] = "Das Mikrofon ist an.",
	[PH_CUT_BEFORE_FIRST] =
		"Die Antwort ist schon vor dem ersten Satz abgebrochen.",
	[PH_CAPPED] = "Mehr kann ich in einer Antwort nicht sagen.",
	[PH_CUT_BY_SERVER] = "Hier hat der Server die Antwort abgeschnitten.",
	[PH_TOOLS_DONE] = "Erledigt.",
	[PH_LLM_EMPTY] = "Die Antwort des Sprachmodells war leer.",
	[PH_LLM_UNREACHABLE] = "Ich erreiche den Sprachmodell-Server nicht.",
	[PH_LLM_MODEL_MISSING] = ("Das Modell %s ist auf dem "
				 "Sprachmodell-Server nicht installiert."),
	[PH_LLM_TIMEOUT] = ("Der Sprachmodell-Server hat zu lange für die "
			   "Antwort gebraucht."),
	[PH_LLM_ERROR] = "Der Sprachmodell-Server hat einen Fehler gemeldet.",
	[PH_TOOL_ROUNDS] = ("Das habe ich nicht geschafft: Das Modell hat "
			   "immer wieder Werkzeuge aufgerufen."),
	[PH_TOOL_SEND] = ("Ich konnte die Ergebnisse der Werkzeuge nicht "
			 "senden."),
	[PH_QUESTION_SEND] = "Ich konnte die Frage nicht senden.",
	[PH_STORE_IN_MEMORY] = ("Ich kann gerade nichts speichern. Ich behalte, "
			       "was du sagst, vorerst im Arbeitsspeicher und "
			       "sichere es, sobald es wieder geht."),
	[PH_TIMER_SET] = "Der Timer für %s läuft.",
	[PH_TIMER_FULL] = ("Ich konnte den Timer nicht stellen: Es sind schon "
			  "%d Timer und Wecker gestellt."),
	[PH_TIMER_UNSAVED] = ("Ich konnte den Timer nicht stellen, weil ich "
			     "ihn nicht speichern kann."),
	[PH_TIMER_FAILED] = "Ich konnte den Timer nicht stellen.",
	[PH_STOPPED] = "Ist aus.",
	[PH_NOTHING_RINGING] = "Es klingelt gerade nichts.",
	[PH_TIME] = "Es ist %d Uhr %d.",
	[PH_TIME_HOUR] = "Es ist %d Uhr.",
	[PH_VOLUME] = "Lautstärke %d Prozent.",
	[PH_VOLUME_FAILED] = "Ich konnte die Lautstärke nicht ändern.",
	[PH_TIMER_RINGS] = "Der Timer für %s ist abgelaufen.",
	[PH_ALARM_RINGS] = "Der Wecker für %s klingelt.",
	[PH_HOUR] = "%ld Stunde",
	[PH_HOURS] = "%ld Stunden",
	[PH_MINUTE] = "%ld Minute",
	[PH_MINUTES] = "%ld Minuten",
	[PH_SECOND] = "%ld Sekunde",
	[PH_SECONDS] = "%ld Sekunden",
	[PH_AND] = "%s und %s",
	[PH_HA_UNREACHABLE] = "Ich erreiche Home Assistant nicht.",
	[PH_HA_LOST] = "Die Verbindung zu Home Assistant ist weg.",
	[PH_HA_TIMEOUT] = "Home Assistant hat nicht rechtzeitig geantwortet.",
	[PH_HA_ERROR] = "Home Assistant meldet: %s",
	[PH_HA_BAD] = "Home Assistant hat etwas geschickt, das ich nicht verwenden kann.",
	[PH_WAKE_FAILED] = "Ich kann nicht auf das Aktivierungswort hören. Drück die Taste, um zu sprechen.",
};

static const struct lang english = {
	.code = "en",
	.name = "English",
	.voice = "en",
	.system_prompt = ("You are a voice assistant on a small speaker. Answer "
			 "in one to three short spoken sentences, with no lists "
			 "or markdown."),
	.phrases = english_phrases,
};

static const struct lang german = {
	.code = "de",
	.name = "Deutsch",
	.voice = "de",
	.system_prompt = ("Du bist ein Sprachassistent in einem kleinen "
			 "Lautsprecher. Antworte auf Deutsch in ein bis drei "
			 "kurzen, gesprochenen Sätzen, ohne Listen und ohne "
			 "Markdown."),
	.phrases = german_phrases,
};

const struct lang *const langs[] = { &english, &german, NULL };

const struct lang *lang_find(const char *code)
{
	for (int i = 0; langs[i]; i++)
		if (!strcmp(langs[i]->code, code))
			return langs[i];
	return NULL;
}

const struct lang *lang_of(const struct parley_config *cfg)
{
	const struct lang *l = lang_find(cfg->language);

	return l ? l : &english; /* the settings allow only the tables */
}

const char *lang_voice(const struct parley_config *cfg)
{
	return cfg->tts_voice[0] ? cfg->tts_voice : lang_of(cfg)->voice;
}

const char *lang_stt_hint(const struct parley_config *cfg)
{
	if (!strcmp(cfg->stt_language, "auto"))
		return "";
	return cfg->stt_language[0] ? cfg->stt_language : lang_of(cfg)->code;
}

const char *lang_system_prompt(const struct parley_config *cfg)
{
	return cfg->system_prompt[0] ? cfg->system_prompt :
				       lang_of(cfg)->system_prompt;
}

int lang_check(const struct config_key *k, const char *text, char *why,
	       size_t len)
{
	size_t n;

	(void)k;
	if (lang_find(text))
		return 0;
	n = (size_t)snprintf(why, len, "must be a language the speaker has:");
	for (int i = 0; langs[i] && n < len; i++)
		n += (size_t)snprintf(why + n, len - n, "%s %s (%s)",
				      i ? "," : "", langs[i]->code,
				      langs[i]->name);
	return -1;
}

const char *phrase(const struct parley_config *cfg, enum phrase id)
{
	return lang_of(cfg)->phrases[id];
}

static int vformat(const struct lang *l, char *buf, size_t len,
		   enum phrase id, va_list ap)
{
	int n;

#pragma GCC diagnostic push /* the tables' formats: test_lang.c checks them */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = vsnprintf(buf, len, l->phrases[id], ap);
#pragma GCC diagnostic pop
	return n;
}

int lang_format(const struct lang *l, char *buf, size_t len,
		enum phrase id, ...)
{
	va_list ap;
	int n;

	va_start(ap, id);
	n = vformat(l, buf, len, id, ap);
	va_end(ap);
	return n;
}

int phrase_format(const struct parley_config *cfg, char *buf, size_t len,
		  enum phrase id, ...)
{
	va_list ap;
	int n;

	va_start(ap, id);
	n = vformat(lang_of(cfg), buf, len, id, ap);
	va_end(ap);
	return n;
}

/* "1 hour 30 minutes": the parts that are not zero, seconds if all are. */
void lang_duration(const struct lang *l, long seconds, char *buf,
		   size_t len)
{
	const struct {
		long n;
		enum phrase one, many;
	} part[] = {
		{ seconds / 3600, PH_HOUR, PH_HOURS },
		{ seconds / 60 % 60, PH_MINUTE, PH_MINUTES },
		{ seconds % 60, PH_SECOND, PH_SECONDS },
	};
	const size_t nparts = sizeof(part) / sizeof(part[0]);
	char word[64], done[128];

	if (!len)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < nparts; i++) {
		if (!part[i].n && (buf[0] || i + 1 < nparts))
			continue;
		lang_format(l, word, sizeof(word),
			    part[i].n == 1 ? part[i].one : part[i].many,
			    part[i].n);
		if (!buf[0]) {
			snprintf(buf, len, "%s", word);
			continue;
		}
		snprintf(done, sizeof(done), "%s", buf);
		lang_format(l, buf, len, PH_AND, done, word);
	}
}
