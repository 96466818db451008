/*
 * pathfind.h: where a program name leads, as execvp looks it up. Pure (the
 * environment's PATH and the file system, nothing of pgboot's): the app
 * pgboot becomes (exec.c) and the pg_dump it runs for --save-backup
 * (backup.c) are found the same way.
 */
#ifndef PGB_PATHFIND_H
#define PGB_PATHFIND_H

/*
 * The file execvp would run for name: name itself when it holds a '/' (and
 * is a regular file), else the first regular, executable file of that name
 * on PATH (/bin:/usr/bin when PATH is unset or empty). A new string, or
 * NULL when there is none.
 */
char *path_find_program(const char *name);

#endif
