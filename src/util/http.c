/*
 * http: POST with bounded retries, via libcurl.
 */
#include "util/http.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/exitcodes.h"

char *http_redact_url(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *path = NULL, *port = NULL;
	char *res;

	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return xstrdup("(an invalid URL)");
	}
	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	{
		/* keep the first path segment ("/v1"): the rest is usually the secret */
		size_t seg = path ? strcspn(path + (path[0] == '/'), "/") + (path[0] == '/') : 0;
		bool more = path && path[seg];

		res = xasprintf("%s://%s%s%s%.*s%s", scheme ? scheme : "?", host ? host : "?", port ? ":" : "",
				port ? port : "", (int)seg, path ? path : "", more ? "/…" : "");
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
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
	curl_global_init(CURL_GLOBAL_DEFAULT);
	curl = curl_easy_init();
	if (!curl) {
		curl_global_cleanup();
		return err_set(err, EXIT_FAILURE_, "could not start an HTTP client");
	}
	for (int i = 1; i <= tries; i++) {
		CURLcode cc;
		struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");

		curl_easy_reset(curl);
		curl_easy_setopt(curl, CURLOPT_URL, url);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "{}");
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
		curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(curl, CURLOPT_USERAGENT, "pgshift");
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
		cc = curl_easy_perform(curl);
		curl_slist_free_all(headers);
		res->attempts = i;
		res->status = 0;
		buf_reset(&last);
		if (cc == CURLE_OK) {
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res->status);
			if (res->status >= 200 && res->status < 300) {
				rc = 0;
				break;
			}
			buf_addf(&last, "HTTP %ld", res->status);
			if (res->status < 500)
				break;	/* a 4xx will not get better by asking again */
		} else {
			/* curl's message may quote the URL: say only what went wrong */
			buf_addf(&last, "%s", curl_easy_strerror(cc));
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
	curl_easy_cleanup(curl);
	curl_global_cleanup();
	return rc;
}
