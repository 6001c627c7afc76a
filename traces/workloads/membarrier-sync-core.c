// membarrier-sync-core: a JIT-like process that issues MEMBARRIER_CMD_PRIVATE_EXPEDITED and
// MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE while its other threads run, sleep and come and go.
//
// Exercises: membarrier's IPI targets (the CPUs whose rq->curr runs this mm at the call, none when
// the other CPU idles or runs another mm), the SYNC_CORE core sync on a switch back into the mm,
// lazy TLB when the threads sleep (the idle task keeps the mm), CR3 writes with and without flush
// as threads of this mm and of other processes share the CPUs, and thread creation and exit after
// registration (each new thread inherits the registered mm).
//
// Workers 0 and 1 are pinned to CPUs 0 and 1 (modulo the CPU count) so that the mm runs on every
// CPU even when other load would keep the whole process on one; worker 2 and the main thread go
// where the scheduler puts them.
//
// usage: membarrier-sync-core [ROUNDS]   (default 300; about 1 ms of work per round)
//
// Build: cc -O2 -pthread -o membarrier-sync-core membarrier-sync-core.c  (or `make` here)
#define _GNU_SOURCE
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { WORKERS = 3, PINNED = 2, CALLER_EVERY = 4 };

static volatile unsigned long sink;
static int rounds = 300;

static int membarrier(int cmd) {
    return (int)syscall(__NR_membarrier, cmd, 0, 0);
}

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

static void spin(unsigned long iterations) {
    for (unsigned long i = 0; i < iterations; i++)
        sink += i;
}

// A worker computes for a burst whose length depends on its id, then sleeps, so the CPUs see
// switches between this mm's threads, idle and other processes. Worker 0 also issues a SYNC_CORE
// membarrier now and then: calls come from more than one thread.
static void* worker(void* arg) {
    long id = (long)arg;
    if (id < PINNED)
        pin_to((int)(id % sysconf(_SC_NPROCESSORS_ONLN)));
    for (int i = 0; i < rounds; i++) {
        spin(80000UL * (unsigned long)(id + 1));
        if (id == 0 && i % CALLER_EVERY == 0)
            membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE);
        pause_us(40 + 30 * id);
    }
    return NULL;
}

// A short-lived thread: created after registration, it runs briefly and exits.
static void* transient(void* arg) {
    (void)arg;
    spin(30000);
    return NULL;
}

static void register_or_die(int cmd, const char* name) {
    if (membarrier(cmd) != 0) {
        perror(name);
        exit(1);
    }
}

int main(int argc, char** argv) {
    if (argc > 1)
        rounds = atoi(argv[1]);
    if (rounds <= 0) {
        fprintf(stderr, "usage: membarrier-sync-core [ROUNDS > 0]\n");
        return 2;
    }
    register_or_die(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, "register private_expedited");
    register_or_die(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
                    "register private_expedited_sync_core");
    pthread_t workers[WORKERS];
    for (long i = 0; i < WORKERS; i++)
        pthread_create(&workers[i], NULL, worker, (void*)i);
    for (int i = 0; i < rounds; i++) {
        membarrier(i % 2 ? MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE
                         : MEMBARRIER_CMD_PRIVATE_EXPEDITED);
        if (i % 50 == 25) {
            pthread_t t;
            pthread_create(&t, NULL, transient, NULL);
            pthread_join(t, NULL);
        }
        pause_us(150);
    }
    for (int i = 0; i < WORKERS; i++)
        pthread_join(workers[i], NULL);
    return 0;
}
