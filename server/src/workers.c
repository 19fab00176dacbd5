/*
 * workers.c - blocking-work thread pool (see workers.h).
 */
#include "workers.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

struct job {
	worker_fn run, done;
	void *arg;
	struct event_base *origin;
	STAILQ_ENTRY(job) next;
};

struct worker_pool {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	STAILQ_HEAD(, job) queue;
	bool stopping;
	int count;
	pthread_t *threads;
};

static void job_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;
	job->done(job->arg);
	free(job);
}

/*
 * Workers run below the I/O threads' priority: decoding a 4 MiB photo or
 * hashing a password must never make the event loops wait for a core. On
 * Linux the nice value is per thread (setpriority on the thread id).
 */
#define WORKERS_NICE 10

static void *worker_main(void *arg)
{
	struct worker_pool *pool = arg;
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), WORKERS_NICE) != 0)
		log_warn("workers: cannot lower the priority of a worker thread");
	for (;;) {
		pthread_mutex_lock(&pool->lock);
		while (STAILQ_EMPTY(&pool->queue) && !pool->stopping)
			pthread_cond_wait(&pool->ready, &pool->lock);
		struct job *job = STAILQ_FIRST(&pool->queue);
		if (!job) { /* stopping and drained */
			pthread_mutex_unlock(&pool->lock);
			return NULL;
		}
		STAILQ_REMOVE_HEAD(&pool->queue, next);
		pthread_mutex_unlock(&pool->lock);

		job->run(job->arg);
		/* event_base_once is safe across threads once evthread is set up. */
		if (job->done && job->origin &&
		    event_base_once(job->origin, -1, EV_TIMEOUT, job_done_cb, job, NULL) == 0)
			continue;
		if (job->done)
			log_error("worker: cannot hand a finished job back to its event loop");
		free(job);
	}
}

struct worker_pool *workers_start(int n)
{
	struct worker_pool *pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->ready, NULL);
	STAILQ_INIT(&pool->queue);
	pool->threads = calloc((size_t)n, sizeof(pthread_t));
	if (!pool->threads) {
		free(pool);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		if (pthread_create(&pool->threads[i], NULL, worker_main, pool) != 0) {
			log_error("worker: cannot start thread %d", i);
			pool->count = i;
			workers_stop(pool);
			return NULL;
		}
		pool->count = i + 1;
	}
	return pool;
}

int workers_submit(struct worker_pool *pool, worker_fn run, worker_fn done, void *arg,
                   struct event_base *origin)
{
	struct job *job = malloc(sizeof(*job));
	if (!job)
		return -1;
	job->run = run;
	job->done = done;
	job->arg = arg;
	job->origin = origin;
	pthread_mutex_lock(&pool->lock);
	if (pool->stopping) {
		pthread_mutex_unlock(&pool->lock);
		free(job);
		return -1;
	}
	STAILQ_INSERT_TAIL(&pool->queue, job, next);
	pthread_cond_signal(&pool->ready);
	pthread_mutex_unlock(&pool->lock);
	return 0;
}

void workers_stop(struct worker_pool *pool)
{
	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->ready);
	pthread_mutex_unlock(&pool->lock);
	for (int i = 0; i < pool->count; i++)
		pthread_join(pool->threads[i], NULL);
	pthread_mutex_destroy(&pool->lock);
	pthread_cond_destroy(&pool->ready);
	free(pool->threads);
	free(pool);
}
