/* fcvae-mock-broker — an in-process Kafka-protocol broker (librdkafka's mock
 * cluster) for tests and the demo: prints its bootstrap address, serves until
 * SIGTERM/SIGINT. No JVM, no Docker; kcat and any client talk to it via -b. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "util.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* A name Kafka takes for a topic (as fcvae-stream checks its own): one the
 * mock cluster would make but no client could name is refused up front */
static int kafka_topic_name(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 249 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n &&
	       strcmp(s, ".") && strcmp(s, "..");
}

static const char usage[] =
	"usage: fcvae-mock-broker [-n BROKERS] [-p PARTITIONS] [-t TOPIC]... [-o FILE]\n"
	"Starts a mock Kafka cluster, prints its bootstrap address, runs until\n"
	"SIGTERM or SIGINT.\n"
	"  -n, --brokers N      brokers in the cluster (default 1)\n"
	"  -p, --partitions N   partitions of each -t topic (default 4)\n"
	"  -t, --topic NAME     create NAME before serving (repeatable); other\n"
	"                       topics are auto-created with 4 partitions on first use\n"
	"  -o, --output FILE    also write the address to FILE (atomically)\n"
	"  -h, --help           this text\n"
	"      --version        print the version\n";

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"brokers", required_argument, NULL, 'n'},
		{"partitions", required_argument, NULL, 'p'},
		{"topic", required_argument, NULL, 't'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int nbrokers = 1, partitions = 4, ntopics = 0, c;
	const char *output = NULL;
	static char *topics[64];

	fcvae_start(argv);
	while ((c = getopt_long(argc, argv, "n:p:t:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': nbrokers = (int)fcvae_parse_long("--brokers", optarg, 1, 16); break;
		case 'p': partitions = (int)fcvae_parse_long("--partitions", optarg, 1, 1000); break;
		case 't':
			if (ntopics == (int)(sizeof topics / sizeof *topics))
				fcvae_die(FCVAE_EXIT_USAGE, "--topic: at most %d topics", ntopics);
			if (!kafka_topic_name(optarg))
				fcvae_die(FCVAE_EXIT_USAGE, "--topic: '%s' is not a Kafka topic name (1 to 249 letters, digits, '.', '_', '-')",
				          optarg);
			topics[ntopics++] = optarg;
			break;
		case 'o': output = optarg; break;
		case 'h': fcvae_usage(usage, FCVAE_EXIT_OK);
		case 'V': fcvae_version();
		default: fcvae_usage(usage, FCVAE_EXIT_USAGE);
		}
	}
	if (optind != argc)
		fcvae_die(FCVAE_EXIT_USAGE, "takes no operands ('%s')", argv[optind]);

	/* TERM and INT blocked before the cluster's threads start, which
	 * inherit the mask: taken by one of them, a stop interrupted its poll
	 * and ended it ("Mock cluster failed to poll"), the main thread never
	 * woke, and the broker never exited. Here they stay blocked except
	 * inside sigsuspend, so one arriving between the test and the wait
	 * cannot be lost either. */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);

	/* The cluster needs a client handle for its bookkeeping; a producer
	 * handle with no brokers configured does nothing else. */
	char err[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
	if (!rk)
		fcvae_die(FCVAE_EXIT_FAIL, "cannot create client handle: %s", err);
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, nbrokers);
	if (!mc)
		fcvae_die(FCVAE_EXIT_FAIL, "cannot create mock cluster");
	for (int i = 0; i < ntopics; i++) {
		rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, topics[i], partitions, 1);
		if (e)
			fcvae_die(FCVAE_EXIT_FAIL, "cannot create topic %s: %s",
				  topics[i], rd_kafka_err2str(e));
	}

	const char *bootstrap = rd_kafka_mock_cluster_bootstraps(mc);
	if (output) {
		fcvae_atomic a;
		if (fcvae_atomic_open(&a, output) < 0)
			fcvae_die(FCVAE_EXIT_FAIL, "%s:", output);
		fprintf(a.fp, "%s\n", bootstrap);
		if (fcvae_atomic_commit(&a) < 0)
			fcvae_die(FCVAE_EXIT_FAIL, "%s:", output);
	}
	/* Flushed at once: the caller reads the address from a pipe before we
	 * exit, which is only when it kills us. */
	printf("%s\n", bootstrap);
	if (fflush(stdout) == EOF) /* no one can reach the cluster then */
		fcvae_die(FCVAE_EXIT_FAIL, "write error on standard output:");

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stop)
		sigsuspend(&old);

	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return FCVAE_EXIT_OK;
}
