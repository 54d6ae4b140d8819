/*
 * http: the deploy hook's POST, through libcurl.
 */
#ifndef PGSHIFT_HTTP_H
#define PGSHIFT_HTTP_H

#include "util/err.h"

struct http_result {
	long status;		/* HTTP status, 0 when there was no response */
	int attempts;
};

/*
 * POSTs an empty JSON object to url.  Network errors and 5xx are retried
 * (tries in all, backoff from delay_ms doubling); a 4xx is not.  Each try
 * gives up after timeout_ms.  Returns 0 on 2xx, else -1 with err (the URL is
 * never in the message: shown is what to print for it).
 */
int http_post_hook(const char *url, const char *shown, int tries, long delay_ms, long timeout_ms,
		   struct http_result *res, struct pgs_error *err);
/* scheme://host[:port]: what may be printed of a secret URL (new string). */
char *http_redact_url(const char *url);

#endif
