/* SPDX-License-Identifier: MIT */
/* The tracker's groups in the machine-readable formats: the JSON object of
 * doc/architecture.md ("Output contract") and the Prometheus text format with process-exporter's
 * names. */
#ifndef PG_REPORT_H
#define PG_REPORT_H

#include "format.h"
#include "track.h"

/* One JSON object (no newline): {"groups":{...},"scan":{...},"options":{...}} */
void pg_report_json(struct pg_out *o, const struct pg_tracker *t);

/* The Prometheus text exposition of every group and the scan figures. */
void pg_report_prometheus(struct pg_out *o, const struct pg_tracker *t);

#endif
