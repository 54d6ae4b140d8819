/*
 * Fuzz target: which database a command talks to and how it is shown
 * (db/url), the masking of secret fields (util/secret) and the redaction of
 * the secrets it finds (util/output).  NUL-separated pieces: the --url
 * value (empty: none), a pg_service.conf, then NAME=VALUE environment
 * variables; no dev cluster.  Service files are only the scratch one.
 */
#include "fuzz.h"
#include "db/url.h"
#include "util/output.h"
#include "util/secret.h"

#define MAX_VARS 16

static char *vars[MAX_VARS];
static char *service_file;

static const char *env(const char *name)
{
	size_t n = strlen(name);

	if (!strcmp(name, "PGSERVICEFILE"))
		return service_file;
	if (!strcmp(name, "HOME") || !strcmp(name, "PGSYSCONFDIR"))
		return fuzz_tmpdir();
	for (size_t i = 0; i < MAX_VARS && vars[i]; i++)
		if (!strncmp(vars[i], name, n) && vars[i][n] == '=')
			return vars[i] + n + 1;
	return NULL;
}

static void redact(const char *s)
{
	if (s)
		free(out_redact(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = fuzz_piece(&data, &size), *service, *child, *masked;
	struct url_request req = { .env = env };
	struct target t;
	struct pgs_error err = PGS_ERROR_INIT;
	size_t nvars = 0;

	if (!url)
		return 0;
	if (!service_file)
		service_file = fs_join(fuzz_tmpdir(), "pg_service.conf");
	service = fuzz_piece(&data, &size);
	if (fs_write_file(service_file, service ? service : "", service ? strlen(service) : 0, 0600, &err) < 0)
		abort();
	while (nvars < MAX_VARS && (vars[nvars] = fuzz_piece(&data, &size)))
		nvars++;
	req.url = *url ? url : NULL;

	if (url_resolve(&req, &t, &err) == 0) {
		url_hosts_local(t.host, t.hostaddr);
		child = target_child_url(&t);
		redact(child);
		free(child);
	}
	for (size_t k = 0; t.secrets && t.secrets[k]; k++)
		secret_register(t.secrets[k]);
	redact(t.display);
	redact(err.message);
	redact(err.detail);
	redact(url);
	masked = secret_mask_fields(url);
	free(masked);
	target_free(&t);
	err_clear(&err);

	secret_forget_all();
	for (size_t i = 0; i < nvars; i++) {
		free(vars[i]);
		vars[i] = NULL;
	}
	free(service);
	free(url);
	return 0;
}
