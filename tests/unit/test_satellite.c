// SPDX-License-Identifier: MIT
/* Unit tests: the satellite's settings (app/satellite.c): satellite.allow's
 * addresses and networks, who is let in by them, and satellite.bind's
 * rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "../../app/satellite.h"

static struct sat_net nets[SAT_ALLOW_MAX];
static char why[256];

static int allowed4(int n, const char *addr)
{
	struct sockaddr_in in = { .sin_family = AF_INET };

	assert_int_equal(inet_pton(AF_INET, addr, &in.sin_addr), 1);
	return satellite_allowed(nets, n, (struct sockaddr *)&in);
}

static int allowed6(int n, const char *addr)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	assert_int_equal(inet_pton(AF_INET6, addr, &in6.sin6_addr), 1);
	return satellite_allowed(nets, n, (struct sockaddr *)&in6);
}

static void an_empty_list_lets_everyone_in(void **state)
{
	(void)state;
	assert_int_equal(satellite_parse_allow("", nets, SAT_ALLOW_MAX, why,
					       sizeof(why)),
			 0);
	assert_true(allowed4(0, "203.0.113.9"));
}

static void addresses_and_networks(void **state)
{
	int n;

	(void)state;
	n = satellite_parse_allow("192.168.1.10, 10.0.0.0/8 fd00::/8,172.16.5.0/23",
				  nets, SAT_ALLOW_MAX, why, sizeof(why));
	assert_int_equal(n, 4);
	assert_true(allowed4(n, "192.168.1.10"));
	assert_false(allowed4(n, "192.168.1.11"));
	assert_true(allowed4(n, "10.200.3.4"));
	assert_false(allowed4(n, "11.0.0.1"));
	/* /23: the bit inside the byte decides */
	assert_true(allowed4(n, "172.16.4.1"));
	assert_true(allowed4(n, "172.16.5.254"));
	assert_false(allowed4(n, "172.16.6.1"));
	assert_true(allowed6(n, "fd12:3456::1"));
	assert_false(allowed6(n, "fe80::1"));
	/* an IPv4 client of a socket on :: comes as ::ffff:a.b.c.d */
	assert_true(allowed6(n, "::ffff:10.1.2.3"));
	assert_false(allowed6(n, "::ffff:192.168.1.11"));
}

static void a_zero_prefix_is_every_address_of_its_family(void **state)
{
	int n;

	(void)state;
	n = satellite_parse_allow("0.0.0.0/0", nets, SAT_ALLOW_MAX, why,
				  sizeof(why));
	assert_int_equal(n, 1);
	assert_true(allowed4(n, "198.51.100.7"));
	assert_false(allowed6(n, "2001:db8::1"));
}

static void bad_entries_are_named(void **state)
{
	(void)state;
	assert_int_equal(satellite_parse_allow("192.168.1.0/33", nets,
					       SAT_ALLOW_MAX, why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "0 to 32 bits"));
	assert_int_equal(satellite_parse_allow("10.0.0.1, homeassistant.local",
					       nets, SAT_ALLOW_MAX, why,
					       sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "'homeassistant.local'"));
	assert_int_equal(satellite_parse_allow("10.0.0.0/", nets, SAT_ALLOW_MAX,
					       why, sizeof(why)),
			 -1);
	assert_int_equal(satellite_parse_allow("1.1.1.1,2.2.2.2,3.3.3.3", nets,
					       2, why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "more than 2"));
	assert_int_equal(satellite_allow_check(NULL, "fd00::/129", why,
					       sizeof(why)),
			 -1);
	assert_int_equal(satellite_allow_check(NULL, "fd00::/64", why,
					       sizeof(why)),
			 0);
}

static void bind_takes_an_address_or_an_interface_name(void **state)
{
	(void)state;
	assert_int_equal(satellite_bind_check(NULL, "0.0.0.0", why, sizeof(why)),
			 0);
	assert_int_equal(satellite_bind_check(NULL, "::", why, sizeof(why)), 0);
	assert_int_equal(satellite_bind_check(NULL, "eth0", why, sizeof(why)),
			 0);
	assert_int_equal(satellite_bind_check(NULL, "wlan0.100", why,
					      sizeof(why)),
			 0);
	assert_int_equal(satellite_bind_check(NULL, "0.0.0.0:10700", why,
					      sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "interface"));
	assert_int_equal(satellite_bind_check(NULL, "averyveryverylongname",
					      why, sizeof(why)),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_empty_list_lets_everyone_in),
		cmocka_unit_test(addresses_and_networks),
		cmocka_unit_test(a_zero_prefix_is_every_address_of_its_family),
		cmocka_unit_test(bad_entries_are_named),
		cmocka_unit_test(bind_takes_an_address_or_an_interface_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
