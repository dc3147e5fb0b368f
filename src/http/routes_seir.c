/*
 * routes_seir.c -- http layer: SEIR fit and forecast (being written).
 */
#include "http_impl.h"

void
h_analytics_seir(struct http_req *r)
{
	http_reply_fail(r, 501, "not_implemented", "", "not yet");
}
