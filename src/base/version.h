/* version.h - holdconn's version, as --version, the JSON run header and holdconn_build_info say it. */
#ifndef HOLDCONN_VERSION_H
#define HOLDCONN_VERSION_H

#define HOLDCONN_VERSION "0.1.0"

#endif
