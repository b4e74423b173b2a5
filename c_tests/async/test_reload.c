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
#include "async_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <sys/stat.h>

enum {
    SC_OK = 0,
    SC_CONFIG_FILE_INVALID = 4,
    SC_JSON_INVALID = 7,
    SC_MODEL_NAME_MISSING = 45,
    SC_MODEL_VERSION_MISSING = 47,
    SC_NOT_LOADED_ANYMORE = 48,
    SC_NOT_LOADED_YET = 49,
    SC_INVALID_BATCH_SIZE = 56,
    SC_INVALID_SHAPE = 57,
    SC_NAME_MISSING = 144,
    /* pseudo codes of this test */
    PC_BAD_VALUES = 1001,      /* OK, but the answer is not b + version */
    PC_CALLBACK_FAILED = 1002, /* an accepted async request completed with flag 1 */
    PC_CALLBACK_LOST = 1003,   /* an accepted async request got no callback */
    PC_NO_CODE = 1004,         /* OVMS_StatusCode failed */
    PC_REQUEST_FAILED = 1005,  /* building the request failed */
};
#define NCODES 1010

static double bounded_wait_s(void) { return au_small() ? 60.0 : 10.0; }

/* ---- paths and files ------------------------------------------------------------------------- */
#define ROOT_MAX 1024 /* the roots are short, so every path built from them fits in PATH_MAX */
static char repo_root[PATH_MAX];
static char work_root[ROOT_MAX];
static int scen_counter = 0;
static int trash_counter = 0;

static bool init_paths(void) {
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/../../..", OVMS_ASYNC_CONFIG_DIR);
    if (realpath(path, repo_root) == NULL || strlen(repo_root) >= ROOT_MAX)
        return false;
    char cwd[ROOT_MAX - 32];
    if (getcwd(cwd, sizeof cwd) == NULL)
        return false;
    snprintf(work_root, sizeof work_root, "%s/reload_work_%d", cwd, (int)getpid());
    return mkdir(work_root, 0755) == 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void rm_rf(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static bool copy_file(const char *src, const char *dst) {
    FILE *in = fopen(src, "rb");
    if (in == NULL)
        return false;
    FILE *out = fopen(dst, "wb");
    if (out == NULL) {
        fclose(in);
        return false;
    }
    char buf[65536];
    size_t n;
    bool ok = true;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            ok = false;
    fclose(in);
    return fclose(out) == 0 && ok;
}

/* Writes `len` bytes of `text` to path.tmp, then renames it over `path` (what editors do). */
static bool write_atomic(const char *path, const char *text, size_t len) {
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        return false;
    bool ok = fwrite(text, 1, len, f) == len;
    ok = fflush(f) == 0 && ok;
    fsync(fileno(f));
    ok = fclose(f) == 0 && ok;
    return ok && rename(tmp, path) == 0;
}

/* The model files of version `v`: models/dummy/1 for 1, models/versioned/<v> otherwise. */
static void model_source(int v, char *out, size_t n) {
    if (v == 1)
        snprintf(out, n, "%.*s/models/dummy/1", ROOT_MAX, repo_root);
    else
        snprintf(out, n, "%.*s/models/versioned/%d", ROOT_MAX, repo_root, v % 10);
}

/* A scenario: a folder with config.json and the repository of `dummy`. */
typedef struct {
    char dir[PATH_MAX];
    char config[PATH_MAX + 16];
    char base[PATH_MAX + 16];
} scen;

static bool scen_new(scen *s, const char *label) {
    snprintf(s->dir, sizeof s->dir, "%s/%02d_%.64s", work_root, (++scen_counter) % 100, label);
    snprintf(s->config, sizeof s->config, "%s/config.json", s->dir);
    snprintf(s->base, sizeof s->base, "%s/dummy", s->dir);
    return mkdir(s->dir, 0755) == 0 && mkdir(s->base, 0755) == 0;
}

/* Builds version folder `version` (the files of model version `files`) under a non-numeric name
 * (ignored by version scans), sets its mode, then renames it into place: a scan never sees it
 * half written. `bin_bytes` >= 0 truncates model.bin to that many bytes (a corrupt version). */
static bool scen_put_version(scen *s, int version, int files, long bin_bytes, mode_t mode) {
    char src[PATH_MAX], tmp[PATH_MAX + 64], dst[PATH_MAX + 64], a[PATH_MAX + 80], b[PATH_MAX + 80];
    model_source(files, src, sizeof src);
    snprintf(tmp, sizeof tmp, "%s/.building_%d", s->base, version);
    snprintf(dst, sizeof dst, "%s/%d", s->base, version);
    rm_rf(tmp);
    if (mkdir(tmp, 0755) != 0)
        return false;
    bool ok = true;
    const char *names[] = {"model.xml", "model.bin"};
    for (int i = 0; i < 2; i++) {
        snprintf(a, sizeof a, "%s/%s", src, names[i]);
        snprintf(b, sizeof b, "%s/%s", tmp, names[i]);
        ok = copy_file(a, b) && ok;
    }
    if (bin_bytes >= 0) {
        snprintf(b, sizeof b, "%s/model.bin", tmp);
        ok = truncate(b, (off_t)bin_bytes) == 0 && ok;
    }
    ok = chmod(tmp, mode) == 0 && ok;
    return ok && rename(tmp, dst) == 0;
}

static bool scen_add_version(scen *s, int version, int files) {
    return scen_put_version(s, version, files, -1, 0755);
}

/* Moves version folder `version` out of the repository at once, then deletes it. */
static bool scen_remove_version(scen *s, int version) {
    char from[PATH_MAX + 32], to[PATH_MAX + 32];
    snprintf(from, sizeof from, "%s/%d", s->base, version);
    snprintf(to, sizeof to, "%s/.trash_%d", s->dir, ++trash_counter);
    if (rename(from, to) != 0)
        return false;
    rm_rf(to);
    return true;
}

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
static bool server_started = false;

static OVMS_Status *start_scen(scen *s, uint32_t poll_seconds) {
    if (server_started)
        OVMS_ServerDelete(server);
    server_started = false;
    OVMS_ServerSettings *settings = NULL;
    OVMS_ModelsSettings *models = NULL;
    OVMS_Status *status = OVMS_ServerSettingsNew(&settings);
    if (status == NULL)
        status = OVMS_ModelsSettingsNew(&models);
    if (status == NULL)
        status = OVMS_ServerSettingsSetLogLevel(settings, OVMS_LOG_ERROR);
    if (status == NULL)
        status = OVMS_ServerSettingsSetFileSystemPollWaitSeconds(settings, poll_seconds);
    if (status == NULL)
        status = OVMS_ModelsSettingsSetConfigPath(models, s->config);
    if (status == NULL)
        status = OVMS_ServerStartFromConfigurationFile(server, settings, models);
    if (status == NULL)
        server_started = true;
    OVMS_ModelsSettingsDelete(models);
    OVMS_ServerSettingsDelete(settings);
    return status;
}

static void stop_server(void) {
    if (server_started)
        OVMS_ServerDelete(server);
    server_started = false;
}

/* The code of `status` (0 for NULL); deletes it. */
static uint32_t take_code(OVMS_Status *status) {
    if (status == NULL)
        return SC_OK;
    uint32_t code = au_code(status);
    OVMS_StatusDelete(status);
    return code == UINT32_MAX ? PC_NO_CODE : code;
}

/* The state of a version, or -(status code) when the call fails. */
static int servable_state(const char *name, int64_t version) {
    OVMS_ServableState state = OVMS_STATE_BEGIN;
    OVMS_Status *status = OVMS_GetServableState(server, name, version, &state);
    if (status != NULL)
        return -(int)take_code(status);
    return (int)state;
}

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

#define CHECK_STATE(name, version, want)                                                                  \
    do {                                                                                                  \
        int st_ = servable_state((name), (version));                                                      \
        if (st_ != (want)) {                                                                              \
            char b_[200];                                                                                 \
            snprintf(b_, sizeof b_, "state of %s v%lld: %d, expected %d (negative: the call's code)",     \
                     (name), (long long)(version), st_, (int)(want));                                     \
            au_fail(__FILE__, __LINE__, b_);                                                              \
        }                                                                                                 \
    } while (0)

/* Expects the pool of a version at rest with `nslots` slots (any count when nslots is 0). */
static void check_rest(const char *name, int64_t version, uint32_t nslots, const char *file, int line) {
    uint32_t slots = 0, idle = 0, queued = 0;
    OVMS_Status *status = OVMS_ExServableSlots(server, name, version, &slots, &idle, &queued);
    char buf[240];
    if (status != NULL) {
        snprintf(buf, sizeof buf, "OVMS_ExServableSlots(%s, %lld): code %u", name, (long long)version,
                 take_code(status));
        au_fail(file, line, buf);
        return;
    }
    if ((nslots != 0 && slots != nslots) || idle != slots || queued != 0) {
        snprintf(buf, sizeof buf, "pool of %s v%lld not at rest: slots %u (expected %u), idle %u, queued %u", name,
                 (long long)version, slots, nslots, idle, queued);
        au_fail(file, line, buf);
    }
}
#define CHECK_REST(name, version, nslots) check_rest((name), (version), (nslots), __FILE__, __LINE__)

static uint32_t slot_count(const char *name, int64_t version) {
    uint32_t slots = 0, idle = 0, queued = 0;
    if (take_code(OVMS_ExServableSlots(server, name, version, &slots, &idle, &queued)) != SC_OK)
        return 0;
    return slots;
}

/* ---- inference ------------------------------------------------------------------------------------ */
static void make_input(float *input, long seed) { fill_input(input, (float)(seed % 1000)); }

/* The k of a response a = b + k (k in 1..9: the version of these models); 0 when it is wrong. */
static int response_offset(OVMS_InferenceResponse *response, const float *input) {
    uint32_t count = 0;
    if (take_code(OVMS_InferenceResponseOutputCount(response, &count)) != SC_OK || count != 1)
        return 0;
    const char *name = NULL;
    OVMS_DataType datatype = OVMS_DATATYPE_UNDEFINED;
    const int64_t *shape = NULL;
    size_t dims = 0, bytes = 0;
    const void *data = NULL;
    OVMS_BufferType buffer_type = OVMS_BUFFERTYPE_HDDL;
    uint32_t device = 99;
    if (take_code(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, &dims, &data, &bytes,
                                               &buffer_type, &device)) != SC_OK)
        return 0;
    if (name == NULL || strcmp(name, "a") != 0 || datatype != OVMS_DATATYPE_FP32 || dims != 2 || shape == NULL ||
        shape[0] != 1 || shape[1] != AU_DUMMY_N || bytes != AU_DUMMY_N * sizeof(float) || data == NULL)
        return 0;
    const float *values = data;
    long k = lroundf(values[0] - input[0]);
    if (k < 1 || k > 9)
        return 0;
    for (int i = 0; i < AU_DUMMY_N; i++)
        if (values[i] != input[i] + (float)k)
            return 0;
    return (int)k;
}

static OVMS_Status *new_request(const char *model, int64_t version, const float *input, OVMS_InferenceRequest **out) {
    OVMS_InferenceRequest *request = NULL;
    OVMS_Status *status = OVMS_InferenceRequestNew(&request, server, model, version);
    if (status == NULL)
        status = OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, AU_DUMMY_SHAPE, 2);
    if (status == NULL)
        status = OVMS_InferenceRequestInputSetData(request, "b", input, AU_DUMMY_N * sizeof(float),
                                                   OVMS_BUFFERTYPE_CPU, 0);
    if (status != NULL) {
        OVMS_InferenceRequestDelete(request);
        request = NULL;
    }
    *out = request;
    return status;
}

/* One sync inference: its code (PC_BAD_VALUES when OK with a wrong answer); *offset the version. */
static uint32_t infer_input(const char *model, int64_t version, const float *input, int *offset) {
    *offset = 0;
    OVMS_InferenceRequest *request = NULL;
    if (take_code(new_request(model, version, input, &request)) != SC_OK)
        return PC_REQUEST_FAILED;
    OVMS_InferenceResponse *response = NULL;
    uint32_t code = take_code(OVMS_Inference(server, request, &response));
    if (code == SC_OK) {
        *offset = response_offset(response, input);
        if (*offset == 0)
            code = PC_BAD_VALUES;
    }
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
    return code;
}

static uint32_t infer(const char *model, int64_t version, int *offset) {
    float input[AU_DUMMY_N];
    make_input(input, 17);
    return infer_input(model, version, input, offset);
}

/* Expects sync inference on (model, version) to succeed, answered by version `offset`. */
static void check_answer(const char *model, int64_t version, int offset, const char *file, int line) {
    int got = 0;
    uint32_t code = infer(model, version, &got);
    if (code != SC_OK || got != offset) {
        char buf[200];
        snprintf(buf, sizeof buf, "inference on %s v%lld: code %u answered by v%d, expected OK by v%d", model,
                 (long long)version, code, got, offset);
        au_fail(file, line, buf);
    }
}
#define CHECK_ANSWER(model, version, offset) check_answer((model), (version), (offset), __FILE__, __LINE__)

static void check_infer_code(const char *model, int64_t version, uint32_t want, const char *file, int line) {
    int got = 0;
    uint32_t code = infer(model, version, &got);
    if (code != want) {
        char buf[200];
        snprintf(buf, sizeof buf, "inference on %s v%lld: code %u, expected %u", model, (long long)version, code,
                 want);
        au_fail(file, line, buf);
    }
}
#define CHECK_INFER_CODE(model, version, want) check_infer_code((model), (version), (want), __FILE__, __LINE__)

/* ---- load: worker threads that infer in a loop and count the codes ---------------------------------- */
#define MAX_WORKERS 8
typedef struct load load;

typedef struct {
    load *l;
    int id;
    bool async;
    pthread_t thread;
    atomic_long requests;
    atomic_long accepted;  /* async: OVMS_InferenceAsync returned NULL */
    atomic_long callbacks; /* async: callbacks that ran */
    atomic_int cb_flag;
    atomic_int cb_offset;
    float input[AU_DUMMY_N];
    au_counter done;
} worker;

struct load {
    const char *model;
    int64_t version;
    int nworkers;
    long pause_ms;
    atomic_bool stop;
    atomic_bool lost;
    atomic_long codes[NCODES];
    atomic_long offsets[10];
    worker w[MAX_WORKERS];
};

static void load_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    worker *w = user;
    int offset = 0;
    if (flag == 0 && response != NULL)
        offset = response_offset(response, w->input);
    if (response != NULL)
        OVMS_InferenceResponseDelete(response);
    atomic_store(&w->cb_flag, (int)flag);
    atomic_store(&w->cb_offset, offset);
    atomic_fetch_add(&w->callbacks, 1);
    au_counter_add(&w->done, 1);
}

static void load_record(load *l, uint32_t code, int offset) {
    atomic_fetch_add(&l->codes[code < NCODES ? code : NCODES - 1], 1);
    if (code == SC_OK && offset >= 0 && offset < 10)
        atomic_fetch_add(&l->offsets[offset], 1);
}

static void *worker_main(void *arg) {
    worker *w = arg;
    load *l = w->l;
    const long cap = 2000000; /* bound in count; the time bound is the test's */
    for (long i = 0; i < cap && !atomic_load(&l->stop); i++) {
        make_input(w->input, (long)w->id * 131 + i);
        uint32_t code;
        int offset = 0;
        if (!w->async) {
            code = infer_input(l->model, l->version, w->input, &offset);
        } else {
            OVMS_InferenceRequest *request = NULL;
            code = take_code(new_request(l->model, l->version, w->input, &request));
            if (code != SC_OK) {
                code = PC_REQUEST_FAILED;
            } else if (take_code(OVMS_InferenceRequestSetCompletionCallback(request, load_cb, w)) != SC_OK) {
                code = PC_REQUEST_FAILED;
                OVMS_InferenceRequestDelete(request);
            } else {
                code = take_code(OVMS_InferenceAsync(server, request));
                if (code == SC_OK) {
                    long target = atomic_fetch_add(&w->accepted, 1) + 1;
                    if (!au_counter_wait_stall(&w->done, target, AU_STALL_SECONDS / 2)) {
                        /* The library may still write into w: leave the request alone, stop. */
                        load_record(l, PC_CALLBACK_LOST, 0);
                        atomic_store(&l->lost, true);
                        atomic_fetch_add(&w->requests, 1);
                        break;
                    }
                    offset = atomic_load(&w->cb_offset);
                    code = atomic_load(&w->cb_flag) != 0 ? PC_CALLBACK_FAILED
                           : offset == 0                 ? PC_BAD_VALUES
                                                         : SC_OK;
                }
                OVMS_InferenceRequestDelete(request);
            }
        }
        load_record(l, code, offset);
        atomic_fetch_add(&w->requests, 1);
        if (l->pause_ms > 0)
            au_sleep_ms(l->pause_ms);
    }
    return NULL;
}

/* Starts `nworkers` threads on (model, version); workers with index >= nsync are async. */
static bool load_start(load *l, const char *model, int64_t version, int nworkers, int nsync, long pause_ms) {
    memset(l, 0, sizeof *l);
    l->model = model;
    l->version = version;
    l->nworkers = 0;
    l->pause_ms = pause_ms;
    atomic_init(&l->stop, false);
    atomic_init(&l->lost, false);
    for (int i = 0; i < NCODES; i++)
        atomic_init(&l->codes[i], 0);
    for (int i = 0; i < 10; i++)
        atomic_init(&l->offsets[i], 0);
    for (int i = 0; i < nworkers && i < MAX_WORKERS; i++) {
        worker *w = &l->w[i];
        w->l = l;
        w->id = i;
        w->async = i >= nsync;
        atomic_init(&w->requests, 0);
        atomic_init(&w->accepted, 0);
        atomic_init(&w->callbacks, 0);
        atomic_init(&w->cb_flag, -1);
        atomic_init(&w->cb_offset, 0);
        au_counter_init(&w->done);
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            au_counter_destroy(&w->done);
            au_fail(__FILE__, __LINE__, "pthread_create failed");
            return false;
        }
        l->nworkers++;
    }
    return true;
}

static void load_snapshot(load *l, long *out) {
    for (int i = 0; i < l->nworkers; i++)
        out[i] = atomic_load(&l->w[i].requests);
}

/* Waits until every worker made `more` requests since `since` (NULL: since the start) and at least
 * `min_ms` passed; bounded by `timeout` seconds. */
static bool load_wait_each(load *l, const long *since, long more, long min_ms, double timeout) {
    double started = au_now();
    for (;;) {
        bool all = au_now() - started >= (double)min_ms / 1000.0;
        for (int i = 0; i < l->nworkers && all; i++)
            if (atomic_load(&l->w[i].requests) < (since ? since[i] : 0) + more)
                all = false;
        if (all)
            return true;
        if (au_now() - started > timeout || atomic_load(&l->lost))
            return false;
        au_sleep_ms(2);
    }
}

/* Stops and joins the workers; then checks that every accepted async request got exactly one
 * callback (after a settling pause, so a late duplicate is seen too). */
static void load_stop(load *l) {
    atomic_store(&l->stop, true);
    for (int i = 0; i < l->nworkers; i++)
        pthread_join(l->w[i].thread, NULL);
    bool any_async = false;
    for (int i = 0; i < l->nworkers; i++)
        any_async = any_async || l->w[i].async;
    if (any_async && !atomic_load(&l->lost))
        au_sleep_ms(150);
    for (int i = 0; i < l->nworkers; i++) {
        worker *w = &l->w[i];
        if (w->async && !atomic_load(&l->lost)) {
            long accepted = atomic_load(&w->accepted), callbacks = atomic_load(&w->callbacks);
            if (accepted != callbacks) {
                char buf[200];
                snprintf(buf, sizeof buf, "worker %d: %ld async requests accepted, %ld callbacks", i, accepted,
                         callbacks);
                au_fail(__FILE__, __LINE__, buf);
            }
        }
        if (!atomic_load(&l->lost))
            au_counter_destroy(&w->done);
    }
    CHECK(!atomic_load(&l->lost));
}

static long load_total(load *l) {
    long total = 0;
    for (int i = 0; i < NCODES; i++)
        total += atomic_load(&l->codes[i]);
    return total;
}

static void load_format_codes(load *l, char *out, size_t n) {
    size_t used = (size_t)snprintf(out, n, "{");
    bool first = true;
    for (int i = 0; i < NCODES && used < n; i++) {
        long c = atomic_load(&l->codes[i]);
        if (c == 0)
            continue;
        used += (size_t)snprintf(out + used, n - used, "%s%d:%ld", first ? "" : ",", i, c);
        first = false;
    }
    if (used < n)
        snprintf(out + used, n - used, "}");
}

static void load_format_versions(load *l, char *out, size_t n) {
    size_t used = (size_t)snprintf(out, n, "{");
    bool first = true;
    for (int i = 1; i < 10 && used < n; i++) {
        long c = atomic_load(&l->offsets[i]);
        if (c == 0)
            continue;
        used += (size_t)snprintf(out + used, n - used, "%sv%d:%ld", first ? "" : ",", i, c);
        first = false;
    }
    if (used < n)
        snprintf(out + used, n - used, "}");
}

/* ---- 1. the stress matrix ------------------------------------------------------------------------ */
#define MAX_SET 8
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

static bool in_set(const int *set, int code) {
    for (int i = 0; i < MAX_SET && set[i] >= 0; i++)
        if (set[i] == code)
            return true;
    return false;
}

static long row_k(void) { return au_scaled(30, 3); }

#define CHECK_TRUE_MSG(cond, msg) ((void)au_check((cond) ? true : false, msg, __FILE__, __LINE__))

static void reload_ok(const char *what, const char *file, int line) {
    OVMS_Status *status = OVMS_ExServerReload(server);
    if (status != NULL) {
        char buf[300];
        snprintf(buf, sizeof buf, "OVMS_ExServerReload (%s): code %u (%s)", what, au_code(status),
                 au_details(status));
        OVMS_StatusDelete(status);
        au_fail(file, line, buf);
    }
}
#define RELOAD_OK(what) reload_ok((what), __FILE__, __LINE__)

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
static uint32_t infer_shape_1x11(void);
static void change_auto_shape(scen *s, load *l) {
    (void)l;
    CHECK_EQ(infer_shape_1x11(), SC_INVALID_SHAPE); /* before the change: a wrong shape */
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
/* Sync inference with a [1,11] input: served once the shape is "auto" (dynamic), else refused. */
static uint32_t infer_shape_1x11(void) {
    static const int64_t shape[2] = {1, 11};
    float input[11];
    for (int i = 0; i < 11; i++)
        input[i] = (float)i;
    OVMS_InferenceRequest *request = NULL;
    uint32_t code = take_code(OVMS_InferenceRequestNew(&request, server, "dummy", 0));
    if (code == SC_OK)
        code = take_code(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, shape, 2));
    if (code == SC_OK)
        code = take_code(OVMS_InferenceRequestInputSetData(request, "b", input, sizeof input, OVMS_BUFFERTYPE_CPU, 0));
    if (code == SC_OK) {
        OVMS_InferenceResponse *response = NULL;
        code = take_code(OVMS_Inference(server, request, &response));
        OVMS_InferenceResponseDelete(response);
    }
    OVMS_InferenceRequestDelete(request);
    return code;
}

static void after_auto_shape(scen *s) {
    (void)s;
    CHECK_STATE("dummy", 1, OVMS_STATE_AVAILABLE);
    CHECK_REST("dummy", 1, 4);
    CHECK_ANSWER("dummy", 0, 1);
    CHECK_EQ(infer_shape_1x11(), SC_OK); /* the new shape is in force */
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

#define SET(...) {__VA_ARGS__, -1}
#define NONE {-1}

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

static bool row_selected(const char *name) {
    const char *only = getenv("OVMS_TEST_ROW");
    return only == NULL || *only == '\0' || strstr(name, only) != NULL;
}

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
    if (!load_start(&l, "dummy", 0, 8, r->async ? 0 : 8, 0)) {
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

    char codes[1024], versions[256], buf[1400];
    load_format_codes(&l, codes, sizeof codes);
    load_format_versions(&l, versions, sizeof versions);
    for (int c = 0; c < NCODES; c++) {
        long n = atomic_load(&l.codes[c]);
        if (n > 0 && !in_set(r->required, c) && !in_set(r->one_of, c) && !in_set(r->allowed, c)) {
            snprintf(buf, sizeof buf, "row %s: code %d returned %ld times, not allowed (codes %s)", r->name, c, n,
                     codes);
            au_fail(__FILE__, __LINE__, buf);
        }
    }
    for (int i = 0; i < MAX_SET && r->required[i] >= 0; i++) {
        if (atomic_load(&l.codes[r->required[i]]) == 0) {
            snprintf(buf, sizeof buf, "row %s: required code %d never seen (codes %s)", r->name, r->required[i],
                     codes);
            au_fail(__FILE__, __LINE__, buf);
        }
    }
    if (r->one_of[0] >= 0) {
        long seen = 0;
        for (int i = 0; i < MAX_SET && r->one_of[i] >= 0; i++)
            seen += atomic_load(&l.codes[r->one_of[i]]);
        if (seen == 0) {
            snprintf(buf, sizeof buf, "row %s: none of its \"one of\" codes seen (codes %s)", r->name, codes);
            au_fail(__FILE__, __LINE__, buf);
        }
    }
    printf("row %s: %ld requests, codes %s, answered by %s%s\n", r->name, load_total(&l), codes, versions,
           atomic_load(&au_current_failed) > failed_before ? "  <-- FAILED" : "");
    fflush(stdout);
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
    REQUIRE(load_start(&l, "dummy", 0, 8, 4, 0));
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

/* " <-- FAILED" when a check failed since `failed_before` (for the summary lines). */
static const char *failed_mark(int failed_before) {
    return atomic_load(&au_current_failed) > failed_before ? "  <-- FAILED" : "";
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
    REQUIRE(load_start(&l, "dummy", 0, 2, 1, 2));
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
    au_start_watchdog();
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("test_reload (scale: %s)\n", au_small() ? "small" : "full");
    au_main_thread = pthread_self();
    if (!init_paths()) {
        fprintf(stderr, "cannot find the repository from %s or create the work folder\n", OVMS_ASYNC_CONFIG_DIR);
        return 2;
    }
    if (!au_expect_ok(OVMS_ServerNew(&server), "OVMS_ServerNew", __FILE__, __LINE__))
        return au_summary();

    RUN_TEST(test_stress_matrix, 240);
    RUN_TEST(test_zero_downtime, 90);
    RUN_TEST(test_new_version_latency, 60);
    RUN_TEST(test_bad_changes_keep_serving, 120);
    RUN_TEST(test_reload_memory, 180);
    RUN_TEST(test_reload_arguments_and_callbacks, 60);

    atomic_store(&au_current_test, "(final shutdown)");
    atomic_store(&au_deadline, au_now() + (au_small() ? 600 : 120));
    stop_server();
    atomic_store(&au_deadline, 0.0);
    if (atomic_load(&au_failed_checks) == 0)
        rm_rf(work_root);
    else
        printf("kept %s for inspection\n", work_root);
    return au_summary();
}
