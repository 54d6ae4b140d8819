/* event: handing an engine's events to its caller's sink (see event.h). */
#include "run/event.h"

#include <stdarg.h>

#include "util/buf.h"

void run_emit(const struct run_sink *sink, const struct run_event *ev)
{
	if (sink && sink->emit)
		sink->emit(ev, sink->ctx);
}

void run_notice(const struct run_sink *sink, enum run_level level, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (!sink || !sink->emit)
		return;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	run_emit(sink, &(struct run_event){ .kind = RUN_NOTICE, .level = level, .text = b.data });
	buf_release(&b);
}
