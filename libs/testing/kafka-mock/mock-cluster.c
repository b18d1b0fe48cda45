/*
 * A Kafka-protocol test broker: librdkafka's mock cluster on loopback TCP ports.
 *
 *   mock-cluster <broker_count> [topic:partitions ...]
 *
 * Prints the bootstrap list ("127.0.0.1:port,...") on one stdout line once the topics exist, then
 * reads commands on stdin, one per line, answering each with one line:
 *   down <broker_id>   disconnect the broker and refuse new connections  -> "ok down <id>"
 *   up <broker_id>     accept connections again                          -> "ok up <id>"
 *   fail <api_key> <error_code> <count>
 *                      the next <count> requests of that API get that error -> "ok fail <api_key>"
 * Exits cleanly on EOF (the parent went away) or SIGTERM/SIGINT.
 *
 * Topics are created here because the mock reports no controller, so kafkajs's admin.createTopics fails.
 * Broker ids are 1..broker_count.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static int create_topic(rd_kafka_mock_cluster_t *mcluster, const char *spec, int broker_cnt) {
  char name[256];
  int partitions = 1;
  const char *colon = strrchr(spec, ':');
  size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
  if (len == 0 || len >= sizeof(name)) return -1;
  memcpy(name, spec, len);
  name[len] = '\0';
  if (colon) partitions = atoi(colon + 1);
  if (partitions < 1) return -1;
  /* Replication across every broker, capped at 3 like a real cluster. */
  int replication = broker_cnt < 3 ? broker_cnt : 3;
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mcluster, name, partitions, replication);
  if (err) {
    fprintf(stderr, "mock-cluster: creating topic %s failed: %s\n", name, rd_kafka_err2str(err));
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s <broker_count> [topic:partitions ...]\n", argv[0]);
    return 2;
  }
  int broker_cnt = atoi(argv[1]);
  if (broker_cnt < 1) {
    fprintf(stderr, "mock-cluster: broker_count must be >= 1\n");
    return 2;
  }

  /* No SA_RESTART: a signal interrupts the blocking read on stdin so the loop can exit. */
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  /* The mock cluster lives inside an rd_kafka_t handle; this one is never used to produce. */
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "mock-cluster: rd_kafka_new failed: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mcluster = rd_kafka_mock_cluster_new(rk, broker_cnt);
  if (!mcluster) {
    fprintf(stderr, "mock-cluster: rd_kafka_mock_cluster_new failed\n");
    rd_kafka_destroy(rk);
    return 1;
  }

  int status = 0;
  for (int i = 2; i < argc; i++) {
    if (create_topic(mcluster, argv[i], broker_cnt) != 0) {
      fprintf(stderr, "mock-cluster: bad topic spec '%s' (want name:partitions)\n", argv[i]);
      status = 2;
      goto done;
    }
  }

  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
  fflush(stdout);

  char line[256];
  while (!stop_requested) {
    if (!fgets(line, sizeof(line), stdin)) {
      if (ferror(stdin) && errno == EINTR && !stop_requested) {
        clearerr(stdin);
        continue;
      }
      break; /* EOF or a stop signal */
    }
    char cmd[16];
    int id, err_code, count;
    if (sscanf(line, "%15s %d", cmd, &id) != 2) {
      printf("error bad command\n");
    } else if (strcmp(cmd, "fail") == 0) {
      /* fail <api_key> <error_code> <count>: the next <count> requests of that API, to any broker, get that error. */
      if (sscanf(line, "%15s %d %d %d", cmd, &id, &err_code, &count) != 4 || count < 1 || count > 64) {
        printf("error bad command\n");
      } else {
        rd_kafka_resp_err_t errs[64];
        for (int i = 0; i < count; i++) errs[i] = (rd_kafka_resp_err_t)err_code;
        rd_kafka_mock_push_request_errors_array(mcluster, (int16_t)id, (size_t)count, errs);
        printf("ok fail %d\n", id);
      }
    } else if (strcmp(cmd, "down") == 0) {
      rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_down(mcluster, id);
      if (err) printf("error down %d %s\n", id, rd_kafka_err2str(err));
      else printf("ok down %d\n", id);
    } else if (strcmp(cmd, "up") == 0) {
      rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_up(mcluster, id);
      if (err) printf("error up %d %s\n", id, rd_kafka_err2str(err));
      else printf("ok up %d\n", id);
    } else {
      printf("error unknown command %s\n", cmd);
    }
    fflush(stdout);
  }

done:
  rd_kafka_mock_cluster_destroy(mcluster);
  rd_kafka_destroy(rk);
  return status;
}
