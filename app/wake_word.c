// SPDX-License-Identifier: MIT
/* A wake word's model and detection rule: see wake_word.h. */
#include "wake_word.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json_arena.h"

#define OUTPUT_MS 10 /* feature frame step */

static void defaults(struct wake_word *w)
{
	w->cutoff = 229; /* floor(0.9 x 255) */
	w->window = 5;
	w->refractory_ms = WAKE_REFRACTORY_MS;
}

int wake_word_manifest(struct wake_word *w, const char *path, const char *text, char *err,
		       size_t errlen)
{
	cJSON *doc, *micro, *v;
	int rc = -1;

	json_arena_reset();
	doc = cJSON_Parse(text);
	if (!doc) {
		snprintf(err, errlen, "%s: not valid JSON (or larger than the JSON arena)", path);
		return -1;
	}
	v = cJSON_GetObjectItemCaseSensitive(doc, "wake_word");
	if (cJSON_IsString(v) && v->valuestring[0])
		snprintf(w->name, sizeof(w->name), "%s", v->valuestring);
	micro = cJSON_GetObjectItemCaseSensitive(doc, "micro");
	if (!cJSON_IsObject(micro)) {
		snprintf(err, errlen, "%s: no \"micro\" object", path);
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(micro, "probability_cutoff");
	if (!cJSON_IsNumber(v) || !(v->valuedouble > 0) || v->valuedouble >= 1) {
		snprintf(err, errlen, "%s: micro.probability_cutoff must be a number between 0 and 1", path);
		goto out;
	}
	w->cutoff = (int)floor(v->valuedouble * 255);
	v = cJSON_GetObjectItemCaseSensitive(micro, "sliding_window_size");
	if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > WAKE_WINDOW_MAX ||
	    v->valuedouble != floor(v->valuedouble)) {
		snprintf(err, errlen, "%s: micro.sliding_window_size must be a whole number from 1 to %d",
			 path, WAKE_WINDOW_MAX);
		goto out;
	}
	w->window = (int)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(micro, "feature_step_size");
	if (v && (!cJSON_IsNumber(v) || v->valuedouble != OUTPUT_MS)) {
		snprintf(err, errlen, "%s: micro.feature_step_size must be %d (ms), the frontend's step",
			 path, OUTPUT_MS);
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(doc);
	json_arena_reset();
	return rc;
}

int wake_word_load(struct wake_word *w, const char *model, const char *manifest, char *err,
		   size_t errlen)
{
	const char *base = strrchr(model, '/');
	char *dot;

	memset(w, 0, offsetof(struct wake_word, model));
	defaults(w);
	snprintf(w->name, sizeof(w->name), "%s", base ? base + 1 : model);
	dot = strrchr(w->name, '.');
	if (dot)
		*dot = 0;
	if (wake_model_open(&w->model, model, err, errlen))
		return -1;
	if (manifest) {
		static char text[WAKE_MANIFEST_MAX + 1];
		size_t n;

		if (wake_read_file(manifest, text, WAKE_MANIFEST_MAX, &n, err, errlen))
			return -1;
		text[n] = 0;
		if (wake_word_manifest(w, manifest, text, err, errlen))
			return -1;
	}
	wake_word_reset(w);
	return 0;
}

void wake_word_reset(struct wake_word *w)
{
	wake_model_reset(&w->model);
	w->nrecent = w->next = w->quiet = w->nframes = 0;
}

int wake_word_frame(struct wake_word *w, const int8_t *features, int *detected)
{
	int p, sum = 0;

	*detected = 0;
	memcpy(w->frames + w->nframes * WAKE_FEATURES, features, WAKE_FEATURES);
	if (++w->nframes < w->model.stride)
		return -1;
	w->nframes = 0;
	p = wake_model_invoke(&w->model, w->frames);
	if (w->quiet > 0) {
		w->quiet--;
		return p;
	}
	w->recent[w->next] = (uint8_t)p;
	w->next = (w->next + 1) % w->window;
	if (w->nrecent < w->window)
		w->nrecent++;
	for (int i = 0; i < w->nrecent; i++)
		sum += w->recent[i];
	if (w->nrecent == w->window && sum > w->cutoff * w->window) {
		*detected = 1;
		w->hit_sum = sum;
		w->nrecent = w->next = 0;
		w->quiet = w->refractory_ms / (OUTPUT_MS * w->model.stride);
	}
	return p;
}
