/* notify.c -- app layer: webhook deliveries and reminders (being written). */
#include "app_impl.h"

int app__notify_alert(store_tx_t *tx, const alert_t *al) { (void)tx; (void)al; return 0; }
int app_notify_start(app_t *a) { (void)a; return 0; }
void app_notify_stop(app_t *a) { (void)a; }
int app_webhook_list(app_t *a, const actor_t *actor, webhook_t **out, size_t *n)
{ (void)a; (void)actor; *out = NULL; *n = 0; return FK_EIO; }
int app_webhook_create(app_t *a, const actor_t *actor, webhook_t *w, struct fk_error *err)
{ (void)a; (void)actor; (void)w; return fk_error_set(err, FK_EIO, "", "not built yet"); }
int app_webhook_delete(app_t *a, const actor_t *actor, int64_t id, struct fk_error *err)
{ (void)a; (void)actor; (void)id; return fk_error_set(err, FK_EIO, "", "not built yet"); }
int app_delivery_list(app_t *a, const actor_t *actor, int64_t before, int limit, delivery_t **out, size_t *n)
{ (void)a; (void)actor; (void)before; (void)limit; *out = NULL; *n = 0; return FK_EIO; }
