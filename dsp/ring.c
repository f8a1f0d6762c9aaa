// SPDX-License-Identifier: MIT
/*
 * SPSC ring.  Head and tail are free-running 32-bit counters; the element
 * index is counter & mask, so count = head - tail even across wrap-around.
 * The producer publishes data with a release store of head, the consumer
 * frees space with a release store of tail; each side reads the other's
 * counter with acquire.
 */
#include "ring.h"

#include <errno.h>
#include <string.h>

int ring_init(struct ring *r, void *buf, size_t elem, uint32_t count)
{
	if (!r || !buf || elem == 0 || count == 0 || (count & (count - 1)))
		return -EINVAL;
	r->buf = buf;
	r->elem = elem;
	r->mask = count - 1;
	atomic_store_explicit(&r->head, 0, memory_order_relaxed);
	atomic_store_explicit(&r->tail, 0, memory_order_relaxed);
	return 0;
}

uint32_t ring_count(const struct ring *r)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	return head - tail;
}

uint32_t ring_space(const struct ring *r)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	return r->mask + 1 - (head - tail);
}

/* Copies n elements between the ring at counter pos and flat memory. */
static void copy(const struct ring *r, uint32_t pos, void *flat, uint32_t n,
		 int into_ring)
{
	uint32_t idx = pos & r->mask;
	uint32_t first = r->mask + 1 - idx;
	unsigned char *p = flat;

	if (first > n)
		first = n;
	if (into_ring) {
		memcpy(r->buf + idx * r->elem, p, first * r->elem);
		memcpy(r->buf, p + first * r->elem, (n - first) * r->elem);
	} else {
		memcpy(p, r->buf + idx * r->elem, first * r->elem);
		memcpy(p + first * r->elem, r->buf, (n - first) * r->elem);
	}
}

uint32_t ring_push(struct ring *r, const void *src, uint32_t n)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t space = ring_space(r);

	if (n > space)
		n = space;
	if (n == 0)
		return 0;
	copy(r, head, (void *)src, n, 1);
	atomic_store_explicit(&r->head, head + n, memory_order_release);
	return n;
}

uint32_t ring_pop(struct ring *r, void *dst, uint32_t n)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t count = ring_count(r);

	if (n > count)
		n = count;
	if (n == 0)
		return 0;
	copy(r, tail, dst, n, 0);
	atomic_store_explicit(&r->tail, tail + n, memory_order_release);
	return n;
}

uint32_t ring_discard(struct ring *r)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	atomic_store_explicit(&r->tail, head, memory_order_release);
	return head - tail;
}
