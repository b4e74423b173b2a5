/*
 * reload_util.h: what the config-reload stress tests share, over async_util.h: test_reload.c (on
 * models) and pipelines/test_pipeline_reload.c (on a pipeline over dummy).
 *
 * - Scenario folders: each test builds its repositories and config.json under
 *   <work_prefix>_<pid>/ in the working directory, from copies (never links: some cases truncate
 *   files) of models/dummy/1 (a = b + 1) and models/versioned/<v> (a = b + v), so every answer
 *   names the version it came from. The folder is removed at the end unless a check failed.
 * - The server of a scenario (start_scen, stop_server), codes (take_code), states (CHECK_STATE),
 *   pools (CHECK_REST), reloads (RELOAD_OK), answers (response_offset, infer, CHECK_ANSWER).
 * - The load: worker threads that call a servable in a loop and count the codes they get.
 * - The stress-matrix rows: code sets (SET, in_set), report_row, OVMS_TEST_ROW.
 *
 * Every call uses one FP32 [1,10] input and one output: dummy's b -> a, unless the test defines
 * RELOAD_INPUT_NAME and RELOAD_OUTPUT_NAME before including this header (a pipeline's names).
 */
#ifndef OVMS_C_TESTS_RELOAD_UTIL_H
#define OVMS_C_TESTS_RELOAD_UTIL_H

#include "async_util.h"

#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <sys/stat.h>

#ifndef RELOAD_INPUT_NAME
#define RELOAD_INPUT_NAME "b"
#define RELOAD_OUTPUT_NAME "a"
#endif

/* OVMS's success code and this harness's pseudo codes; a test adds the OVMS codes it expects. */
enum {
    SC_OK = 0,
    PC_BAD_VALUES = 1001,      /* OK, but the answer (or the metadata) is wrong */
    PC_CALLBACK_FAILED = 1002, /* an accepted async request completed with flag 1 */
    PC_CALLBACK_LOST = 1003,   /* an accepted async request got no callback */
    PC_NO_CODE = 1004,         /* OVMS_StatusCode failed */
    PC_REQUEST_FAILED = 1005,  /* building the request failed */
};
#define NCODES 1010 /* a load counts codes 0..NCODES-1; a larger one counts as the last */

/* A wait for something a change makes happen soon (a state, a slot count); valgrind is slow. */
static AU_UNUSED double bounded_wait_s(void) { return au_small() ? 60.0 : 10.0; }

/* ---- paths and files ------------------------------------------------------------------------- */
#define ROOT_MAX 1024 /* the roots are short, so every path built from them fits in PATH_MAX */
static char repo_root[PATH_MAX];
static char work_root[ROOT_MAX];
static int scen_counter = 0;
static int trash_counter = 0;

/* repo_root from the build's config folder (three levels below the root); work_root =
 * <cwd>/<work_prefix>_<pid>, created. */
static AU_UNUSED bool init_paths(const char *work_prefix) {
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/../../..", OVMS_ASYNC_CONFIG_DIR);
    if (realpath(path, repo_root) == NULL || strlen(repo_root) >= ROOT_MAX)
        return false;
    char cwd[ROOT_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL)
        return false;
    int n = snprintf(work_root, sizeof work_root, "%s/%s_%d", cwd, work_prefix, (int)getpid());
    return n > 0 && (size_t)n < sizeof work_root && mkdir(work_root, 0755) == 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static AU_UNUSED void rm_rf(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static AU_UNUSED bool copy_file(const char *src, const char *dst) {
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

/* Writes `len` bytes of `text` to path.tmp, then renames it over `path` (what editors do): a
 * reload or a scan never reads half a file, unless `len` cuts it on purpose. */
static AU_UNUSED bool write_atomic(const char *path, const char *text, size_t len) {
    char tmp[PATH_MAX + 24];
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
static AU_UNUSED void model_source(int v, char *out, size_t n) {
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

static AU_UNUSED bool scen_new(scen *s, const char *label) {
    snprintf(s->dir, sizeof s->dir, "%s/%02d_%.64s", work_root, (++scen_counter) % 100, label);
    snprintf(s->config, sizeof s->config, "%s/config.json", s->dir);
    snprintf(s->base, sizeof s->base, "%s/dummy", s->dir);
    return mkdir(s->dir, 0755) == 0 && mkdir(s->base, 0755) == 0;
}

/* Builds version folder `version` (the files of model version `files`) under a non-numeric name
 * (ignored by version scans), sets its mode, then renames it into place: a scan never sees it
 * half written. `bin_bytes` >= 0 truncates model.bin to that many bytes (a corrupt version). */
static AU_UNUSED bool scen_put_version(scen *s, int version, int files, long bin_bytes, mode_t mode) {
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

static AU_UNUSED bool scen_add_version(scen *s, int version, int files) {
    return scen_put_version(s, version, files, -1, 0755);
}

/* Moves version folder `version` out of the repository at once, then deletes it. */
static AU_UNUSED bool scen_remove_version(scen *s, int version) {
    char from[PATH_MAX + 32], to[PATH_MAX + 32];
    snprintf(from, sizeof from, "%s/%d", s->base, version);
    snprintf(to, sizeof to, "%s/.trash_%d", s->dir, ++trash_counter);
    if (rename(from, to) != 0)
        return false;
    rm_rf(to);
    return true;
}

/* ---- server ------------------------------------------------------------------------------------- */
static bool server_started = false;

/* (Re)starts the server on the scenario's config.json; `poll_seconds` 0: no watcher, changes
 * apply only through OVMS_ExServerReload. */
static AU_UNUSED OVMS_Status *start_scen(scen *s, uint32_t poll_seconds) {
    if (server_started)
        OVMS_ServerDelete(server);
    server_started = false;
    OVMS_Status *status = au_start_server_path(server, s->config, (int)poll_seconds);
    if (status == NULL)
        server_started = true;
    return status;
}

static AU_UNUSED void stop_server(void) {
    if (server_started)
        OVMS_ServerDelete(server);
    server_started = false;
}

/* The code of `status` (0 for NULL); deletes it. */
static AU_UNUSED uint32_t take_code(OVMS_Status *status) {
    if (status == NULL)
        return SC_OK;
    uint32_t code = au_code(status);
    OVMS_StatusDelete(status);
    return code == UINT32_MAX ? PC_NO_CODE : code;
}

static AU_UNUSED void reload_ok(const char *what, const char *file, int line) {
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

/* The state of a servable's version, or -(status code) when the call fails. */
static AU_UNUSED int servable_state(const char *name, int64_t version) {
    OVMS_ServableState state = OVMS_STATE_BEGIN;
    OVMS_Status *status = OVMS_GetServableState(server, name, version, &state);
    if (status != NULL)
        return -(int)take_code(status);
    return (int)state;
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
static AU_UNUSED void check_rest(const char *name, int64_t version, uint32_t nslots, const char *file, int line) {
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

/* ---- inference: answers that name their version ---------------------------------------------------- */
static AU_UNUSED void make_input(float *input, long seed) { fill_input(input, (float)(seed % 1000)); }

/* The k of a response RELOAD_OUTPUT_NAME = input + k (k in 1..9: the version that answered); 0
 * when the response is wrong. */
static AU_UNUSED int response_offset(OVMS_InferenceResponse *response, const float *input) {
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
    if (name == NULL || strcmp(name, RELOAD_OUTPUT_NAME) != 0 || datatype != OVMS_DATATYPE_FP32 || dims != 2 ||
        shape == NULL || shape[0] != 1 || shape[1] != AU_DUMMY_N || bytes != AU_DUMMY_N * sizeof(float) ||
        data == NULL || buffer_type != OVMS_BUFFERTYPE_CPU)
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

static AU_UNUSED OVMS_Status *new_request(const char *servable, int64_t version, const float *input,
                                          OVMS_InferenceRequest **out) {
    return au_dummy_request_on(server, servable, version, RELOAD_INPUT_NAME, input, out);
}

/* One sync inference: its code (PC_BAD_VALUES when OK with a wrong answer); *offset the version. */
static AU_UNUSED uint32_t infer_input(const char *servable, int64_t version, const float *input, int *offset) {
    *offset = 0;
    OVMS_InferenceRequest *request = NULL;
    if (take_code(new_request(servable, version, input, &request)) != SC_OK)
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

static AU_UNUSED uint32_t infer(const char *servable, int64_t version, int *offset) {
    float input[AU_DUMMY_N];
    make_input(input, 17);
    return infer_input(servable, version, input, offset);
}

/* Expects sync inference on (servable, version) to succeed, answered by version `offset`. */
static AU_UNUSED void check_answer(const char *servable, int64_t version, int offset, const char *file, int line) {
    int got = 0;
    uint32_t code = infer(servable, version, &got);
    if (code != SC_OK || got != offset) {
        char buf[200];
        snprintf(buf, sizeof buf, "inference on %s v%lld: code %u answered by v%d, expected OK by v%d", servable,
                 (long long)version, code, got, offset);
        au_fail(file, line, buf);
    }
}
#define CHECK_ANSWER(servable, version, offset) check_answer((servable), (version), (offset), __FILE__, __LINE__)

static AU_UNUSED void check_infer_code(const char *servable, int64_t version, uint32_t want, const char *file,
                                       int line) {
    int got = 0;
    uint32_t code = infer(servable, version, &got);
    if (code != want) {
        char buf[200];
        snprintf(buf, sizeof buf, "inference on %s v%lld: code %u, expected %u", servable, (long long)version,
                 code, want);
        au_fail(file, line, buf);
    }
}
#define CHECK_INFER_CODE(servable, version, want) \
    check_infer_code((servable), (version), (want), __FILE__, __LINE__)

/* Sync inference with a [1,11] input: served once dummy's shape is "auto" (dynamic), else refused. */
static AU_UNUSED uint32_t infer_shape_1x11(const char *servable) {
    static const int64_t shape[2] = {1, 11};
    float input[11];
    for (int i = 0; i < 11; i++)
        input[i] = (float)i;
    OVMS_InferenceRequest *request = NULL;
    uint32_t code = take_code(OVMS_InferenceRequestNew(&request, server, servable, 0));
    if (code == SC_OK)
        code = take_code(OVMS_InferenceRequestAddInput(request, RELOAD_INPUT_NAME, OVMS_DATATYPE_FP32, shape, 2));
    if (code == SC_OK)
        code = take_code(OVMS_InferenceRequestInputSetData(request, RELOAD_INPUT_NAME, input, sizeof input,
                                                           OVMS_BUFFERTYPE_CPU, 0));
    if (code == SC_OK) {
        OVMS_InferenceResponse *response = NULL;
        code = take_code(OVMS_Inference(server, request, &response));
        OVMS_InferenceResponseDelete(response);
    }
    OVMS_InferenceRequestDelete(request);
    return code;
}

/* ---- load: worker threads that call a servable in a loop and count the codes ------------------------ */
#define MAX_WORKERS 8
typedef struct load load;

/* A sync call a load's workers make instead of inference (e.g. metadata): its code; *offset the
 * version that answered (0: none). */
typedef uint32_t (*load_call)(const load *l, int *offset);

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
    const char *servable; /* what the workers call */
    int64_t version;
    load_call call; /* sync workers: this call, or (NULL) sync inference */
    long pause_ms;  /* after each call of a worker */
    int nworkers;
    atomic_bool stop;
    atomic_bool lost; /* a callback never came: the workers stopped */
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

/* One async request; false when its callback never came (the worker must stop: the library may
 * still write into it). */
static bool async_once(worker *w, uint32_t *code, int *offset) {
    OVMS_InferenceRequest *request = NULL;
    if (take_code(new_request(w->l->servable, w->l->version, w->input, &request)) != SC_OK) {
        *code = PC_REQUEST_FAILED;
        return true;
    }
    if (take_code(OVMS_InferenceRequestSetCompletionCallback(request, load_cb, w)) != SC_OK) {
        *code = PC_REQUEST_FAILED;
        OVMS_InferenceRequestDelete(request);
        return true;
    }
    *code = take_code(OVMS_InferenceAsync(server, request));
    if (*code == SC_OK) {
        long target = atomic_fetch_add(&w->accepted, 1) + 1;
        if (!au_counter_wait_stall(&w->done, target, AU_STALL_SECONDS / 2))
            return false;
        *offset = atomic_load(&w->cb_offset);
        *code = atomic_load(&w->cb_flag) != 0 ? PC_CALLBACK_FAILED : *offset == 0 ? PC_BAD_VALUES : SC_OK;
    }
    OVMS_InferenceRequestDelete(request);
    return true;
}

static void *worker_main(void *arg) {
    worker *w = arg;
    load *l = w->l;
    const long cap = 2000000; /* bound in count; the time bound is the test's */
    for (long i = 0; i < cap && !atomic_load(&l->stop); i++) {
        make_input(w->input, (long)w->id * 131 + i);
        uint32_t code = SC_OK;
        int offset = 0;
        if (w->async) {
            if (!async_once(w, &code, &offset)) {
                /* The library may still write into w: leave the request alone, stop. */
                load_record(l, PC_CALLBACK_LOST, 0);
                atomic_store(&l->lost, true);
                atomic_fetch_add(&w->requests, 1);
                break;
            }
        } else if (l->call != NULL) {
            code = l->call(l, &offset);
        } else {
            code = infer_input(l->servable, l->version, w->input, &offset);
        }
        load_record(l, code, offset);
        atomic_fetch_add(&w->requests, 1);
        if (l->pause_ms > 0)
            au_sleep_ms(l->pause_ms);
    }
    return NULL;
}

/* Starts `nworkers` threads on (servable, version); workers with index >= nsync are async, the
 * others make `call` (NULL: sync inference); each pauses `pause_ms` after a call. */
static AU_UNUSED bool load_start(load *l, const char *servable, int64_t version, int nworkers, int nsync,
                                 long pause_ms, load_call call) {
    memset(l, 0, sizeof *l);
    l->servable = servable;
    l->version = version;
    l->call = call;
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

static AU_UNUSED void load_snapshot(load *l, long *out) {
    for (int i = 0; i < l->nworkers; i++)
        out[i] = atomic_load(&l->w[i].requests);
}

/* Waits until every worker made `more` requests since `since` (NULL: since the start) and at least
 * `min_ms` passed; bounded by `timeout` seconds. */
static AU_UNUSED bool load_wait_each(load *l, const long *since, long more, long min_ms, double timeout) {
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
static AU_UNUSED void load_stop(load *l) {
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
        if (atomic_load(&l->lost))
            continue; /* the library may still write into w->done */
        long accepted = atomic_load(&w->accepted), callbacks = atomic_load(&w->callbacks);
        if (accepted != callbacks) {
            char buf[200];
            snprintf(buf, sizeof buf, "worker %d: %ld async requests accepted, %ld callbacks", i, accepted,
                     callbacks);
            au_fail(__FILE__, __LINE__, buf);
        }
        au_counter_destroy(&w->done);
    }
    CHECK(!atomic_load(&l->lost));
}

static AU_UNUSED long load_total(load *l) {
    long total = 0;
    for (int i = 0; i < NCODES; i++)
        total += atomic_load(&l->codes[i]);
    return total;
}

/* "{<label><i>:<count>,...}" of the non-zero counts[from..to-1]. */
static void format_counts(atomic_long *counts, int from, int to, const char *label, char *out, size_t n) {
    size_t used = (size_t)snprintf(out, n, "{");
    bool first = true;
    for (int i = from; i < to && used < n; i++) {
        long c = atomic_load(&counts[i]);
        if (c == 0)
            continue;
        used += (size_t)snprintf(out + used, n - used, "%s%s%d:%ld", first ? "" : ",", label, i, c);
        first = false;
    }
    if (used < n)
        snprintf(out + used, n - used, "}");
}

/* "{code:count,...}" of the codes seen. */
static AU_UNUSED void load_format_codes(load *l, char *out, size_t n) {
    format_counts(l->codes, 0, NCODES, "", out, n);
}

/* "{v<version>:count,...}" of the versions that answered OK. */
static AU_UNUSED void load_format_versions(load *l, char *out, size_t n) {
    format_counts(l->offsets, 1, 10, "v", out, n);
}

/* ---- the stress matrix's rows ------------------------------------------------------------------------ */
#define MAX_SET 8
#define SET(...) {__VA_ARGS__, -1}
#define NONE {-1}

/* Is `code` in `set` (at most MAX_SET codes, -1 ends)? */
static AU_UNUSED bool in_set(const int *set, int code) {
    for (int i = 0; i < MAX_SET && set[i] >= 0; i++)
        if (set[i] == code)
            return true;
    return false;
}

/* Requests each thread makes before and after the change: the change meets a loaded server,
 * and what it leaves in force is seen by every thread. */
static AU_UNUSED long row_k(void) { return au_scaled(30, 3); }

/* OVMS_TEST_ROW=<part of a row name> runs only those rows. */
static AU_UNUSED bool row_selected(const char *name) {
    const char *only = getenv("OVMS_TEST_ROW");
    return only == NULL || *only == '\0' || strstr(name, only) != NULL;
}

/* "  <-- FAILED" when a check failed since `failed_before` (for the summary lines). */
static AU_UNUSED const char *failed_mark(int failed_before) {
    return atomic_load(&au_current_failed) > failed_before ? "  <-- FAILED" : "";
}

/* After a row's load stopped: every code it got is in `required`, `one_of` (NULL: the row has
 * none) or `allowed`, each required code and one of `one_of` were seen; then prints the row's
 * line "row <name>: <total> <unit>, codes {...}, answered by {...}". */
static AU_UNUSED void report_row(const char *name, const char *unit, load *l, const int *required,
                                 const int *one_of, const int *allowed, int failed_before) {
    char codes[1024], versions[256], buf[1400];
    load_format_codes(l, codes, sizeof codes);
    load_format_versions(l, versions, sizeof versions);
    for (int c = 0; c < NCODES; c++) {
        long n = atomic_load(&l->codes[c]);
        if (n > 0 && !in_set(required, c) && !(one_of != NULL && in_set(one_of, c)) && !in_set(allowed, c)) {
            snprintf(buf, sizeof buf, "row %s: code %d returned %ld times, not allowed (codes %s)", name, c, n,
                     codes);
            au_fail(__FILE__, __LINE__, buf);
        }
    }
    for (int i = 0; i < MAX_SET && required[i] >= 0; i++) {
        if (atomic_load(&l->codes[required[i]]) == 0) {
            snprintf(buf, sizeof buf, "row %s: required code %d never seen (codes %s)", name, required[i], codes);
            au_fail(__FILE__, __LINE__, buf);
        }
    }
    if (one_of != NULL && one_of[0] >= 0) {
        long seen = 0;
        for (int i = 0; i < MAX_SET && one_of[i] >= 0; i++)
            seen += atomic_load(&l->codes[one_of[i]]);
        if (seen == 0) {
            snprintf(buf, sizeof buf, "row %s: none of its \"one of\" codes seen (codes %s)", name, codes);
            au_fail(__FILE__, __LINE__, buf);
        }
    }
    printf("row %s: %ld %s, codes %s, answered by %s%s\n", name, load_total(l), unit, codes, versions,
           failed_mark(failed_before));
    fflush(stdout);
}

/* ---- main ------------------------------------------------------------------------------------------ */
/* The start of a reload test: the watchdog, the paths, the server object. 0 when the tests can
 * run, else main's exit code. */
static AU_UNUSED int reload_test_begin(const char *test, const char *work_prefix) {
    au_start_watchdog();
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("%s (scale: %s)\n", test, au_small() ? "small" : "full");
    au_main_thread = pthread_self();
    if (!init_paths(work_prefix)) {
        fprintf(stderr, "cannot find the repository from %s or create the work folder\n", OVMS_ASYNC_CONFIG_DIR);
        return 2;
    }
    if (!au_expect_ok(OVMS_ServerNew(&server), "OVMS_ServerNew", __FILE__, __LINE__))
        return au_summary(); /* non-zero: a check failed */
    return 0;
}

/* The end: the last server stopped (the watchdog still on), the work folder removed unless a check
 * failed, the summary line; main's exit code. */
static AU_UNUSED int reload_test_end(void) {
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

#endif /* OVMS_C_TESTS_RELOAD_UTIL_H */
