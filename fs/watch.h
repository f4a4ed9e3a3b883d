/* The socket monitor (monitor/), wired to the engine: the monitor asks
 * the engine which application a program belongs to and hands it socket
 * events; policy changes make it rescan; the programs policies name have
 * their file systems watched for exec. */
#ifndef IPSECFS_WATCH_H
#define IPSECFS_WATCH_H

#include "engine/strbuf.h"

struct engine;
struct watch;

int watch_start(struct engine *e, struct watch **out);
void watch_stop(struct watch *w);
/* A policy names program (a basename or an absolute path): watch execs
 * of it (the file's mount, or each $PATH directory's). */
void watch_program(void *w, const char *program);
/* The policy set changed. */
void watch_changed(void *w);
/* The monitor's lines of the status file. */
void watch_status(void *w, struct strbuf *sb);

#endif
