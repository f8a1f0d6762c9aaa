// SPDX-License-Identifier: MIT
/*
 * Unit tests: where the bearer token may go (app/http.c's origin and
 * plain-text rules, and the refusal in http_start), the configuration's
 * rules on peer addresses and on the token (app/backends.c, app/token.c),
 * and the name look-ups off the loop (app/resolve.c): an answer comes back
 * on the loop, a cancelled one never does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "../../app/backends.h"
#include "../../app/config.h"
#include "../../app/http.h"
#include "../../app/resolve.h"
#include "../../app/token.h"
#include "unit_util.h"

static void origins_are_scheme_host_and_port(void **state)
{
	char o[300];

	(void)state;
	assert_int_equal(http_origin("http://Host.LAN:11434/api/chat", o,
				     sizeof(o)),
			 0);
	assert_string_equal(o, "http://host.lan:11434");
	assert_int_equal(http_origin("https://h/v1", o, sizeof(o)), 0);
	assert_string_equal(o, "https://h:443");
	assert_int_equal(http_origin("HTTP://h", o, sizeof(o)), 0);
	assert_string_equal(o, "http://h:80");
	/* user info names no host: the host is what follows the @ */
	assert_int_equal(http_origin("http://h.lan@evil.example:80/x", o,
				     sizeof(o)),
			 0);
	assert_string_equal(o, "http://evil.example:80");
	assert_int_equal(http_origin("http://[::1]:8080/", o, sizeof(o)), 0);
	assert_string_equal(o, "http://::1:8080");
	assert_int_equal(http_origin("tcp://h:10300", o, sizeof(o)), -1);
	assert_int_equal(http_origin("file:///etc/passwd", o, sizeof(o)), -1);
	assert_int_equal(http_origin("http://:80/", o, sizeof(o)), -1);
	assert_int_equal(http_origin("http://h:99999/", o, sizeof(o)), -1);
}

static void plain_http_is_in_clear_loopback_too(void **state)
{
	(void)state;
	assert_true(http_in_clear("http://192.168.1.20:11434"));
	assert_true(http_in_clear("http://ollama.lan:11434"));
	assert_true(http_in_clear("http://[fe80::1]:11434"));
	assert_false(http_in_clear("https://192.168.1.20:11434"));
	/* loopback too: the token would go to whoever listens there */
	assert_true(http_in_clear("http://127.0.0.1:11434"));
	assert_true(http_in_clear("http://localhost:11434/"));
	assert_true(http_in_clear("http://[::1]:11434"));
}

static void the_token_goes_to_llm_urls_origin_only(void **state)
{
	static char llm_url[256] = "http://192.168.1.20:11434";
	static int allow = 1;
	struct http_opts o = { .bearer = "t0ken" };
	static const struct http_handlers h;
	struct http_xfer x;

	(void)state;
	memset(&x, 0, sizeof(x));
	loop_init();
	assert_int_equal(http_init(1 << 20), 0);
	http_bearer_policy(llm_url, &allow);
	/* another host, another port, another scheme: not started */
	assert_int_equal(http_start(&x, "http://192.168.1.21:11434/api/chat",
				    "{}", 2, NULL, &o, &h, NULL),
			 -EACCES);
	assert_int_equal(http_start(&x, "http://192.168.1.20:8080/api/chat",
				    "{}", 2, NULL, &o, &h, NULL),
			 -EACCES);
	assert_int_equal(http_start(&x, "https://192.168.1.20:11434/api/chat",
				    "{}", 2, NULL, &o, &h, NULL),
			 -EACCES);
	/* the origin, but in clear without the switch */
	allow = 0;
	assert_int_equal(http_start(&x, "http://192.168.1.20:11434/api/chat",
				    "{}", 2, NULL, &o, &h, NULL),
			 -EACCES);
	/* the policy follows the live llm.url */
	snprintf(llm_url, sizeof(llm_url), "https://ollama.lan");
	assert_int_equal(http_start(&x, "http://192.168.1.20:11434/api/chat",
				    "{}", 2, NULL, &o, &h, NULL),
			 -EACCES);
	assert_int_equal(x.active, 0);
	http_cleanup();
}

static void config_rules_on_schemes_and_the_token(void **state)
{
	static struct parley_config cfg;
	char why[400];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(backends_url_rule(&cfg, why, sizeof(why)), 0);
	snprintf(cfg.tts_url, sizeof(cfg.tts_url), "ftp://h/x");
	assert_int_equal(backends_url_rule(&cfg, why, sizeof(why)), -1);
	assert_string_equal(why, "tts.url = \"ftp://h/x\": only http://, https:// and tcp:// addresses are allowed");
	config_defaults(&cfg);
	snprintf(cfg.llm_url, sizeof(cfg.llm_url), "http://10.0.0.2:11434");
	assert_int_equal(token_rule(&cfg, why, sizeof(why)), 0); /* no token */
	snprintf(cfg.token_file, sizeof(cfg.token_file), "/run/token");
	assert_int_equal(token_rule(&cfg, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "llm.allow_insecure_token = true"));
	assert_non_null(strstr(why, "(llm.token_file)"));
	cfg.allow_insecure_token = 1;
	assert_int_equal(token_rule(&cfg, why, sizeof(why)), 0);
	cfg.allow_insecure_token = 0;
	snprintf(cfg.llm_url, sizeof(cfg.llm_url), "https://10.0.0.2");
	assert_int_equal(token_rule(&cfg, why, sizeof(why)), 0);
}

static int answers, answer_err;
static int answer_port;

static void on_answer(void *ctx, int err, const struct sockaddr *sa,
		      socklen_t len)
{
	(void)len;
	answers++;
	answer_err = err;
	if (!err && sa->sa_family == AF_INET)
		answer_port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (ctx)
		loop_stop();
}

static void a_cancelled_look_up_never_calls_back(void **state)
{
	int a, b;

	(void)state;
	loop_init();
	assert_int_equal(resolve_init(), 0);
	answers = 0;
	/* cancelled at once, whether or not a worker has it already */
	a = resolve_start("localhost", "10300", on_answer, NULL);
	assert_true(a > 0);
	resolve_cancel(a);
	/* the next answers, and is the only one */
	b = resolve_start("127.0.0.1", "10301", on_answer, &b);
	assert_true(b > 0 && b != a);
	unit_run_loop("the look-up's answer");
	assert_int_equal(answers, 1);
	assert_int_equal(answer_err, 0);
	assert_int_equal(answer_port, 10301);
	/* an old id is ignored, even when its slot is in use again */
	resolve_cancel(a);
	resolve_cancel(b);
	assert_int_equal(resolve_start(
				 "a-name-far-longer-than-any-host-name-that-the-slots-hold-"
				 "a-name-far-longer-than-any-host-name-that-the-slots-hold-"
				 "a-name-far-longer-than-any-host-name-that-the-slots-hold",
				 "1", on_answer, NULL),
			 -ENAMETOOLONG);
	resolve_stop();
	assert_int_equal(answers, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(origins_are_scheme_host_and_port),
		cmocka_unit_test(plain_http_is_in_clear_loopback_too),
		cmocka_unit_test(the_token_goes_to_llm_urls_origin_only),
		cmocka_unit_test(config_rules_on_schemes_and_the_token),
		cmocka_unit_test(a_cancelled_look_up_never_calls_back),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
