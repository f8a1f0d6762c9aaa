/* SPDX-License-Identifier: MIT */
/*
 * Offline recognition of the offline grammar's commands (grammar.h) with
 * pocketsphinx and a JSGF grammar, for when the speech recognition server
 * cannot be reached.  Optional: app/sphinx.c is built when pkg-config finds
 * pocketsphinx (Debian: libpocketsphinx-dev, model pocketsphinx-en-us);
 * otherwise app/sphinx_stub.c answers -ENOTSUP.
 *
 * One decode at a time runs on a worker thread over a copy of the
 * utterance; the loop learns of the result through sphinx_fd().
 *
 * The grammar has no garbage model, so speech that is no command may still
 * be heard as the nearest command (what was done is always said aloud);
 * that is why it is off unless tools.sphinx_model names a model.
 */
#ifndef PARLEY_APP_SPHINX_H
#define PARLEY_APP_SPHINX_H

#include <stddef.h>
#include <stdint.h>

/* Loads the model (hmm directory and dictionary) and starts the worker. */
int sphinx_start(const char *hmm, const char *dict, char *err, size_t errlen);
void sphinx_stop(void);
/* 1 when built with pocketsphinx. */
int sphinx_built(void);
/* 1 when started. */
int sphinx_ready(void);
/* The eventfd that becomes readable when a decode is done (-1: none). */
int sphinx_fd(void);
/* Starts decoding a copy of n samples (16 kHz); 0, -EBUSY, -ENOTSUP. */
int sphinx_decode(const int16_t *pcm, size_t n);
/*
 * After sphinx_fd() fired: 1 with the words in text ("" when nothing of
 * the grammar was heard), 0 when there is no fresh result.
 */
int sphinx_result(char *text, size_t len);
/* Forgets the decode under way: its result will not be reported. */
void sphinx_cancel(void);

#endif
