/*
 * test_reload: config reload and version-folder polling (issue 10; docs/reload.md), through the
 * public header only.
 *
 * 1. test_stress_matrix: the model rows of OVMS's C-API config-change stress matrix
 *    (c_api_stress_tests.cpp): 8 threads of sync (or async) inference on `dummy` version 0 while a
 *    change is applied mid-load. Each row: every code returned is in the row's required, "one of"
 *    and allowed sets, each required code (and one of the "one of" codes) is seen, every accepted
 *    async request gets exactly one callback, every pool serving afterwards is at rest. Most rows
 *    apply the change with OVMS_ExServerReload; the *_poll rows rewrite files on disk and let the
 *    watcher (poll interval 1 s) find them. OVMS_TEST_ROW=<part of a row name> runs only those.
 * 2. test_zero_downtime: 4 sync + 4 async threads without a version while nireq and plugin_config
 *    change every 500 ms, then version 2 is added and version 1 removed: no request fails.
 *    test_new_version_latency: from a version folder written on disk to it answering (poll 1 s).
 * 3. test_bad_changes_keep_serving: truncated JSON, a deleted config, a corrupt .bin, a removed
 *    base_path, an unreadable version folder: what served keeps serving; the next good change
 *    applies.
 * 4. test_reload_memory: 200 reload cycles that recompile; RSS growth after a warm-up < 5 MiB.
 *
 * Each test builds its own repositories and config.json under reload_work_<pid>/ in the working
 * directory from copies (never links: some cases truncate files) of models/dummy/1 (a = b + 1)
 * and models/versioned/{2,3} (a = b + version), so every answer tells the version it came from.
 * The folder is removed at the end unless a check failed.
 *
 * Run under valgrind too (ctest reload_memcheck, OVMS_TEST_SCALE=small).
 */
#include "reload_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <malloc.h>

/* The OVMS codes the rows expect (SC_OK and the pseudo codes: reload_util.h). */
enum {
    SC_CONFIG_FILE_INVALID = 4,
    SC_JSON_INVALID = 7,
    SC_MODEL_NAME_MISSING = 45,
    SC_MODEL_VERSION_MISSING = 47,
    SC_NOT_LOADED_ANYMORE = 48,
    SC_NOT_LOADED_YET = 49,
    SC_INVALID_BATCH_SIZE = 56,
    SC_INVALID_SHAPE = 57,
    SC_NAME_MISSING = 144,
};

/* ---- config.json ------------------------------------------------------------------------------ */
/* config.json with `dummy` (extras: more keys of its "config" object) or, for NULL, no model. */
static void config_text(scen *s, const char *extras, char *out, size_t n) {
    if (extras == NULL)
        snprintf(out, n, "{\"model_config_list\": []}\n");
    else
        snprintf(out, n,
                 "{\"model_config_list\": [\n  {\"config\": {\"name\": \"dummy\", \"base_path\": \"%s\"%s%s}}\n]}\n",
                 s->base, *extras ? ", " : "", extras);
}

static bool scen_config(scen *s, const char *extras) {
    char text[8192];
    config_text(s, extras, text, sizeof text);
    return write_atomic(s->config, text, strlen(text));
}

/* ---- server ------------------------------------------------------------------------------------- */
/* Waits (bounded) until the version reports `want`; the time it took, or -1. */
static double wait_state(const char *name, int64_t version, int want, double timeout) {
    double started = au_now();
    while (au_now() - started < timeout) {
        if (servable_state(name, version) == want)
            return au_now() - started;
        au_sleep_ms(20);
    }
    return servable_state(name, version) == want ? au_now() - started : -1.0;
}

static uint32_t slot_count(const char *name, int64_t version) {
    uint32_t slots = 0, idle = 0, queued = 0;
    if (take_code(OVMS_ExServableSlots(server, name, version, &slots, &idle, &queued)) != SC_OK)
        return 0;
    return slots;
}

/* ---- 1. the stress matrix ------------------------------------------------------------------------ */
typedef struct row row;
struct row {
    const char *name;
    bool async;
    uint32_t poll;                      /* 0: changes via OVMS_ExServerReload; 1: the watcher finds them */
    void (*setup)(scen *s);             /* the repository and config.json the server starts from */
    void (*change)(scen *s, load *l);   /* the change, applied mid-load (waits for it when polling) */
    void (*after)(scen *s);             /* checks once the load stopped */
    int required[MAX_SET];              /* each must be seen; -1 ends */
    int one_of[MAX_SET];                /* at least one of them must be seen (when any); -1 ends */
    int allowed[MAX_SET];               /* may be seen; -1 ends */
};

#define CHECK_TRUE_MSG(cond, msg) ((void)au_check((cond) ? true : false, msg, __FILE__, __LINE__))

/* Applies a change: with poll 0 now (OVMS_ExServerReload); with polling the caller waits. */
static void apply(const row *r, const char *what) {
    if (r->poll == 0)
        RELOAD_OK(what);
}

static const row *current_row = NULL;

static void wait_more(load *l) {
    long since[MAX_WORKERS];
    load_snapshot(l, since);
    CHECK_TRUE_MSG(load_wait_each(l, since, row_k(), 20, bounded_wait_s()), "load between two changes");
}

/* setups */
static void setup_v1(scen *s) {
    CHECK(scen_add_version(s, 1, 1));
    CHECK(scen_config(s, "\"nireq\": 4, \"shape\": \"(1,10)\""));
}

static void setup_v1_empty_config(scen *s) {
    CHECK(scen_add_version(s, 1, 1));
    CHECK(scen_config(s, NULL));
}
static void setup_v12_all(scen *s) {
    CHECK(scen_add_version(s, 1, 1));
    CHECK(scen_add_version(s, 2, 2));
    CHECK(scen_config(s, "\"nireq\": 4, \"model_version_policy\": {\"all\": {}}"));
}
static void setup_v123_latest(scen *s) {
    CHECK(scen_add_version(s, 1, 1));
    CHECK(scen_add_version(s, 2, 2));
    CHECK(scen_add_version(s, 3, 3));
    CHECK(scen_config(s, "\"nireq\": 4, \"model_version_policy\": {\"latest\": {\"num_versions\": 1}}"));
}

/* changes */
static void change_empty(scen *s, load *l) {
    (void)l;
    CHECK(scen_config(s, NULL));
    apply(current_row, "config emptied");
    if (current_row->poll)
        CHECK_TRUE_MSG(wait_state("dummy", 1, OVMS_STATE_RETIRED, bounded_wait_s()) >= 0,
                       "the watcher retires dummy v1 after the config was emptied");
}
static void change_wrong_shape(scen *s, load *l) {
    (void)l;
    CHECK(scen_config(s, "\"nireq\": 4, \"shape\": \"(1,11)\""));
    apply(current_row, "shape (1,11)");
}
static void change_auto_shape(scen *s, load *l) {
    (void)l;
    CHECK_EQ(infer_shape_1x11("dummy"), SC_INVALID_SHAPE); /* before the change: a wrong shape */
    CHECK(scen_config(s, "\"nireq\": 4, \"shape\": \"auto\""));
    apply(current_row, "shape auto");
}
static void change_add_model(scen *s, load *l) {
    (void)l;
    CHECK(scen_config(s, "\"nireq\": 4"));
    apply(current_row, "model added");
    if (current_row->poll)
        CHECK_TRUE_MSG(wait_state("dummy", 1, OVMS_STATE_AVAILABLE, bounded_wait_s()) >= 0,
                       "the watcher loads the added model");
}
static void change_add_version(scen *s, load *l) {
    (void)l;
    CHECK(scen_add_version(s, 2, 2));
    apply(current_row, "version 2 added");
    if (current_row->poll)
        CHECK_TRUE_MSG(wait_state("dummy", 2, OVMS_STATE_AVAILABLE, bounded_wait_s()) >= 0,
                       "the watcher loads the new version folder 2");
}
static void change_remove_default(scen *s, load *l) {
    (void)l;
    CHECK(scen_remove_version(s, 2));
    apply(current_row, "default version 2 removed");
}
static void change_nireq(scen *s, load *l) {
    (void)l;
    CHECK(scen_config(s, "\"nireq\": 2, \"shape\": \"(1,10)\""));
    apply(current_row, "nireq 4 -> 2");
    if (current_row->poll) {
        double started = au_now();
        while (slot_count("dummy", 1) != 2 && au_now() - started < bounded_wait_s())
            au_sleep_ms(20);
        CHECK_EQ(slot_count("dummy", 1), 2);
    }
}
static void change_policy(scen *s, load *l) {
    CHECK(scen_config(s, "\"nireq\": 4, \"model_version_policy\": {\"all\": {}}"));
    apply(current_row, "policy latest -> all");
    CHECK_STATE("dummy", 1, OVMS_STATE_AVAILABLE);
    CHECK_STATE("dummy", 2, OVMS_STATE_AVAILABLE);
    wait_more(l);
    CHECK(scen_config(s, "\"nireq\": 4, \"model_version_policy\": {\"specific\": {\"versions\": [1, 2]}}"));
    apply(current_row, "policy all -> specific [1, 2]");
}

/* checks after */
static void after_retired(scen *s) {
    (void)s;
    CHECK_STATE("dummy", 1, OVMS_STATE_RETIRED);
    CHECK_INFER_CODE("dummy", 1, SC_NOT_LOADED_ANYMORE);
    CHECK_INFER_CODE("dummy", 0, SC_NOT_LOADED_ANYMORE);
}
static void after_wrong_shape(scen *s) {
    (void)s;
    CHECK_REST("dummy", 1, 4);
    int offset = 0;
    uint32_t code = infer("dummy", 0, &offset);
    CHECK(code == SC_INVALID_SHAPE || code == SC_INVALID_BATCH_SIZE);
}

static void after_auto_shape(scen *s) {
    (void)s;
    CHECK_STATE("dummy", 1, OVMS_STATE_AVAILABLE);
    CHECK_REST("dummy", 1, 4);
    CHECK_ANSWER("dummy", 0, 1);
    CHECK_EQ(infer_shape_1x11("dummy"), SC_OK); /* the new shape is in force */
}

static void after_v1_rest4(scen *s) {
    (void)s;
    CHECK_STATE("dummy", 1, OVMS_STATE_AVAILABLE);
    CHECK_REST("dummy", 1, 4);
    CHECK_ANSWER("dummy", 0, 1);
}
static void after_version_added(scen *s) {
    (void)s;
    CHECK_TRUE_MSG(wait_state("dummy", 1, OVMS_STATE_RETIRED, bounded_wait_s()) >= 0,
                   "version 1 retired once version 2 is served (latest 1)");
    CHECK_INFER_CODE("dummy", 1, SC_NOT_LOADED_ANYMORE);
    CHECK_ANSWER("dummy", 0, 2);
    CHECK_REST("dummy", 2, 4);
}
static void after_default_removed(scen *s) {
    (void)s;
    CHECK_STATE("dummy", 2, OVMS_STATE_RETIRED);
    CHECK_INFER_CODE("dummy", 2, SC_NOT_LOADED_ANYMORE);
    CHECK_ANSWER("dummy", 0, 1);
    CHECK_ANSWER("dummy", 1, 1);
    CHECK_REST("dummy", 1, 4);
}
static void after_nireq(scen *s) {
    (void)s;
    CHECK_REST("dummy", 1, 2);
    CHECK_ANSWER("dummy", 0, 1);
}
static void after_policy(scen *s) {
    (void)s;
    CHECK_STATE("dummy", 3, OVMS_STATE_RETIRED);
    CHECK_INFER_CODE("dummy", 3, SC_NOT_LOADED_ANYMORE);
    CHECK_ANSWER("dummy", 0, 2);
    CHECK_ANSWER("dummy", 1, 1);
    CHECK_ANSWER("dummy", 2, 2);
    CHECK_REST("dummy", 1, 4);
    CHECK_REST("dummy", 2, 4);
}

static const row rows[] = {
    {"config_emptied", false, 0, setup_v1, change_empty, after_retired, SET(SC_OK, SC_NOT_LOADED_ANYMORE), NONE,
     NONE},
    {"config_emptied_async", true, 0, setup_v1, change_empty, after_retired, SET(SC_OK, SC_NOT_LOADED_ANYMORE),
     NONE, NONE},
    {"config_emptied_poll", false, 1, setup_v1, change_empty, after_retired, SET(SC_OK, SC_NOT_LOADED_ANYMORE),
     NONE, NONE},
    {"wrong_shape", false, 0, setup_v1, change_wrong_shape, after_wrong_shape, SET(SC_OK),
     SET(SC_INVALID_SHAPE, SC_INVALID_BATCH_SIZE), NONE},
    {"wrong_shape_async", true, 0, setup_v1, change_wrong_shape, after_wrong_shape, SET(SC_OK),
     SET(SC_INVALID_SHAPE, SC_INVALID_BATCH_SIZE), NONE},
    {"auto_shape", false, 0, setup_v1, change_auto_shape, after_auto_shape, SET(SC_OK), NONE,
     SET(SC_NOT_LOADED_YET)},
    {"auto_shape_async", true, 0, setup_v1, change_auto_shape, after_auto_shape, SET(SC_OK), NONE,
     SET(SC_NOT_LOADED_YET)},
    {"model_added", false, 0, setup_v1_empty_config, change_add_model, after_v1_rest4, SET(SC_OK, SC_NAME_MISSING),
     NONE, SET(SC_MODEL_NAME_MISSING, SC_MODEL_VERSION_MISSING, SC_NOT_LOADED_YET)},
    {"model_added_async", true, 0, setup_v1_empty_config, change_add_model, after_v1_rest4,
     SET(SC_OK, SC_NAME_MISSING), NONE, SET(SC_MODEL_NAME_MISSING, SC_MODEL_VERSION_MISSING, SC_NOT_LOADED_YET)},
    {"version_added_poll", false, 1, setup_v1, change_add_version, after_version_added, SET(SC_OK), NONE, NONE},
    {"version_added_async", true, 0, setup_v1, change_add_version, after_version_added, SET(SC_OK), NONE, NONE},
    {"default_version_removed", false, 0, setup_v12_all, change_remove_default, after_default_removed, SET(SC_OK),
     NONE, SET(SC_NOT_LOADED_ANYMORE)},
    {"nireq_changed", false, 0, setup_v1, change_nireq, after_nireq, SET(SC_OK), NONE, NONE},
    {"nireq_changed_async_poll", true, 1, setup_v1, change_nireq, after_nireq, SET(SC_OK), NONE, NONE},
    {"policy_latest_all_specific", false, 0, setup_v123_latest, change_policy, after_policy, SET(SC_OK), NONE,
     SET(SC_NOT_LOADED_ANYMORE)},
};

static void run_row(const row *r) {
    int failed_before = atomic_load(&au_current_failed);
    current_row = r;
    scen s;
    REQUIRE(scen_new(&s, r->name));
    r->setup(&s);
    OVMS_Status *started = start_scen(&s, r->poll);
    if (!au_expect_ok(started, r->name, __FILE__, __LINE__))
        return;
    load l;
    long before[MAX_WORKERS];
    if (!load_start(&l, "dummy", 0, 8, r->async ? 0 : 8, 0, NULL)) {
        load_stop(&l);
        return;
    }
    /* mid-load: every thread has made k requests */
    CHECK_TRUE_MSG(load_wait_each(&l, NULL, row_k(), 30, bounded_wait_s()), "load before the change");
    r->change(&s, &l);
    /* every thread makes k more requests after the change is in force */
    load_snapshot(&l, before);
    CHECK_TRUE_MSG(load_wait_each(&l, before, row_k(), 50, bounded_wait_s()), "load after the change");
    load_stop(&l);
    r->after(&s);

    report_row(r->name, "requests", &l, r->required, r->one_of, r->allowed, failed_before);
    stop_server();
}

static void test_stress_matrix(void) {
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (row_selected(rows[i].name))
            run_row(&rows[i]);
    current_row = NULL;
}

/* ---- 2. zero downtime ------------------------------------------------------------------------------- */
static void test_zero_downtime(void) {
    scen s;
    REQUIRE(scen_new(&s, "zero_downtime"));
    const char *policy = "\"model_version_policy\": {\"all\": {}}";
    char extras[512];
    snprintf(extras, sizeof extras, "\"nireq\": 2, %s", policy);
    REQUIRE(scen_add_version(&s, 1, 1));
    REQUIRE(scen_config(&s, extras));
    REQUIRE_OK(start_scen(&s, 0));

    double duration = (double)au_scaled(20, 2); /* the bar: 8 threads x 20 s */
    double phase_a = duration * 0.7;
    load l;
    REQUIRE(load_start(&l, "dummy", 0, 8, 4, 0, NULL));
    double started = au_now();
    int reloads = 0;
    while (au_now() - started < phase_a) {
        au_sleep_ms(500);
        reloads++;
        uint32_t nireq = 2 + (uint32_t)(reloads % 3);
        snprintf(extras, sizeof extras, "\"nireq\": %u, \"plugin_config\": {\"PERFORMANCE_HINT\": \"%s\"}, %s", nireq,
                 reloads % 2 ? "LATENCY" : "THROUGHPUT", policy);
        CHECK(scen_config(&s, extras));
        RELOAD_OK("nireq / plugin_config change");
        CHECK_EQ(slot_count("dummy", 1), nireq);
    }
    /* (b) version 2 added, then version 1 removed */
    CHECK(scen_add_version(&s, 2, 2));
    RELOAD_OK("version 2 added");
    reloads++;
    CHECK_STATE("dummy", 2, OVMS_STATE_AVAILABLE);
    long since[MAX_WORKERS];
    load_snapshot(&l, since);
    CHECK(load_wait_each(&l, since, au_scaled(20, 2), 100, bounded_wait_s()));
    CHECK(scen_remove_version(&s, 1));
    RELOAD_OK("version 1 removed");
    reloads++;
    CHECK_STATE("dummy", 1, OVMS_STATE_RETIRED);
    while (au_now() - started < duration)
        au_sleep_ms(50);
    load_stop(&l);

    long total = load_total(&l);
    long ok = atomic_load(&l.codes[SC_OK]);
    char codes[1024], versions[256];
    load_format_codes(&l, codes, sizeof codes);
    load_format_versions(&l, versions, sizeof versions);
    long sync_requests = 0, async_requests = 0;
    for (int i = 0; i < l.nworkers; i++) {
        if (l.w[i].async)
            async_requests += atomic_load(&l.w[i].requests);
        else
            sync_requests += atomic_load(&l.w[i].requests);
    }
    printf("zero downtime: %ld requests (%ld sync, %ld async) in %.1f s over %d reloads, %ld failed, codes %s, "
           "answered by %s\n",
           total, sync_requests, async_requests, duration, reloads, total - ok, codes, versions);
    CHECK_EQ(total - ok, 0);
    CHECK(atomic_load(&l.offsets[1]) > 0);
    CHECK(atomic_load(&l.offsets[2]) > 0);
    CHECK_INFER_CODE("dummy", 1, SC_NOT_LOADED_ANYMORE);
    CHECK_ANSWER("dummy", 0, 2);
    CHECK_REST("dummy", 2, 0);
    stop_server();
}

static void test_new_version_latency(void) {
    scen s;
    REQUIRE(scen_new(&s, "latency"));
    REQUIRE(scen_add_version(&s, 1, 1));
    REQUIRE(scen_config(&s, "\"nireq\": 1"));
    REQUIRE_OK(start_scen(&s, 1));
    CHECK_ANSWER("dummy", 0, 1);
    au_sleep_ms(300); /* not right after a scan */
    REQUIRE(scen_add_version(&s, 2, 2));
    double written = au_now();
    double answered = -1.0;
    long tries = 0;
    while (au_now() - written < bounded_wait_s()) {
        int offset = 0;
        uint32_t code = infer("dummy", 0, &offset);
        tries++;
        if (code != SC_OK) {
            char buf[160];
            snprintf(buf, sizeof buf, "inference without a version failed with %u while version 2 loads", code);
            au_fail(__FILE__, __LINE__, buf);
            break;
        }
        if (offset == 2) {
            answered = au_now();
            break;
        }
        CHECK_EQ(offset, 1);
        au_sleep_ms(5);
    }
    CHECK(answered > 0);
    if (answered > 0)
        printf("new version: folder 2 written on disk -> version 2 answering after %.3f s (poll interval 1 s, %ld "
               "requests meanwhile)\n",
               answered - written, tries);
    stop_server();
}

/* ---- 3. bad changes keep serving --------------------------------------------------------------------- */
static void test_bad_changes_keep_serving(void) {
    scen s;
    REQUIRE(scen_new(&s, "bad_changes"));
    REQUIRE(scen_add_version(&s, 1, 1));
    REQUIRE(scen_config(&s, "\"nireq\": 2"));
    REQUIRE_OK(start_scen(&s, 0));
    CHECK_ANSWER("dummy", 0, 1);
    CHECK_EQ(slot_count("dummy", 1), 2);

    int failed_before = atomic_load(&au_current_failed);
    /* a. truncated JSON (a config caught mid-write) */
    char text[8192];
    config_text(&s, "\"nireq\": 3", text, sizeof text);
    CHECK(write_atomic(s.config, text, strlen(text) / 2));
    CHECK_CODE(OVMS_ExServerReload(server), SC_JSON_INVALID);
    CHECK_ANSWER("dummy", 0, 1);
    CHECK_STATE("dummy", 1, OVMS_STATE_AVAILABLE);
    CHECK_EQ(slot_count("dummy", 1), 2);
    CHECK(scen_config(&s, "\"nireq\": 3"));
    RELOAD_OK("good config after truncated JSON");
    CHECK_EQ(slot_count("dummy", 1), 3);
    CHECK_ANSWER("dummy", 0, 1);
    printf("bad change: truncated JSON refused, v1 kept serving, next good config applied%s\n",
           failed_mark(failed_before));
    failed_before = atomic_load(&au_current_failed);

    /* b. config file deleted */
    CHECK(unlink(s.config) == 0);
    CHECK_CODE(OVMS_ExServerReload(server), SC_CONFIG_FILE_INVALID);
    CHECK_ANSWER("dummy", 0, 1);
    CHECK_EQ(slot_count("dummy", 1), 3);
    CHECK(scen_config(&s, "\"nireq\": 2"));
    RELOAD_OK("config restored");
    CHECK_EQ(slot_count("dummy", 1), 2);
    CHECK_ANSWER("dummy", 0, 1);
    printf("bad change: config deleted refused, v1 kept serving, restored config applied%s\n",
           failed_mark(failed_before));
    failed_before = atomic_load(&au_current_failed);

    /* c. a new version folder with a corrupt .bin */
    CHECK(scen_put_version(&s, 2, 2, 2, 0755));
    uint32_t code = take_code(OVMS_ExServerReload(server));
    int state2 = servable_state("dummy", 2);
    CHECK_EQ(state2, OVMS_STATE_LOADING_FAILED);
    CHECK_STATE("dummy", 1, OVMS_STATE_AVAILABLE);
    CHECK_ANSWER("dummy", 1, 1);
    CHECK_ANSWER("dummy", 0, 1);
    int offset = 0;
    uint32_t code2 = infer("dummy", 2, &offset);
    CHECK(code2 != SC_OK);
    char bin_src[PATH_MAX], a[PATH_MAX + 32], b[PATH_MAX + 48];
    model_source(2, bin_src, sizeof bin_src);
    snprintf(a, sizeof a, "%s/model.bin", bin_src);
    snprintf(b, sizeof b, "%s/2/model.bin.tmp", s.base);
    CHECK(copy_file(a, b));
    snprintf(a, sizeof a, "%s/2/model.bin", s.base);
    CHECK(rename(b, a) == 0);
    RELOAD_OK("version 2 repaired");
    CHECK_STATE("dummy", 2, OVMS_STATE_AVAILABLE);
    CHECK_ANSWER("dummy", 0, 2);
    CHECK_REST("dummy", 2, 2);
    printf("bad change: corrupt version 2 (reload code %u, state %d, inference on v2 code %u), v1 kept serving, "
           "repaired v2 served%s\n",
           code, state2, code2, failed_mark(failed_before));
    failed_before = atomic_load(&au_current_failed);

    /* d. base_path removed */
    char moved[PATH_MAX + 32];
    snprintf(moved, sizeof moved, "%s.moved", s.base);
    CHECK(rename(s.base, moved) == 0);
    code = take_code(OVMS_ExServerReload(server));
    CHECK_ANSWER("dummy", 0, 2);
    CHECK_STATE("dummy", 2, OVMS_STATE_AVAILABLE);
    uint32_t code_again = take_code(OVMS_ExServerReload(server));
    CHECK_ANSWER("dummy", 0, 2);
    CHECK(rename(moved, s.base) == 0);
    CHECK(scen_config(&s, "\"nireq\": 3"));
    RELOAD_OK("base_path restored, nireq 3");
    CHECK_EQ(slot_count("dummy", 2), 3);
    CHECK_ANSWER("dummy", 0, 2);
    printf("bad change: base_path removed (reload codes %u, %u), v2 kept serving, restored and next change "
           "applied%s\n",
           code, code_again, failed_mark(failed_before));
    failed_before = atomic_load(&au_current_failed);

    /* e. a version folder without read permission */
    CHECK(scen_put_version(&s, 3, 3, -1, 0));
    char probe[PATH_MAX + 48];
    snprintf(probe, sizeof probe, "%s/3/model.xml", s.base);
    int fd = open(probe, O_RDONLY);
    if (fd >= 0) {
        close(fd);
        printf("bad change: unreadable version folder skipped (running as root: chmod 000 stays readable)\n");
        snprintf(probe, sizeof probe, "%s/3", s.base);
        chmod(probe, 0755);
        CHECK(scen_remove_version(&s, 3));
    } else {
        code = take_code(OVMS_ExServerReload(server));
        int state3 = servable_state("dummy", 3);
        CHECK(state3 != OVMS_STATE_AVAILABLE);
        CHECK_ANSWER("dummy", 0, 2);
        CHECK_STATE("dummy", 2, OVMS_STATE_AVAILABLE);
        snprintf(probe, sizeof probe, "%s/3", s.base);
        CHECK(chmod(probe, 0755) == 0);
        RELOAD_OK("version 3 made readable");
        CHECK_STATE("dummy", 3, OVMS_STATE_AVAILABLE);
        CHECK_ANSWER("dummy", 0, 3);
        CHECK_REST("dummy", 3, 3);
        printf("bad change: unreadable version 3 (reload code %u, state %d), v2 kept serving, readable v3 served%s\n",
               code, state3, failed_mark(failed_before));
    }
    stop_server();
}

/* ---- 4. memory -------------------------------------------------------------------------------------- */
static double rss_mib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1.0;
    long size = 0, resident = 0;
    int n = fscanf(f, "%ld %ld", &size, &resident);
    fclose(f);
    if (n != 2)
        return -1.0;
    return (double)resident * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static void test_reload_memory(void) {
    scen s;
    REQUIRE(scen_new(&s, "memory"));
    REQUIRE(scen_add_version(&s, 1, 1));
    REQUIRE(scen_config(&s, "\"nireq\": 1"));
    REQUIRE_OK(start_scen(&s, 0));
    load l;
    REQUIRE(load_start(&l, "dummy", 0, 2, 1, 2, NULL));
    long cycles = au_scaled(200, 10);
    long warmup = au_scaled(20, 2);
    long window = au_scaled(20, 2);
    /* A leak grows RSS for good; allocator caches and thread stacks come and go. So each sample
     * follows malloc_trim(0), and the baseline (the end) is the lowest sample of the `window`
     * cycles after the warm-up (the last `window` cycles). */
    double rss_warm = -1.0, rss_end_min = -1.0;
    long failed_reloads = 0, wrong_slots = 0;
    double started = au_now();
    for (long i = 1; i <= cycles; i++) {
        uint32_t nireq = (i % 2) ? 2 : 1;
        char extras[64];
        snprintf(extras, sizeof extras, "\"nireq\": %u", nireq);
        CHECK(scen_config(&s, extras));
        uint32_t code = take_code(OVMS_ExServerReload(server));
        if (code != SC_OK)
            failed_reloads++;
        if (slot_count("dummy", 1) != nireq)
            wrong_slots++;
        if (i > warmup && i <= warmup + window) {
            malloc_trim(0);
            double rss = rss_mib();
            if (rss_warm < 0 || rss < rss_warm)
                rss_warm = rss;
        }
        if (i > cycles - window) {
            malloc_trim(0);
            double rss = rss_mib();
            if (rss_end_min < 0 || rss < rss_end_min)
                rss_end_min = rss;
        }
    }
    double rss_end = rss_end_min;
    double elapsed = au_now() - started;
    load_stop(&l);
    long total = load_total(&l), ok = atomic_load(&l.codes[SC_OK]);
    CHECK_EQ(failed_reloads, 0);
    CHECK_EQ(wrong_slots, 0);
    CHECK_EQ(total - ok, 0);
    CHECK_REST("dummy", 1, (cycles % 2) ? 2 : 1);
    printf("memory: %ld reload cycles in %.1f s (%ld requests meanwhile, %ld failed), RSS %.1f MiB after %ld warm-up "
           "cycles, %.1f MiB at the end (lowest of %ld samples each, after malloc_trim): growth %.2f MiB%s\n",
           cycles, elapsed, total, total - ok, rss_warm, warmup, rss_end, window, rss_end - rss_warm,
           au_small() ? " (not checked at scale small)" : "");
    if (!au_small())
        CHECK(rss_warm > 0 && rss_end - rss_warm < 5.0);
    stop_server();
}

/* ---- 5. OVMS_ExServerReload as a hostile host calls it ------------------------------------------ */
typedef struct {
    au_counter *done;
    atomic_uint reload_code;
    atomic_int flag;
} reload_in_cb_ctx;

static void reload_in_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    reload_in_cb_ctx *ctx = user;
    atomic_store(&ctx->flag, (int)flag);
    OVMS_InferenceResponseDelete(response);
    atomic_store(&ctx->reload_code, take_code(OVMS_ExServerReload(server)));
    au_counter_add(ctx->done, 1);
}

static void test_reload_arguments_and_callbacks(void) {
    stop_server();
    CHECK_EQ(take_code(OVMS_ExServerReload(NULL)), 255);          /* NONEXISTENT_PTR */
    CHECK_EQ(take_code(OVMS_ExServerReload(server)), 256);        /* SERVER_NOT_READY */
    scen s;
    REQUIRE(scen_new(&s, "reload_in_callback"));
    REQUIRE(scen_add_version(&s, 1, 1));
    REQUIRE(scen_config(&s, "\"nireq\": 1"));
    REQUIRE_OK(start_scen(&s, 0));
    /* A callback that reloads (the config changed meanwhile: version 2 added) returns, and the
     * reload it ran took effect. */
    au_counter done;
    au_counter_init(&done);
    reload_in_cb_ctx ctx = {.done = &done};
    atomic_init(&ctx.reload_code, 999);
    atomic_init(&ctx.flag, -1);
    REQUIRE(scen_add_version(&s, 2, 2));
    float input[AU_DUMMY_N];
    fill_input(input, 1.0f);
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(au_dummy_request(server, "dummy", input, &request));
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, reload_in_cb, &ctx));
    CHECK_OK(OVMS_InferenceAsync(server, request));
    AWAIT(&done, 1);
    CHECK_EQ(atomic_load(&ctx.flag), 0);
    CHECK_EQ(atomic_load(&ctx.reload_code), 0);
    CHECK_STATE("dummy", 2, OVMS_STATE_AVAILABLE);
    CHECK_STATE("dummy", 1, OVMS_STATE_RETIRED);
    OVMS_InferenceRequestDelete(request);
    au_counter_destroy(&done);
    stop_server();
    CHECK_EQ(take_code(OVMS_ExServerReload(server)), 256);
}

int main(void) {
    int exit_code = reload_test_begin("test_reload", "reload_work");
    if (exit_code != 0)
        return exit_code;

    RUN_TEST(test_stress_matrix, 240);
    RUN_TEST(test_zero_downtime, 90);
    RUN_TEST(test_new_version_latency, 60);
    RUN_TEST(test_bad_changes_keep_serving, 120);
    RUN_TEST(test_reload_memory, 180);
    RUN_TEST(test_reload_arguments_and_callbacks, 60);
    return reload_test_end();
}
