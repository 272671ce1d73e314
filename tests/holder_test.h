/*
 * holder_test.h - what the in-process holder tests share (test_holder.c,
 * test_opener.c): a loopback listener for the test's side, a holder config
 * for a few connections, and a run that skips a mode this kernel lacks.
 * The holder's tick callback plays the peer; a test ends the run by raising
 * holder_signalled.
 */
#ifndef HOLDCONN_TEST_HOLDER_TEST_H
#define HOLDCONN_TEST_HOLDER_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include "hold/holder.h"

#define HT_NCONNS 3
#define HT_DEADLINE_S 2.0 /* a behaviour not seen by then failed */
#define HT_TICK_MS 5

/* A non-blocking listening socket on 127.0.0.1 at a port the kernel picks; its port in *port. */
int ht_listener(uint16_t *port);
/* A port nobody listens on now, for a serve holder to take. */
uint16_t ht_free_port(void);
/*
 * cfg zeroed and set for role in mode m: linger RST, --watch poll, stats in
 * *st (zeroed), its tick (the caller's) called with arg every HT_TICK_MS.
 */
void ht_config(struct holder_config *cfg, enum mode m, enum role role, struct side_stats *st,
	       void *arg);
/* ... and connecting HT_NCONNS to 127.0.0.1:port from source ports first_sport on. */
void ht_connect_config(struct holder_config *cfg, struct plan *plan, enum mode m, uint16_t port,
		       uint16_t first_sport, struct side_stats *st, void *arg);
/* Runs the holder; false when the mode is unavailable here (the test is then skipped). */
bool ht_run(struct holder *h, const struct holder_config *cfg, enum mode m);

#endif
