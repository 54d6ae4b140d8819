/*
 * cmds: the entry point of every command; main.c's table points at these.
 * Each takes the arguments after the command name and returns an exit code.
 */
#ifndef PGSHIFT_CMDS_H
#define PGSHIFT_CMDS_H

int cmd_new(int argc, char **argv);
int cmd_deploy(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_dev(int argc, char **argv);
int cmd_resolve(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_seed(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_roles(int argc, char **argv);
int cmd_hook(int argc, char **argv);
int cmd_health(int argc, char **argv);
int cmd_backfill(int argc, char **argv);
int cmd_changed(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_drift(int argc, char **argv);
int cmd_diff(int argc, char **argv);

#endif
