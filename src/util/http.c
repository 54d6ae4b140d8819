/*
 * http: POST with bounded retries, via libcurl.
 *
 * libcurl is opened when a hook is first called, not linked: it brings a
 * dozen libraries (nghttp2, ssh2, rtmp, psl, brotli, zstd...) whose loading
 * cost every command about 1 ms at start-up (`pgshift --version` 6.5 -> 5.4
 * ms, bench/RESULTS.md), and only the deploy hook uses it.
 */
#include "util/http.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/exitcodes.h"

/* The functions used, typed from curl.h's prototypes, so every call below is checked against them. */
static struct {
	bool loaded;
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_global_cleanup) *global_cleanup;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_reset) *easy_reset;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
	__typeof__(curl_url) *url;
	__typeof__(curl_url_set) *url_set;
	__typeof__(curl_url_get) *url_get;
	__typeof__(curl_url_cleanup) *url_cleanup;
	__typeof__(curl_free) *free;
} api;

/* Opens libcurl once; the handle stays open until exit (one owner: this file). */
static int curl_load(struct pgs_error *err)
{
	static const char *const libs[] = { "libcurl.so.4", "libcurl-gnutls.so.4" };
	const struct {
		const char *name;
		void **slot;
	} syms[] = {
#define SYM(f) { "curl_" #f, (void **)&api.f }
		SYM(global_init), SYM(global_cleanup), SYM(easy_init), SYM(easy_reset), SYM(easy_setopt),
		SYM(easy_perform), SYM(easy_getinfo), SYM(easy_strerror), SYM(easy_cleanup), SYM(slist_append),
		SYM(slist_free_all), SYM(url), SYM(url_set), SYM(url_get), SYM(url_cleanup), SYM(free),
#undef SYM
	};
	void *lib = NULL;

	if (api.loaded)
		return 0;
	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]) && !lib; i++)
		lib = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		err_set(err, EXIT_FAILURE_, "the deploy hook needs libcurl, which could not be loaded: %s", dlerror());
		err_hint(err, "install it (apt-get install libcurl4)");
		return -1;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		if (!(*syms[i].slot = dlsym(lib, syms[i].name))) {
			err_set(err, EXIT_FAILURE_, "the installed libcurl has no %s (too old)", syms[i].name);
			err_hint(err, "pgshift needs libcurl 7.85 or newer");
			memset(&api, 0, sizeof(api));	/* no pointer into the closed library stays */
			dlclose(lib);
			return -1;
		}
	}
	api.loaded = true;
	return 0;
}

char *http_redact_url(const char *url)
{
	struct pgs_error ignored = PGS_ERROR_INIT;
	CURLU *u;
	char *scheme = NULL, *host = NULL, *port = NULL;
	char *res;

	if (curl_load(&ignored) < 0) {
		err_clear(&ignored);
		return xstrdup("(the hook URL)");	/* the POST will say why */
	}
	u = api.url();
	if (!u || api.url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		api.url_cleanup(u);
		return xstrdup("(an invalid URL)");
	}
	api.url_get(u, CURLUPART_SCHEME, &scheme, 0);
	api.url_get(u, CURLUPART_HOST, &host, 0);
	api.url_get(u, CURLUPART_PORT, &port, 0);
	/* the path and the query are where hooks keep their tokens: none of them is shown */
	res = xasprintf("%s://%s%s%s", scheme ? scheme : "?", host ? host : "?", port ? ":" : "", port ? port : "");
	api.free(scheme);
	api.free(host);
	api.free(port);
	api.url_cleanup(u);
	return res;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

int http_post_hook(const char *url, const char *shown, int tries, long delay_ms, long timeout_ms,
		   struct http_result *res, struct pgs_error *err)
{
	CURL *curl;
	struct buf last = BUF_INIT;
	long delay = delay_ms;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (curl_load(err) < 0)
		return -1;
	api.global_init(CURL_GLOBAL_DEFAULT);
	curl = api.easy_init();
	if (!curl) {
		api.global_cleanup();
		return err_set(err, EXIT_FAILURE_, "could not start an HTTP client");
	}
	for (int i = 1; i <= tries; i++) {
		CURLcode cc;
		struct curl_slist *headers = api.slist_append(NULL, "Content-Type: application/json");

		api.easy_reset(curl);
		api.easy_setopt(curl, CURLOPT_URL, url);
		api.easy_setopt(curl, CURLOPT_POSTFIELDS, "{}");
		api.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		api.easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
		api.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		api.easy_setopt(curl, CURLOPT_USERAGENT, "pgshift");
		api.easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
		api.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
		cc = api.easy_perform(curl);
		api.slist_free_all(headers);
		res->attempts = i;
		res->status = 0;
		buf_reset(&last);
		if (cc == CURLE_OK) {
			api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res->status);
			if (res->status >= 200 && res->status < 300) {
				rc = 0;
				break;
			}
			buf_addf(&last, "HTTP %ld", res->status);
			if (res->status < 500)
				break;	/* a 4xx will not get better by asking again */
		} else {
			/* curl's message may quote the URL: say only what went wrong */
			buf_addf(&last, "%s", api.easy_strerror(cc));
		}
		if (i < tries) {
			struct timespec ts = { delay / 1000, (delay % 1000) * 1000000L };
			nanosleep(&ts, NULL);
			delay *= 2;
		}
	}
	if (rc < 0)
		err_set(err, EXIT_FAILURE_, "deploy hook %s failed after %d attempt%s: %s", shown, res->attempts,
			res->attempts == 1 ? "" : "s", last.data);
	buf_release(&last);
	api.easy_cleanup(curl);
	api.global_cleanup();
	return rc;
}
