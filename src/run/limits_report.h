/* limits_report.h - `holdconn limits` printed: the table for people, or one JSON object. */
#ifndef HOLDCONN_LIMITS_REPORT_H
#define HOLDCONN_LIMITS_REPORT_H

#include <stdio.h>
#include "measure/limits.h"
#include "run/calibrate.h"

/* The table for people; cal may be unmeasured (then it says why). */
void limits_print(FILE *f, const struct limits_input *in, const struct limits_table *t,
		  const struct calibration *cal);
/* One JSON object: {"event":"limits",...}. */
void limits_print_json(FILE *f, const struct limits_input *in, const struct limits_table *t,
		       const struct calibration *cal);

#endif
