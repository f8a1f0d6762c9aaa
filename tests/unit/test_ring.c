// SPDX-License-Identifier: MIT
/* Unit tests: dsp/ring.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "../../dsp/ring.h"

static void rejects_bad_sizes(void **state)
{
	uint16_t buf[8];
	struct ring r;

	(void)state;
	assert_int_equal(ring_init(&r, buf, 2, 6), -EINVAL);
	assert_int_equal(ring_init(&r, buf, 0, 8), -EINVAL);
	assert_int_equal(ring_init(&r, buf, 2, 8), 0);
}

static void fills_and_drains_in_order(void **state)
{
	int16_t buf[8], in[20], out[20];
	struct ring r;

	(void)state;
	for (int i = 0; i < 20; i++)
		in[i] = (int16_t)(i * 7 - 30);
	ring_init(&r, buf, sizeof(buf[0]), 8);
	assert_int_equal(ring_space(&r), 8);
	assert_int_equal(ring_push(&r, in, 20), 8); /* only 8 fit */
	assert_int_equal(ring_space(&r), 0);
	assert_int_equal(ring_count(&r), 8);
	assert_int_equal(ring_pop(&r, out, 3), 3);
	assert_memory_equal(out, in, 3 * sizeof(in[0]));
	/* wraps around the end of the storage */
	assert_int_equal(ring_push(&r, in + 8, 3), 3);
	assert_int_equal(ring_pop(&r, out, 20), 8);
	assert_memory_equal(out, in + 3, 8 * sizeof(in[0]));
	assert_int_equal(ring_count(&r), 0);
	assert_int_equal(ring_pop(&r, out, 1), 0);
}

static void discard_drops_everything_queued(void **state)
{
	uint8_t buf[16], in[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, out[4];
	struct ring r;

	(void)state;
	ring_init(&r, buf, 1, 16);
	ring_push(&r, in, 10);
	assert_int_equal(ring_discard(&r), 10);
	assert_int_equal(ring_count(&r), 0);
	assert_int_equal(ring_space(&r), 16);
	ring_push(&r, in + 6, 4);
	assert_int_equal(ring_pop(&r, out, 4), 4);
	assert_memory_equal(out, in + 6, 4);
}

static void counters_survive_32bit_wrap(void **state)
{
	uint32_t buf[4], v = 0;
	struct ring r;

	(void)state;
	ring_init(&r, buf, sizeof(buf[0]), 4);
	atomic_store(&r.head, UINT32_MAX - 1);
	atomic_store(&r.tail, UINT32_MAX - 1);
	for (uint32_t i = 0; i < 10; i++) {
		assert_int_equal(ring_push(&r, &i, 1), 1);
		assert_int_equal(ring_count(&r), 1);
		assert_int_equal(ring_pop(&r, &v, 1), 1);
		assert_int_equal(v, i);
	}
}

#define STREAM 200000
static uint32_t sbuf[64];
static struct ring sr;

static void *producer(void *arg)
{
	(void)arg;
	for (uint32_t i = 0; i < STREAM;) {
		uint32_t chunk[7];
		uint32_t n = 0;

		for (; n < 7 && i + n < STREAM; n++)
			chunk[n] = i + n;
		uint32_t done = 0;

		while (done < n)
			done += ring_push(&sr, chunk + done, n - done);
		i += n;
	}
	return NULL;
}

/* One producer thread, one consumer: every value arrives once, in order. */
static void two_threads_keep_order(void **state)
{
	pthread_t t;
	uint32_t expect = 0, v[5];

	(void)state;
	/*
	 * valgrind runs one thread at a time, so under it (make valgrind
	 * sets PARLEY_VALGRIND) the spinning consumer starves the producer.
	 * qemu-user runs it (make cross-check), given a loader and libc from
	 * one glibc build: a mismatched pair hangs in pthread_create.
	 */
	if (getenv("PARLEY_VALGRIND"))
		skip();
	ring_init(&sr, sbuf, sizeof(sbuf[0]), 64);
	pthread_create(&t, NULL, producer, NULL);
	while (expect < STREAM) {
		uint32_t n = ring_pop(&sr, v, 5);

		for (uint32_t i = 0; i < n; i++)
			if (v[i] != expect++)
				fail_msg("value %u arrived where %u was due", v[i],
					 expect - 1);
	}
	pthread_join(t, NULL);
	assert_int_equal(ring_count(&sr), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rejects_bad_sizes),
		cmocka_unit_test(fills_and_drains_in_order),
		cmocka_unit_test(discard_drops_everything_queued),
		cmocka_unit_test(counters_survive_32bit_wrap),
		cmocka_unit_test(two_threads_keep_order),
	};

	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
