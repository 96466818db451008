/* version_info.h: pgboot's own version. */
#ifndef PGB_VERSION_INFO_H
#define PGB_VERSION_INFO_H

#define PGBOOT_VERSION "0.1.0"

#endif
