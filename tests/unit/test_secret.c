/*
 * Unit tests of util/secret (the secret fields of connection strings in any
 * text) and of the redaction every printed line goes through (util/output).
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util/output.h"
#include "util/secret.h"

static void check_mask(const char *in, const char *want)
{
	char *m = secret_mask_fields(in);

	assert_string_equal(m, want);
	free(m);
}

static void test_mask_by_structure(void **state)
{
	(void)state;
	check_mask("postgres://a:b@c/d", "postgres://a:********@c/d");
	check_mask("url was postgresql://postgres:p%40ss@127.0.0.1:5/db ok",
		   "url was postgresql://postgres:********@127.0.0.1:5/db ok");
	/* a malformed password with a '/' is covered to the last '@' */
	check_mask("postgresql://u:Hunter2/Secret@h/db?bogus=1", "postgresql://u:********@h/db?bogus=1");
	check_mask("postgres://a@c/d?sslmode=require", "postgres://a@c/d?sslmode=require");
	check_mask("host=h password=xyz dbname=d", "host=h password=******** dbname=d");
	check_mask("user=u password\t=X bogus=1", "user=u password\t=******** bogus=1");
	check_mask("host=h password = 'a b' dbname=d", "host=h password = ******** dbname=d");
	check_mask("host=h password='a\\'Secret' x=1", "host=h password=******** x=1");
	check_mask("postgresql://u@h/d?sslpassword=k3y&sslmode=require",
		   "postgresql://u@h/d?sslpassword=********&sslmode=require");
	check_mask("PGPASSWORD=e psql", "PGPASSWORD=******** psql");
	check_mask("export PGPASSWORD=\"two words\"", "export PGPASSWORD=********");
	/* inside JSON the closing quote stays */
	check_mask("{\"database\": \"postgresql://u@h/d?sslpassword=k\"}",
		   "{\"database\": \"postgresql://u@h/d?sslpassword=********\"}");
	/* words that only look alike are left alone */
	check_mask("password authentication failed for user \"u\"", "password authentication failed for user \"u\"");
	check_mask("mypassword=x passwords=y", "mypassword=x passwords=y");
	check_mask("password=", "password=");
}

static void test_greedy_for_unparsed_strings(void **state)
{
	const char *s = "user=u password=two words here host=h";
	size_t start, len;

	(void)state;
	assert_true(secret_next(s, 0, false, &start, &len));
	assert_int_equal(len, 3);
	assert_true(secret_next(s, 0, true, &start, &len));
	assert_int_equal(len, strlen("two words here"));
	assert_false(secret_next(s, start + len, true, &start, &len));
}

static void check_redact(const char *in, const char *want)
{
	char *r = out_redact(in);

	assert_string_equal(r, want);
	free(r);
}

static void test_short_password_does_not_garble(void **state)
{
	(void)state;
	secret_register("fail");
	secret_register("e");
	/* the messages stay whole (masking them would garble them and give the password away) ... */
	check_redact("password authentication failed for user \"e\"", "password authentication failed for user \"e\"");
	/* ... and the fields that carry the password are masked whatever its length */
	check_redact("could not connect to postgresql://u:fail@h/d", "could not connect to postgresql://u:********@h/d");
	check_redact("PGPASSWORD=e", "PGPASSWORD=********");
	secret_forget_all();
}

static void test_long_password_whole_word_and_encoded(void **state)
{
	(void)state;
	secret_register("p@ss/w0rd!long");
	check_redact("echo p@ss/w0rd!long", "echo ********");
	/* the percent-encoded forms, upper- and lower-case hex, as a program may echo them */
	check_redact("pw p%40ss%2Fw0rd%21long.", "pw ********.");
	check_redact("pw p%40ss%2fw0rd%21long", "pw ********");
	secret_forget_all();

	secret_register("Secret12");
	check_redact("a Secret12 b (Secret12)", "a ******** b (********)");
	/* part of a longer word is not that password */
	check_redact("Secret123 xSecret12", "Secret123 xSecret12");
	secret_forget_all();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_by_structure),
		cmocka_unit_test(test_greedy_for_unparsed_strings),
		cmocka_unit_test(test_short_password_does_not_garble),
		cmocka_unit_test(test_long_password_whole_word_and_encoded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
