/*
 * bench_common.h: what the two benchmark hosts share, so that both sides are timed, fed and
 * reported identically: clock, random input, per-thread completion queues, latency statistics,
 * VmRSS, option parsing helpers and the result lines.
 *
 * capi_benchmark.c (ours, through ovms.h) and bare_openvino.c (OpenVINO's C API directly) both
 * include it. Header-only (static functions); C11 + pthreads.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EX_OK_ 0
#define EX_USAGE_ 64
#define EX_SOFTWARE_ 70
#define EX_CONFIG_ 78

/* ---------------------------------------------------------------- time */

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------- random input */

static inline uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Fills `bytes` with random data: uniform [0,1) floats when `is_f32` (conv nets run
 * data-dependently faster on zeros, so never zeros), otherwise small random bytes (0..63,
 * which keeps f16/bf16 finite and integers small). */
static void fill_random(void *buffer, size_t bytes, bool is_f32, uint64_t seed) {
    uint64_t state = seed * 0x2545F4914F6CDD1Dull + 1;
    if (is_f32) {
        float *f = (float *)buffer;
        for (size_t i = 0; i < bytes / sizeof(float); i++)
            f[i] = (float)(splitmix64(&state) >> 40) / (float)(1u << 24);
    } else {
        unsigned char *b = (unsigned char *)buffer;
        for (size_t i = 0; i < bytes; i++) b[i] = (unsigned char)(splitmix64(&state) & 0x3F);
    }
}

static uint64_t default_seed(void) { return now_ns() ^ ((uint64_t)getpid() << 32); }

/* ---------------------------------------------------------------- memory */

/* VmRSS of this process in KiB, from /proc/self/status (-1 if unreadable). */
static long vm_rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

/* ---------------------------------------------------------------- completion queue
 * One per client thread in async mode: completion callbacks (library or OpenVINO threads)
 * push the index of the finished job, the client thread pops them all at once. */

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint32_t *items;
    size_t capacity, head, count;
} completion_queue;

static void cq_init(completion_queue *q, size_t capacity) {
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    q->items = (uint32_t *)calloc(capacity, sizeof(uint32_t));
    q->capacity = capacity;
    q->head = q->count = 0;
}

static void cq_destroy(completion_queue *q) {
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
    free(q->items);
}

/* Never blocks: a job is in the queue at most once, and capacity = jobs of the thread. */
static void cq_push(completion_queue *q, uint32_t item) {
    pthread_mutex_lock(&q->lock);
    q->items[(q->head + q->count) % q->capacity] = item;
    q->count++;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

/* Blocks until at least one item is queued, then moves all of them into `out`. */
static size_t cq_pop_all(completion_queue *q, uint32_t *out) {
    pthread_mutex_lock(&q->lock);
    while (q->count == 0) pthread_cond_wait(&q->cond, &q->lock);
    size_t n = q->count;
    for (size_t i = 0; i < n; i++) out[i] = q->items[(q->head + i) % q->capacity];
    q->head = (q->head + n) % q->capacity;
    q->count = 0;
    pthread_mutex_unlock(&q->lock);
    return n;
}

/* ---------------------------------------------------------------- start barrier */

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int ready, expected, go;
} start_gate;

static void gate_init(start_gate *g, int expected) {
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->cond, NULL);
    g->ready = 0;
    g->expected = expected;
    g->go = 0;
}

/* Worker: announce readiness, wait for the common start signal. */
static void gate_ready_and_wait(start_gate *g) {
    pthread_mutex_lock(&g->lock);
    g->ready++;
    pthread_cond_broadcast(&g->cond);
    while (!g->go) pthread_cond_wait(&g->cond, &g->lock);
    pthread_mutex_unlock(&g->lock);
}

/* Main: wait until every worker is ready. */
static void gate_wait_ready(start_gate *g) {
    pthread_mutex_lock(&g->lock);
    while (g->ready < g->expected) pthread_cond_wait(&g->cond, &g->lock);
    pthread_mutex_unlock(&g->lock);
}

static void gate_open(start_gate *g) {
    pthread_mutex_lock(&g->lock);
    g->go = 1;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
}

/* ---------------------------------------------------------------- statistics */

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array, p in [0,1]. */
static double percentile_sorted(const uint64_t *sorted, size_t n, double p) {
    if (n == 0) return 0.0;
    size_t rank = (size_t)(p * (double)(n - 1) + 0.5);
    if (rank >= n) rank = n - 1;
    return (double)sorted[rank];
}

/* Per-thread latency samples (ns), preallocated and touched before the workload starts so
 * the RSS measurement does not see them grow. */
typedef struct {
    uint64_t *ns;
    size_t capacity;
    _Atomic size_t count;
} samples;

static void samples_init(samples *s, size_t capacity) {
    s->capacity = capacity ? capacity : 1;
    s->ns = (uint64_t *)malloc(s->capacity * sizeof(uint64_t));
    /* Non-zero on purpose: malloc + memset(0) may become calloc and leave the pages untouched. */
    memset(s->ns, 0xA5, s->capacity * sizeof(uint64_t));
    atomic_store(&s->count, 0);
}

static inline void samples_add(samples *s, uint64_t ns) {
    size_t i = atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
    if (i < s->capacity) s->ns[i] = ns;
}

static inline size_t samples_len(samples *s) {
    size_t n = atomic_load(&s->count);
    return n < s->capacity ? n : s->capacity;
}

typedef struct {
    double fps;           /* completed inferences / wall time of the workload */
    double avg_ms;        /* OVMS's figure: mean over threads of each thread's mean latency */
    double p50_us, p90_us, p99_us, max_us;
    long rss_before_kib, rss_after_kib;
    uint64_t errors;
    uint64_t completed;
    double wall_s;
} bench_result;

/* Merges all threads' samples and fills the latency fields of `r`. */
static void summarize(samples *per_thread, int threads, bench_result *r) {
    size_t total = 0;
    double mean_sum = 0.0;
    int counted = 0;
    for (int t = 0; t < threads; t++) {
        size_t n = samples_len(&per_thread[t]);
        total += n;
        if (n) {
            double sum = 0.0;
            for (size_t i = 0; i < n; i++) sum += (double)per_thread[t].ns[i];
            mean_sum += sum / (double)n;
            counted++;
        }
    }
    r->avg_ms = counted ? mean_sum / counted / 1e6 : 0.0;
    uint64_t *all = (uint64_t *)malloc((total ? total : 1) * sizeof(uint64_t));
    size_t k = 0;
    for (int t = 0; t < threads; t++) {
        size_t n = samples_len(&per_thread[t]);
        memcpy(all + k, per_thread[t].ns, n * sizeof(uint64_t));
        k += n;
    }
    qsort(all, total, sizeof(uint64_t), cmp_u64);
    r->p50_us = percentile_sorted(all, total, 0.50) / 1e3;
    r->p90_us = percentile_sorted(all, total, 0.90) / 1e3;
    r->p99_us = percentile_sorted(all, total, 0.99) / 1e3;
    r->max_us = total ? (double)all[total - 1] / 1e3 : 0.0;
    free(all);
}

/* What each client thread of a host has; each host's worker struct begins with one. */
typedef struct {
    pthread_t thread;
    start_gate *gate;
    size_t quota; /* timed inferences */
    samples latency;
    uint64_t errors;
} bench_client;

/* The timed workload, the same in both hosts: once every client thread waits at the gate, note
 * the RSS, open the gate, join the threads and fill `r` from their samples. `clients` is the
 * first of `threads` workers laid out `stride` bytes apart. */
static void run_workload(start_gate *gate, void *clients, size_t stride, int threads, bench_result *r) {
    gate_wait_ready(gate);
    memset(r, 0, sizeof *r);
    r->rss_before_kib = vm_rss_kib();
    printf("Benchmark starting workload\n");
    fflush(stdout);
    uint64_t start = now_ns();
    gate_open(gate);
    for (int t = 0; t < threads; t++) {
        bench_client *c = (bench_client *)((char *)clients + (size_t)t * stride);
        pthread_join(c->thread, NULL);
    }
    uint64_t end = now_ns();
    r->rss_after_kib = vm_rss_kib();

    samples *all = (samples *)calloc((size_t)threads, sizeof(samples));
    for (int t = 0; t < threads; t++) {
        bench_client *c = (bench_client *)((char *)clients + (size_t)t * stride);
        all[t] = c->latency;
        r->completed += samples_len(&c->latency);
        r->errors += c->errors;
    }
    r->wall_s = (double)(end - start) / 1e9;
    r->fps = (double)r->completed / r->wall_s;
    summarize(all, threads, r);
    free(all);
}

/* OVMS capi_benchmark's closing lines (FPS as C++'s default stream format prints it), our
 * percentiles and RSS, and one machine-readable line for scripts/bench.sh. */
static void print_result(const char *side, const char *mode, int threads, int inflight, int nireq,
                         const bench_result *r) {
    printf("FPS: %g\n", r->fps);
    printf("Average latency : %.3fms\n", r->avg_ms);
    printf("Latency percentiles: p50 %.3fms, p90 %.3fms, p99 %.3fms, max %.3fms\n",
           r->p50_us / 1e3, r->p90_us / 1e3, r->p99_us / 1e3, r->max_us / 1e3);
    printf("RSS before workload: %ld KiB, after: %ld KiB, growth: %ld KiB\n", r->rss_before_kib,
           r->rss_after_kib, r->rss_after_kib - r->rss_before_kib);
    if (r->errors) printf("Errors: %" PRIu64 "\n", r->errors);
    printf("RESULT side=%s mode=%s threads=%d inflight=%d nireq=%d completed=%" PRIu64
           " wall_s=%.4f fps=%.2f avg_ms=%.5f p50_us=%.3f p90_us=%.3f p99_us=%.3f max_us=%.3f"
           " rss_before_kib=%ld rss_after_kib=%ld rss_growth_kib=%ld errors=%" PRIu64 "\n",
           side, mode, threads, inflight, nireq, r->completed, r->wall_s, r->fps, r->avg_ms,
           r->p50_us, r->p90_us, r->p99_us, r->max_us, r->rss_before_kib, r->rss_after_kib,
           r->rss_after_kib - r->rss_before_kib, r->errors);
    fflush(stdout);
}

/* ---------------------------------------------------------------- options */

/* Matches "--name value" and "--name=value"; advances *i past a separate value. */
static const char *opt_value(int argc, char **argv, int *i, const char *name) {
    size_t len = strlen(name);
    const char *arg = argv[*i];
    if (strncmp(arg, name, len) != 0) return NULL;
    if (arg[len] == '=') return arg + len + 1;
    if (arg[len] != '\0') return NULL;
    if (*i + 1 >= argc) {
        fprintf(stderr, "error parsing options: option '%s' is missing an argument\n", name);
        exit(EX_USAGE_);
    }
    (*i)++;
    return argv[*i];
}

static uint64_t parse_u64(const char *name, const char *value) {
    char *end = NULL;
    errno = 0;
    if (!value || *value == '-' || *value == '\0') goto bad;
    unsigned long long v = strtoull(value, &end, 10);
    if (errno || *end != '\0') goto bad;
    return (uint64_t)v;
bad:
    fprintf(stderr, "error parsing options: argument '%s' for option '%s' is not a non-negative integer\n",
            value ? value : "", name);
    exit(EX_USAGE_);
}

static int64_t parse_i64(const char *name, const char *value) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (errno || *end != '\0' || *value == '\0') {
        fprintf(stderr, "error parsing options: argument '%s' for option '%s' is not an integer\n", value, name);
        exit(EX_USAGE_);
    }
    return (int64_t)v;
}

#endif /* BENCH_COMMON_H */
