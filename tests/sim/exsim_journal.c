/* exsim journal: every order, fill, trading-stop call, reject and stop
 * trigger, kept in memory (GET /sim/journal) and appended as JSON lines to
 * --journal FILE. */
#include "tests/sim/exsim.h"

#include <stdlib.h>

#define JOURNAL_MAX 200000

void exsim_journal_add(struct exsim_app *app, const char *kind, json_t *entry)
{
	json_t *e = json_object();
	char *line;

	json_object_set_new(e, "t_ms", json_integer(exsim_now_ms(app)));
	json_object_set_new(e, "kind", json_string(kind));
	json_object_update_missing(e, entry);
	json_decref(entry);
	if (app->journal_fp) {
		line = json_dumps(e, JSON_COMPACT);
		if (line) {
			fprintf(app->journal_fp, "%s\n", line);
			fflush(app->journal_fp);
			free(line);
		}
	}
	if (json_array_size(app->journal) < JOURNAL_MAX) {
		json_array_append_new(app->journal, e);
	} else {
		json_decref(e);
	}
}

void exsim_journal_finish(struct exsim_app *app)
{
	json_decref(app->journal);
	app->journal = NULL;
	if (app->journal_fp) {
		fclose(app->journal_fp);
		app->journal_fp = NULL;
	}
}

void exsim_journal_reply(struct exsim_app *app, const char *kind, json_t *body, int code,
			 const char *msg, json_t *extra)
{
	json_t *e = extra ? extra : json_object();

	json_object_set_new(e, "retCode", json_integer(code));
	json_object_set_new(e, "retMsg", json_string(msg));
	if (json_is_object(body)) {
		json_object_update_missing(e, body);
	}
	exsim_journal_add(app, kind, e);
}
