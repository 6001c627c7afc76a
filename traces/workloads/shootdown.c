// shootdown: threads of one process touch pages on every CPU while a mapper thread changes the
// shared address space under them with munmap, mprotect and madvise(MADV_DONTNEED).
//
// Exercises: TLB shootdowns (flush_tlb_mm_range: an IPI to each other CPU in mm_cpumask, or
// none when that CPU is lazy or runs another mm), the local flushes, and switch_mm_irqs_off's
// choices as the touchers sleep and wake on both CPUs: the same mm (no CR3 write), a lazily
// kept mm whose tlb_gen moved on (flush), another mm (NOFLUSH or flush by ASID generation).
//
// Each round the mapper maps a fresh region and publishes it; every toucher reads each of its
// pages once and acknowledges; only then does the mapper write-protect, zap and unmap it, so no
// thread ever touches an unmapped page. Touchers are pinned round-robin to the CPUs; the mapper
// is not pinned.
//
// usage: shootdown [ROUNDS [TOUCHERS]]   (defaults 400 and 2)
//
// Build: cc -O2 -pthread -o shootdown shootdown.c  (or `make` here)
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum { REGION_PAGES = 16, MAX_TOUCHERS = 16, OWN_PAGES = 8 };

static long page_size;
static int rounds = 400;
static int touchers = 2;

static _Atomic(char*) published; // the region of the current round, NULL between rounds
static atomic_int generation;    // bumped when a region is published
static atomic_int acknowledged;  // touchers done with the current region
static atomic_bool finished;
static volatile unsigned long sink;

static void pause_us(long us) {
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

static void pin_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void read_region(const char* region) {
    for (int p = 0; p < REGION_PAGES; p++)
        sink += (unsigned char)region[p * page_size];
}

// A toucher keeps its own pages hot, reads each published region once, and sleeps a little
// every few passes so that its CPU also switches to other tasks and to idle.
static void* toucher(void* arg) {
    long id = (long)arg;
    pin_to((int)(id % sysconf(_SC_NPROCESSORS_ONLN)));
    char* own = malloc((size_t)(OWN_PAGES * page_size));
    int seen = 0;
    for (unsigned long pass = 0; !atomic_load(&finished); pass++) {
        int g = atomic_load(&generation);
        char* region = atomic_load(&published);
        if (g != seen && region != NULL) {
            read_region(region);
            seen = g;
            atomic_fetch_add(&acknowledged, 1);
        }
        for (int p = 0; p < OWN_PAGES; p++)
            own[p * page_size] = (char)pass;
        if (pass % 2048 == 0)
            pause_us(20 + 15 * id);
    }
    free(own);
    return NULL;
}

// Spins briefly, then sleeps 10 us at a time: a sched_yield() loop would switch to a competitor
// at every call on a busy machine and flood the trace with switches.
static void wait_for_touchers(void) {
    for (int spins = 0; atomic_load(&acknowledged) < touchers; spins++)
        if (spins > 1000)
            pause_us(10);
}

// One round of the mapper: map, fill, publish, wait for every toucher, then change the mapping
// under the TLBs that now hold it.
static void mapper_round(int round) {
    size_t length = (size_t)(REGION_PAGES * page_size);
    char* region = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    memset(region, round, length);
    atomic_store(&acknowledged, 0);
    atomic_store(&published, region);
    atomic_fetch_add(&generation, 1);
    wait_for_touchers();
    atomic_store(&published, NULL);
    mprotect(region, length / 2, PROT_READ);
    if (round % 3 == 0)
        madvise(region + length / 2, length / 4, MADV_DONTNEED);
    munmap(region, length);
}

int main(int argc, char** argv) {
    if (argc > 1)
        rounds = atoi(argv[1]);
    if (argc > 2)
        touchers = atoi(argv[2]);
    if (rounds <= 0 || touchers <= 0 || touchers > MAX_TOUCHERS) {
        fprintf(stderr, "usage: shootdown [ROUNDS > 0 [TOUCHERS 1..%d]]\n", MAX_TOUCHERS);
        return 2;
    }
    page_size = sysconf(_SC_PAGESIZE);
    pthread_t threads[MAX_TOUCHERS];
    for (long i = 0; i < touchers; i++)
        pthread_create(&threads[i], NULL, toucher, (void*)i);
    for (int round = 0; round < rounds; round++) {
        mapper_round(round);
        if (round % 8 == 7)
            pause_us(200);
    }
    atomic_store(&finished, 1);
    for (int i = 0; i < touchers; i++)
        pthread_join(threads[i], NULL);
    return 0;
}
