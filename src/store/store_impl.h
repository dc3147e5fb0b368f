/*
 * store_impl.h -- store layer, internal: the backend ops table.
 *
 * A backend fills one struct store_ops (as SQLite's VFS or h2o's
 * handlers do).  store.c owns the writer thread and the job queue and
 * calls into the backend; the backend owns its connections.  Only files
 * in src/store/ include this header.
 */
#ifndef STORE_IMPL_H
#define STORE_IMPL_H

#include "store.h"

struct store_tx {
	const struct store_ops *ops;
	void *drv;  /* the backend's write context */
};

struct store_ops {
	const char *name;
	int (*open)(const char *location, const struct store_options *opt,
		    void **drv, struct fk_error *err);
	void (*close)(void *drv);
	int (*migrate)(void *drv, int *from, int *to, struct fk_error *err);
	int (*schema_version)(void *drv, int *current, int *latest);

	/* Batch control, called only on the writer thread. */
	int (*begin)(void *drv);
	int (*savepoint)(void *drv);
	int (*release)(void *drv);
	int (*rollback_to)(void *drv);
	int (*commit)(void *drv);
	void (*rollback)(void *drv);

	int (*region_get)(void *drv, const char *code, region_t *out);
	int (*region_search)(void *drv, const char *q, int limit, region_t **out, size_t *n);
	int (*region_count)(void *drv, int64_t *out);
	int (*tx_region_put)(void *drv, const region_t *r);
	int (*tx_region_exists)(void *drv, const char *code, bool *out);

	int (*department_get)(void *drv, bool tx, int64_t id, department_t *out);
	int (*department_find)(void *drv, bool tx, const char *name, department_t *out);
	int (*department_list)(void *drv, department_t **out, size_t *n);
	int (*tx_department_insert)(void *drv, department_t *d, struct fk_error *err);
	int (*tx_department_update)(void *drv, department_t *d, struct fk_error *err);
	int (*tx_department_delete)(void *drv, int64_t id, struct fk_error *err);

	int (*person_get)(void *drv, bool tx, const char *id, person_t *out);
	int (*person_list)(void *drv, const struct person_query *q, person_t **out, size_t *n);
	int (*person_dept_path)(void *drv, const char *id, char *path, size_t cap);
	int (*tx_person_insert)(void *drv, const person_t *p, int64_t now, struct fk_error *err);
	int (*tx_person_update)(void *drv, const person_t *p, int64_t now, struct fk_error *err);
	int (*tx_person_delete)(void *drv, const char *id, struct fk_error *err);

	int (*user_get)(void *drv, int64_t id, user_t *out);
	int (*user_find)(void *drv, bool tx, const char *username, user_t *out);
	int (*user_list)(void *drv, user_t **out, size_t *n);
	int (*user_count)(void *drv, int64_t *out);
	int (*tx_user_insert)(void *drv, user_t *u, int64_t now, struct fk_error *err);
	int (*tx_user_update)(void *drv, const user_t *u, struct fk_error *err);

	int (*session_get)(void *drv, const uint8_t *hash, int64_t now, session_t *out);
	int (*tx_session_insert)(void *drv, const session_t *se);
	int (*tx_session_delete)(void *drv, const uint8_t *hash);
	int (*tx_session_delete_user)(void *drv, int64_t user_id);
	int (*tx_session_purge)(void *drv, int64_t now);

	int (*tx_audit_append)(void *drv, const audit_entry_t *a);
	int (*audit_list)(void *drv, int64_t before, int limit, audit_entry_t **out, size_t *n);

	int (*setting_get)(void *drv, bool tx, const char *key, char *value, size_t cap);
	int (*tx_setting_put)(void *drv, const char *key, const char *value, int64_t now);

	int (*report_get)(void *drv, int64_t id, report_rec_t *out);
	int (*report_list)(void *drv, const struct report_query *q, report_rec_t **out, size_t *n);
	int (*report_versions)(void *drv, bool tx, const char *person_id, int32_t date,
			       report_rec_t **out, size_t *n);
	int (*report_recent)(void *drv, bool tx, const char *person_id, int32_t from, int32_t to,
			     report_rec_t **out, size_t *n);
	int (*tx_report_by_request)(void *drv, const char *person_id, const char *request_id,
				    report_rec_t *out);
	int (*tx_report_insert)(void *drv, report_rec_t *rec, int64_t department_id,
				struct fk_error *err);
	int (*tx_report_count_by_submitter)(void *drv, int64_t user_id, int64_t since, int64_t *out);
	int (*missing)(void *drv, int32_t date, const struct person_query *q, person_t **out,
		       size_t *n);
	int (*dash_departments)(void *drv, int32_t date, const char *dept_path,
				struct dash_department **out, size_t *n);
	int (*dash_on_time)(void *drv, int32_t date, int64_t cutoff, struct dash_department *deps,
			    size_t n);
	int (*dash_places)(void *drv, int32_t date, const char *dept_path, struct dash_place out[3],
			   size_t *n);
	int (*dash_trend)(void *drv, int32_t from, int32_t to, const char *dept_path,
			  struct dash_day **out, size_t *n);
	int (*alert_get)(void *drv, int64_t id, alert_t *out);
	int (*alert_list)(void *drv, const struct alert_query *q, alert_t **out, size_t *n);
	int (*tx_alert_insert)(void *drv, alert_t *a);
	int (*tx_alert_ack)(void *drv, const alert_t *a);
	int (*webhook_list)(void *drv, bool tx, webhook_t **out, size_t *n);
	int (*tx_webhook_insert)(void *drv, webhook_t *w, struct fk_error *err);
	int (*tx_webhook_delete)(void *drv, int64_t id);
	int (*tx_delivery_insert)(void *drv, delivery_t *d);
	int (*delivery_due)(void *drv, int64_t now, int limit, delivery_t **out, size_t *n);
	int (*tx_delivery_update)(void *drv, const delivery_t *d);
	int (*delivery_list)(void *drv, int64_t before, int limit, delivery_t **out, size_t *n);
	int (*tx_reminder_claim)(void *drv, int32_t date, int64_t department_id, int64_t missing,
				 int64_t now);

	/* case management; `tx` picks the writer's connection (inside a job) */
	int (*subject_get)(void *drv, bool tx, int64_t id, subject_t *out);
	int (*subject_by_person)(void *drv, bool tx, const char *person_id, subject_t *out);
	int (*tx_subject_duplicates)(void *drv, const subject_t *sub, subject_t **out, size_t *n);
	int (*tx_subject_insert)(void *drv, subject_t *sub);
	int (*tx_subject_merge)(void *drv, int64_t from, int64_t into);
	int (*case_get)(void *drv, bool tx, int64_t id, case_rec_t *out);
	int (*case_list)(void *drv, const struct case_query *q, case_rec_t **out, size_t *n);
	int (*tx_cases_of_subject)(void *drv, int64_t subject_id, case_rec_t **out, size_t *n);
	int (*tx_case_insert)(void *drv, case_rec_t *c);
	int (*tx_case_update)(void *drv, const case_rec_t *c);
	int (*tx_case_event_insert)(void *drv, case_event_t *e);
	int (*case_events)(void *drv, int64_t case_id, case_event_t **out, size_t *n);
	int (*tx_lab_insert)(void *drv, lab_test_t *t);
	int (*labs_of_case)(void *drv, int64_t case_id, lab_test_t **out, size_t *n);
	int (*tx_placement_insert)(void *drv, placement_t *p);
	int (*placements_of_subject)(void *drv, int64_t subject_id, placement_t **out, size_t *n);
	int (*tx_exposure_insert)(void *drv, exposure_rec_t *e);
	int (*exposures_of_subject)(void *drv, bool tx, int64_t subject_id, exposure_rec_t **out,
				    size_t *n);
	int (*exposure_all)(void *drv, exposure_rec_t **out, size_t *n);
	int (*observation_get)(void *drv, bool tx, int64_t id, observation_t *out);
	int (*observation_open_of)(void *drv, bool tx, int64_t subject_id, observation_t *out);
	int (*observation_list)(void *drv, const struct observation_query *q, observation_t **out,
				size_t *n);
	int (*tx_observation_insert)(void *drv, observation_t *o);
	int (*tx_observation_update)(void *drv, const observation_t *o);
	int (*tx_followups_ensure)(void *drv, int64_t observation_id, int32_t from, int32_t to);
	int (*tx_followups_trim)(void *drv, int64_t observation_id, int32_t from);
	int (*followups_of)(void *drv, int64_t observation_id, followup_t **out, size_t *n);
	int (*tx_followup_fill)(void *drv, const followup_t *f);
	int (*followups_missed)(void *drv, const struct observation_query *q, int32_t date,
				const char *slot, followup_t **out, size_t *n);
	int (*tx_review_insert)(void *drv, review_t *r);
	int (*review_get)(void *drv, int64_t id, review_t *out);
	int (*review_list)(void *drv, const struct observation_query *q, bool open_only,
			   review_t **out, size_t *n);
	int (*tx_review_resolve)(void *drv, const review_t *r);

	/* regional risk and return to work */
	int (*tx_series_replace)(void *drv, const char *source, int32_t from, int32_t to,
				 const series_day_t *rows, size_t n);
	int (*series_list)(void *drv, const char *source, const char *region_prefix, int32_t from,
			   int32_t to, series_day_t **out, size_t *n);
	int (*series_sources)(void *drv, struct series_source **out, size_t *n);
	int (*tx_risk_insert)(void *drv, risk_change_t *c);
	int (*risk_latest)(void *drv, bool tx, const char *region_code, int32_t date, bool override,
			   risk_change_t *out);
	int (*risk_current)(void *drv, const char *region_prefix, int32_t date, risk_change_t **out,
			    size_t *n);
	int (*risk_history)(void *drv, const char *region_code, risk_change_t **out, size_t *n);
	int (*tx_response_insert)(void *drv, response_level_t *r);
	int (*response_history)(void *drv, const char *province_code, response_level_t **out,
				size_t *n);
	int (*tx_plan_insert)(void *drv, resumption_plan_t *p);
	int (*tx_plan_decide)(void *drv, const resumption_plan_t *p);
	int (*plan_get)(void *drv, int64_t id, resumption_plan_t *out);
	int (*plan_list)(void *drv, const char *dept_path, resumption_plan_t **out, size_t *n);
	int (*tx_risk_clear)(void *drv, const char *region_code, int32_t from, int32_t to);
	int (*checkin_counts)(void *drv, int32_t from, int32_t to, unsigned symptom_mask,
			      int temp_dc_min, struct checkin_count **out, size_t *n);
	int (*signal_get)(void *drv, bool tx, int64_t id, signal_t *out);
	int (*signal_list)(void *drv, const struct signal_query *q, signal_t **out, size_t *n);
	int (*tx_signal_insert)(void *drv, signal_t *s);
	int (*tx_signal_ack)(void *drv, const signal_t *s);
	int (*tx_detect_run_claim)(void *drv, int32_t date, const char *by, int64_t now,
				   bool force);
};

extern const struct store_ops store_sqlite_ops;

#endif
