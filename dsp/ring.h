/* SPDX-License-Identifier: MIT */
/*
 * Single-producer single-consumer ring of fixed-size elements.
 *
 * The storage is given by the caller (a static array) and its element count
 * must be a power of two.  One thread pushes, one thread pops; neither ever
 * waits for the other and nothing allocates.  The head is written by the
 * producer only, the tail by the consumer only.
 */
#ifndef PARLEY_DSP_RING_H
#define PARLEY_DSP_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct ring {
	unsigned char *buf;
	size_t elem; /* bytes per element */
	uint32_t mask; /* count - 1 */
	_Atomic uint32_t head; /* written by the producer only */
	_Atomic uint32_t tail; /* written by the consumer only */
};

/* Returns 0, or -EINVAL if count is not a power of two or elem is 0. */
int ring_init(struct ring *r, void *buf, size_t elem, uint32_t count);
/* Elements that can be popped now (consumer side). */
uint32_t ring_count(const struct ring *r);
/* Elements that can be pushed now (producer side). */
uint32_t ring_space(const struct ring *r);
/* Producer: copies up to n elements in; returns how many went in. */
uint32_t ring_push(struct ring *r, const void *src, uint32_t n);
/* Consumer: copies up to n elements out; returns how many came out. */
uint32_t ring_pop(struct ring *r, void *dst, uint32_t n);
/* Consumer: drops everything queued now; returns how many were dropped. */
uint32_t ring_discard(struct ring *r);

#endif
