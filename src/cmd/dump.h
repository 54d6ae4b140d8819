/*
 * dump: the schema as SQL (pgshift dump), also written by deploy --dump.
 */
#ifndef PGSHIFT_CMD_DUMP_H
#define PGSHIFT_CMD_DUMP_H


#include "db/conn.h"
#include "schema/model.h"
#include "util/err.h"

/*
 * Reads the model of the database on conn and writes its dump to path
 * (replaced whole: written beside it, then renamed).  -1 with err.
 */
int dump_write(PGconn *conn, const struct schema_filter *f, const char *path, struct pgs_error *err);

#endif
