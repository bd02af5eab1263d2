// naervaer: one binary, subcommands (like kcat or rpk). Bad flags: one line and exit 2.
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/program_options.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <variant>
#include <vector>

#include "api.h"
#include "broker.h"
#include "evaluate_command.h"
#include "http_client.h"
#include "ingest_command.h"
#include "naervaer/ingest/csv_export.h"
#include "naervaer/ingest/generator.h"
#include "naervaer/projections/binary.h"
#include "naervaer/projections/decode.h"
#include "naervaer/projections/encode.h"
#include "naervaer/projections/projection.h"
#include "replay_server.h"
#include "report_command.h"
#include "service.h"
#include "state_store.h"
#include "state_view.h"
#include "summary_table.h"
#include "time_travel.h"
#include "web_config.h"

namespace po = boost::program_options;

namespace naervaer {
namespace {

constexpr const char* kUsage = R"(usage: naervaer <command> [options]

commands:
  broker     the embedded Kafka-protocol broker (development and tests)
  aggregate  the aggregator: consume events, keep figures in RocksDB, serve HTTP
  demo       everything in one process: broker, generated municipality, ingest, aggregator, HTTP
  ingest     read HR exports (CSV, JSON Lines), validate, pseudonymise, produce to Kafka
  generate   write a synthetic municipality as JSON Lines or CSV exports
  replay     fold JSON Lines from scratch, as known at a time; print the units as /api/v1/units does
  journal    print the events an aggregator's state holds as JSON Lines (for replay and audits)
  evaluate   did the measures work? their evaluations from a state directory: JSON, CSV or an HTML report
  report     the monthly unit reports from a state directory: one printable HTML file per unit
  passwd     a bcrypt hash of the password on standard input, for --web-config basic_auth_users
  healthcheck  exit 0 when an aggregator on this host answers /healthz (http or https), for a container
  help       this text; `naervaer <command> --help` for a command's options
)";

// A usage error: reported as one line, exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Date parse_date_option(const std::string& name, const std::string& value) {
  const auto d = Date::parse_iso(value);
  if (!d) throw UsageError("--" + name + " must be a date YYYY-MM-DD, got \"" + value + "\"");
  return *d;
}

// The parsed options, or none when --help was asked for (and printed). `positional`
// names the option that takes the bare arguments (shown as `operands` in the usage line).
std::optional<po::variables_map> parse(const std::string& command, po::options_description& desc, int argc, char** argv,
                                       const char* positional = nullptr, const char* operands = "") {
  desc.add_options()("help,h", "show the options of this command");
  po::positional_options_description bare;
  if (positional) bare.add(positional, -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).positional(bare).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + " (see `naervaer " + command + " --help`)");
  }
  if (vm.count("help")) {
    std::cout << "usage: naervaer " << command << " [options]" << operands << "\n\n" << desc << "\n";
    return std::nullopt;
  }
  return vm;
}

ingest::GeneratorOptions generator_options(const po::variables_map& vm, Date today) {
  ingest::GeneratorOptions o;
  o.seed = vm["seed"].as<std::uint64_t>();
  o.employees = vm["employees"].as<int>();
  if (o.employees < 1 || o.employees > 2'000'000) throw UsageError("--employees must be from 1 to 2000000");
  o.to = vm.count("to") ? parse_date_option("to", vm["to"].as<std::string>()) : today;
  o.from = vm.count("from") ? parse_date_option("from", vm["from"].as<std::string>())
                            : Date::from_ymd(o.to.year() - 3, o.to.ymd().month, 1);
  if (o.to < o.from) throw UsageError("--to is before --from");
  return o;
}

void add_generator_options(po::options_description& desc) {
  desc.add_options()("seed", po::value<std::uint64_t>()->default_value(1), "random seed (same seed, same data)")(
      "employees", po::value<int>()->default_value(2000), "persons employed at any one time")(
      "from", po::value<std::string>(), "first day (default: three years before --to)")("to", po::value<std::string>(),
                                                                                        "last day (default: today)");
}

// What municipalities set differently: the masking limit, the default threshold, the rule
// of frequent short-term absence. The same flags for every command that computes figures.
void add_projection_options(po::options_description& desc) {
  desc.add_options()("masking-limit", po::value<int>()->default_value(5), "mask figures of fewer persons than this")(
      "default-threshold", po::value<double>(), "absence threshold percent at the root when none is set")(
      "frequent-short-term-cases", po::value<int>()->default_value(4),
      "frequent short-term absence: at least this many short-term cases...")(
      "frequent-short-term-days", po::value<int>()->default_value(365), "...starting in this many days");
}

ProjectionOptions projection_options(const po::variables_map& vm) {
  ProjectionOptions o;
  o.masking_limit = vm["masking-limit"].as<int>();
  if (o.masking_limit < 1) throw UsageError("--masking-limit must be 1 or more");
  if (vm.count("default-threshold")) {
    const double t = vm["default-threshold"].as<double>();
    if (t < 0 || t > 100) throw UsageError("--default-threshold must be from 0 to 100");
    o.default_absence_threshold = static_cast<Hundredths>(std::lround(t * 100));
  }
  o.frequent_short_term.min_cases = vm["frequent-short-term-cases"].as<int>();
  o.frequent_short_term.days = vm["frequent-short-term-days"].as<int>();
  if (o.frequent_short_term.min_cases < 1 || o.frequent_short_term.min_cases > 100) {
    throw UsageError("--frequent-short-term-cases must be from 1 to 100");
  }
  if (o.frequent_short_term.days < 1 || o.frequent_short_term.days > 3660) {
    throw UsageError("--frequent-short-term-days must be from 1 to 3660");
  }
  return o;
}

// --known-at, when given: RFC 3339 with an offset.
std::optional<std::int64_t> known_at_option(const po::variables_map& vm) {
  if (!vm.count("known-at")) return std::nullopt;
  const auto ms = parse_rfc3339_ms(vm["known-at"].as<std::string>());
  if (!ms) throw UsageError("--known-at must be RFC 3339 with an offset, e.g. 2025-06-30T23:59:59+02:00");
  return ms;
}

std::atomic<bool> g_stop{false};

void on_signal(int) {
  g_stop = true;
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// librdkafka settings: first the lines of `-F FILE` (name=value, # comments, as kcat -F
// reads them; keeps secrets such as sasl.password off the command line), then every
// "-X name=value", which wins.
// --web-config: a bad file is a usage error, one line naming the file and line.
http::WebConfig read_web_config_option(const std::string& path) {
  try {
    return http::read_web_config(path);
  } catch (const std::runtime_error& e) {
    throw UsageError(std::string("--web-config ") + e.what());
  }
}

kafka::Config kafka_config(const po::variables_map& vm) {
  kafka::Config out;
  if (vm.count("kafka-config-file")) {
    const std::string path = vm["kafka-config-file"].as<std::string>();
    std::ifstream in(path);
    if (!in) throw UsageError("cannot read the librdkafka settings file " + path);
    std::string line;
    for (int no = 1; std::getline(in, line); ++no) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto first = line.find_first_not_of(" \t");
      if (first == std::string::npos || line[first] == '#') continue;
      const auto eq = line.find('=');
      if (eq == std::string::npos || eq <= first) {
        throw UsageError(path + ":" + std::to_string(no) + ": expected name=value");
      }
      std::string name = line.substr(first, eq - first);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
      std::string value = line.substr(eq + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
      out.emplace_back(name, value);
    }
  }
  if (!vm.count("kafka-config")) return out;
  for (const std::string& kv : vm["kafka-config"].as<std::vector<std::string>>()) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("-X takes name=value, got \"" + kv + "\"");
    out.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return out;
}

int cmd_broker(int argc, char** argv) {
  po::options_description desc(
      "broker options (librdkafka's mock cluster on loopback; it keeps only about 5 MiB or 100,000 batches per "
      "partition and forgets older data: a transport for development, never a store of record)");
  desc.add_options()("partitions", po::value<int>()->default_value(32), "partitions per topic")(
      "topic", po::value<std::vector<std::string>>(), "topics to create (default naervaer.events and .dlq)")(
      "brokers", po::value<int>()->default_value(1), "number of brokers in the cluster");
  const auto parsed = parse("broker", desc, argc, argv);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  kafka::BrokerOptions o;
  o.partitions = vm["partitions"].as<int>();
  o.brokers = vm["brokers"].as<int>();
  if (o.partitions < 1 || o.partitions > 1000) throw UsageError("--partitions must be from 1 to 1000");
  if (o.brokers < 1 || o.brokers > 9) throw UsageError("--brokers must be from 1 to 9");
  if (vm.count("topic")) o.topics = vm["topic"].as<std::vector<std::string>>();
  install_signal_handlers();
  // Fault injection for the tests: SIGUSR1 takes the brokers off the network, SIGUSR2
  // brings them back, their data kept.
  sigset_t fault_signals;
  sigemptyset(&fault_signals);
  sigaddset(&fault_signals, SIGUSR1);
  sigaddset(&fault_signals, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &fault_signals, nullptr);  // before the cluster's threads start
  kafka::EmbeddedBroker broker(o);
  std::printf("bootstrap.servers=%s\n", broker.bootstrap_servers().c_str());
  std::fflush(stdout);
  const timespec tick{0, 100L * 1000 * 1000};
  while (!g_stop.load()) {
    const int signal = sigtimedwait(&fault_signals, nullptr, &tick);
    if (signal == SIGUSR1 || signal == SIGUSR2) {
      broker.set_reachable(signal == SIGUSR2);
      std::fprintf(stderr, "naervaer broker: %s\n", signal == SIGUSR2 ? "reachable again" : "unreachable (SIGUSR1)");
    }
  }
  return 0;
}

int cmd_aggregate(int argc, char** argv) {
  po::options_description desc("aggregate options");
  desc.add_options()("brokers", po::value<std::string>(), "bootstrap servers HOST:PORT[,...] (required)")(
      "state", po::value<std::string>(), "state directory (RocksDB; required)")(
      "topic", po::value<std::string>()->default_value("naervaer.events"), "events topic (rejects go to TOPIC.dlq)")(
      "group", po::value<std::string>()->default_value("naervaer-aggregator"), "consumer group")(
      "group-instance-id", po::value<std::string>(),
      "this instance's static id in the group (KIP-345): restarted within the session timeout, it gets its "
      "partitions back at once. Default: one made on the first start and kept in the state directory; "
      "\"none\": a dynamic member")(
      "web-config", po::value<std::string>(),
      "TLS, users (bcrypt) and their unit scopes for HTTP, in the Prometheus exporter-toolkit format (see "
      "docs/aggregator.md)")("listen", po::value<std::string>()->default_value("127.0.0.1:8080"),
                             "HTTP address HOST:PORT")(
      "today", po::value<std::string>(), "fixed as-of date YYYY-MM-DD (default: the local date, moving at midnight)")(
      "peer", po::value<std::vector<std::string>>(),
      "another instance of the group, http://HOST:PORT or https://HOST:PORT (repeatable): evaluations add its "
      "persons' sums")("peer-ca-file", po::value<std::string>(),
                       "CA certificates (PEM) the peers' https certificates chain to (default: the system's)")(
      "peer-credentials-file", po::value<std::string>(),
      "a file with one line USER:PASSWORD, for peers locked with --web-config (a user without unit_scopes)")(
      "checkpoint-ms", po::value<int>()->default_value(1000), "checkpoint at least this often")(
      "checkpoint-events", po::value<std::size_t>()->default_value(50000), "checkpoint after this many messages")(
      "quiet,q", "no progress lines on standard error")("kafka-config,X", po::value<std::vector<std::string>>(),
                                                        "librdkafka setting name=value (repeatable)")(
      "kafka-config-file,F", po::value<std::string>(), "librdkafka settings file: name=value lines (before -X)");
  add_projection_options(desc);
  const auto parsed = parse("aggregate", desc, argc, argv);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  if (!vm.count("brokers")) throw UsageError("--brokers is required (try `naervaer broker` for a local one)");
  if (!vm.count("state")) throw UsageError("--state is required: a directory for the RocksDB state");
  ServiceOptions o;
  o.brokers = vm["brokers"].as<std::string>();
  o.state_dir = vm["state"].as<std::string>();
  o.topic = vm["topic"].as<std::string>();
  o.group = vm["group"].as<std::string>();
  if (vm.count("group-instance-id")) {
    const std::string id = vm["group-instance-id"].as<std::string>();
    if (id.empty()) throw UsageError("--group-instance-id is empty (\"none\" for a dynamic member)");
    o.group_instance_id = id == "none" ? std::string() : id;
  }
  o.listen = vm["listen"].as<std::string>();
  if (vm.count("web-config")) {
    o.web_config_file = vm["web-config"].as<std::string>();
    o.web = read_web_config_option(o.web_config_file.string());
  }
  if (vm.count("today")) o.today = parse_date_option("today", vm["today"].as<std::string>());
  o.projection = projection_options(vm);
  o.checkpoint_ms = vm["checkpoint-ms"].as<int>();
  o.checkpoint_events = vm["checkpoint-events"].as<std::size_t>();
  if (o.checkpoint_ms < 1 || o.checkpoint_events < 1)
    throw UsageError("checkpoints need positive --checkpoint-ms and --checkpoint-events");
  o.kafka_config = kafka_config(vm);
  o.quiet = vm.count("quiet") > 0;
  if (vm.count("peer-credentials-file")) {
    const std::string path = vm["peer-credentials-file"].as<std::string>();
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) throw UsageError("--peer-credentials-file " + path + ": cannot read it");
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.find(':') == std::string::npos || line.front() == ':') {
      throw UsageError("--peer-credentials-file " + path + ": expected one line USER:PASSWORD");
    }
    o.peer_credentials = line;
  }
  if (vm.count("peer-ca-file")) {
    o.peer_ca_file = vm["peer-ca-file"].as<std::string>();
    std::ifstream in(o.peer_ca_file);
    if (!in) throw UsageError("--peer-ca-file " + o.peer_ca_file.string() + ": cannot read it");
  }
  if (vm.count("peer")) {
    for (std::string peer : vm["peer"].as<std::vector<std::string>>()) {
      if (!(peer.starts_with("http://") && peer.size() > 7) && !(peer.starts_with("https://") && peer.size() > 8)) {
        throw UsageError("--peer must be http://HOST:PORT or https://HOST:PORT, got \"" + peer + "\"");
      }
      while (peer.ends_with('/')) peer.pop_back();
      o.peers.push_back(std::move(peer));
    }
  }
  install_signal_handlers();
  Service service(o);
  std::fprintf(stderr, "naervaer aggregate: serving http://%s (/api/v1/units, /metrics), consuming %s\n",
               service.http_address().c_str(), o.topic.c_str());
  return service.run(g_stop);
}

int cmd_ingest(int argc, char** argv) {
  po::options_description desc(
      "ingest options (FILE...: CSV exports, the kind recognised from the header, or JSON Lines of events "
      "(.jsonl); exit 0 when every row was delivered, 3 when some rows were rejected, 1 when nothing could be "
      "sent or a delivery failed)");
  desc.add_options()("brokers", po::value<std::string>(),
                     "bootstrap servers HOST:PORT[,...] (required unless --dry-run)")(
      "topic", po::value<std::string>()->default_value("naervaer.events"), "events topic")(
      "pseudonym-key-file", po::value<std::string>(),
      "secret key for the person pseudonyms (HMAC-SHA256); required when a person column holds national "
      "identity numbers. Keep it: another key gives every person another pseudonym")(
      "recorded-at", po::value<std::string>(),
      "RFC 3339 knowledge time of CSV rows without a recorded_at column (default: the file's modification time)")(
      "dry-run", "validate and report, send nothing")("quiet,q", "no progress bar")(
      "kafka-config,X", po::value<std::vector<std::string>>(), "librdkafka setting name=value (repeatable)")(
      "kafka-config-file,F", po::value<std::string>(), "librdkafka settings file: name=value lines (before -X)")(
      "file", po::value<std::vector<std::string>>(), "input files");
  const auto parsed = parse("ingest", desc, argc, argv, "file", " FILE...");
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  IngestOptions o;
  o.dry_run = vm.count("dry-run") > 0;
  if (!vm.count("brokers") && !o.dry_run) throw UsageError("--brokers is required (or --dry-run)");
  if (!vm.count("file")) throw UsageError("no input files: naervaer ingest [options] FILE...");
  if (vm.count("brokers")) o.brokers = vm["brokers"].as<std::string>();
  o.topic = vm["topic"].as<std::string>();
  if (vm.count("pseudonym-key-file")) o.pseudonym_key_file = vm["pseudonym-key-file"].as<std::string>();
  if (vm.count("recorded-at")) {
    o.recorded_at_ms = parse_rfc3339_ms(vm["recorded-at"].as<std::string>());
    if (!o.recorded_at_ms)
      throw UsageError("--recorded-at must be RFC 3339 with an offset, e.g. 2026-01-31T18:00:00+01:00");
  }
  o.progress = vm.count("quiet") == 0;
  o.kafka_config = kafka_config(vm);
  o.files = vm["file"].as<std::vector<std::string>>();
  return run_ingest(o).exit_status;
}

int cmd_replay(int argc, char** argv) {
  po::options_description desc(
      "replay options (a from-scratch fold of a state directory's journal, or of JSON Lines, as known at a time; "
      "prints what /api/v1/units answers, or serves the whole read-only API and page with --listen)");
  desc.add_options()("state", po::value<std::string>(), "an aggregator's state directory (read-only, its journal)")(
      "topic", po::value<std::string>()->default_value("naervaer.events"), "the topic the state was consumed from")(
      "from-file", po::value<std::vector<std::string>>(), "JSON Lines files of events (instead of --state)")(
      "today", po::value<std::string>(), "the as-of date (default: --known-at's own date, else today)")(
      "known-at", po::value<std::string>(), "only events recorded at or before this RFC 3339 time")(
      "listen", po::value<std::string>(), "serve the API and the page on HOST:PORT instead of printing")(
      "web-config", po::value<std::string>(), "with --listen: TLS, users and unit scopes, as for aggregate");
  add_projection_options(desc);
  const auto parsed = parse("replay", desc, argc, argv);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  if (vm.count("from-file") == vm.count("state")) throw UsageError("give either --state DIR or --from-file FILE...");
  const std::optional<std::int64_t> known_at = known_at_option(vm);
  // As known at K: the as-of date is K's own date (DOMAIN.md §14) unless one is given.
  const Date today = vm.count("today") ? parse_date_option("today", vm["today"].as<std::string>())
                     : known_at        ? *Date::parse_iso(vm["known-at"].as<std::string>().substr(0, 10))
                                       : local_today();
  const ProjectionOptions options = projection_options(vm);
  std::optional<Projection> projection;
  std::uint64_t events = 0;
  std::uint64_t rejected = 0;
  if (vm.count("state")) {
    StateViewOptions v;
    v.state_dir = vm["state"].as<std::string>();
    v.topic = vm["topic"].as<std::string>();
    v.today = today;
    v.projection = options;
    v.known_at_ms = known_at;
    StateView view = load_state_view(v);
    events = view.events;
    if (view.unreadable > 0) {
      std::fprintf(stderr, "naervaer replay: %llu damaged journal entries were left out\n",
                   static_cast<unsigned long long>(view.unreadable));
    }
    projection.emplace(std::move(view.projection));
  } else {
    projection.emplace(today, options);
    EventDecoder decoder;
    for (const std::string& path : vm["from-file"].as<std::vector<std::string>>()) {
      std::ifstream in(path, std::ios::binary);
      if (!in) throw std::runtime_error("cannot read " + path);
      std::string line;
      for (std::uint64_t no = 1; std::getline(in, line); ++no) {
        if (line.empty()) continue;
        auto d = decoder.decode(line);
        if (auto* r = std::get_if<Rejection>(&d)) {
          // A bad line is named by file and line; the rest still goes through.
          std::fprintf(stderr, "%s:%llu: %s: %s\n", path.c_str(), static_cast<unsigned long long>(no),
                       std::string(reason_code(r->reason)).c_str(), r->detail.c_str());
          ++rejected;
          continue;
        }
        const Event& e = std::get<Event>(d);
        if (known_at && e.recorded_at_ms > *known_at) continue;
        ++events;
        const ApplyResult a = projection->apply(e);
        if (a.outcome == Outcome::kRejected) {
          std::fprintf(stderr, "%s:%llu: %s: %s\n", path.c_str(), static_cast<unsigned long long>(no),
                       std::string(reason_code(a.rejection->reason)).c_str(), a.rejection->detail.c_str());
          ++rejected;
        }
      }
    }
  }
  if (vm.count("listen")) {
    install_signal_handlers();
    ReplayServerOptions serve;
    serve.listen = vm["listen"].as<std::string>();
    if (vm.count("web-config")) {
      serve.web_config_file = vm["web-config"].as<std::string>();
      serve.web = read_web_config_option(serve.web_config_file.string());
    }
    serve.events = events;
    serve.description = (known_at ? "as known at " + vm["known-at"].as<std::string>() : std::string("as known now")) +
                        ", as of " + today.iso();
    // known_at and as_of other than the replay's own are answered from the same journal.
    std::unique_ptr<TimeTravel> past;
    if (vm.count("state")) {
      past = std::make_unique<TimeTravel>(
          TimeTravelOptions{vm["state"].as<std::string>(), vm["topic"].as<std::string>(), options});
    }
    return serve_replay(std::move(*projection), std::move(past), serve, g_stop);
  }
  std::fputs(api::units(*projection).body.c_str(), stdout);
  std::fputc('\n', stdout);
  return rejected == 0 ? 0 : 3;
}

int cmd_passwd(int argc, char** argv) {
  po::options_description desc(
      "passwd options (reads one line, the password, from standard input; prints its bcrypt hash for the "
      "basic_auth_users of --web-config)");
  const auto parsed = parse("passwd", desc, argc, argv);
  if (!parsed) return 0;
  std::string password;
  if (!std::getline(std::cin, password) || password.empty()) {
    throw UsageError("give the password on standard input: naervaer passwd <<<'...' (or from a file)");
  }
  std::printf("%s\n", http::bcrypt_hash(password).c_str());
  return 0;
}

// A container's HEALTHCHECK: GET /healthz of the aggregator on this host, over plain HTTP
// or, when it speaks TLS (--web-config), over https. The certificate is not checked: the
// probe is on loopback, sends no credential and reads only the status, and the certificate
// names the service, not 127.0.0.1. Exit 0 on 200; otherwise one line and exit 1.
int cmd_healthcheck(int argc, char** argv) {
  po::options_description desc("healthcheck options");
  desc.add_options()("address", po::value<std::string>()->default_value("127.0.0.1:8080"),
                     "the aggregator's HOST:PORT")("timeout-ms", po::value<int>()->default_value(4000),
                                                   "give up after this long (each of http and https)");
  const auto parsed = parse("healthcheck", desc, argc, argv);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  http::ClientOptions options;
  options.deadline = std::chrono::milliseconds(std::max(1, vm["timeout-ms"].as<int>()));
  const std::string address = vm["address"].as<std::string>();
  http::ClientResponse got = http::get("http://" + address + "/healthz", options);
  if (got.status == 0) {  // no HTTP answer: perhaps TLS
    options.verify_certificate = false;
    http::ClientResponse tls = http::get("https://" + address + "/healthz", options);
    if (tls.status == 0) tls.error = "http: " + got.error + "; https: " + tls.error;
    got = std::move(tls);
  }
  if (got.status == 200) return 0;
  std::fprintf(stderr, "naervaer healthcheck: %s/healthz: %s\n", address.c_str(),
               got.status == 0 ? got.error.c_str() : ("answered " + std::to_string(got.status)).c_str());
  return 1;
}

// The journal of a state directory as JSON Lines, one event per line: the input of
// `naervaer replay` for an evaluation as known at an earlier time. Read-only, so it can
// run beside the aggregator (it sees the last checkpoint). Events journaled in their binary
// form are written as the contract's JSON; older journals held the JSON as received.
int cmd_journal(int argc, char** argv) {
  po::options_description desc("journal options");
  desc.add_options()("state", po::value<std::string>(), "the aggregator's state directory (required)")(
      "topic", po::value<std::string>()->default_value("naervaer.events"), "the topic the state was consumed from");
  const auto parsed = parse("journal", desc, argc, argv);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  if (!vm.count("state")) throw UsageError("--state is required");
  const store::StateStore state(vm["state"].as<std::string>(), vm["topic"].as<std::string>(),
                                store::StateStore::Access::kReadOnly);
  std::uint64_t n = 0;
  std::uint64_t damaged = 0;
  std::string json;
  state.replay([&](std::int32_t, std::string_view entry) {
    if (is_binary_event(entry)) {
      const std::optional<Event> e = decode_binary(entry);
      if (!e) {
        ++damaged;
        return true;
      }
      json.clear();
      encode_event(*e, json);
      entry = json;
    }
    std::fwrite(entry.data(), 1, entry.size(), stdout);
    std::fputc('\n', stdout);
    ++n;
    return true;
  });
  if (std::fflush(stdout) != 0) throw std::runtime_error("cannot write the journal to standard output");
  std::fprintf(stderr, "naervaer journal: %llu events\n", static_cast<unsigned long long>(n));
  if (damaged > 0) {
    std::fprintf(stderr, "naervaer journal: %llu damaged entries left out\n", static_cast<unsigned long long>(damaged));
    return 1;
  }
  return 0;
}

int cmd_evaluate(int argc, char** argv) {
  po::options_description desc(
      "evaluate options (DOMAIN.md §13; read-only, so it can run beside the aggregator: it sees the last "
      "checkpoint)");
  desc.add_options()("state", po::value<std::string>(), "the aggregator's state directory (required)")(
      "topic", po::value<std::string>()->default_value("naervaer.events"), "the topic the state was consumed from")(
      "measure", po::value<std::vector<std::string>>(), "a measure id (repeatable; default: every measure)")(
      "year", po::value<int>()->default_value(1), "evaluation year k: 1 is the measure's first year")(
      "comparison", po::value<std::string>(), "comparison units U1,U2 (default: every unit not in a measure)")(
      "today", po::value<std::string>(), "the as-of date YYYY-MM-DD (default: today)")(
      "known-at", po::value<std::string>(), "only events recorded at or before this RFC 3339 time")(
      "format", po::value<std::string>(),
      "json, csv (Norwegian Excel) or html (default: from --out's suffix, else json)")(
      "out,o", po::value<std::string>(), "output file, readable by you only (default: standard output)")(
      "quiet,q", "no progress lines on standard error");
  add_projection_options(desc);
  const auto parsed = parse("evaluate", desc, argc, argv);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  if (!vm.count("state")) throw UsageError("--state is required: the aggregator's state directory");
  EvaluateOptions o;
  o.state_dir = vm["state"].as<std::string>();
  o.topic = vm["topic"].as<std::string>();
  if (vm.count("measure")) o.measures = vm["measure"].as<std::vector<std::string>>();
  o.evaluation.year = vm["year"].as<int>();
  if (o.evaluation.year < 1 || o.evaluation.year > 50) throw UsageError("--year must be from 1 to 50");
  if (vm.count("comparison")) {
    const auto opts = api::evaluation_options("comparison=" + vm["comparison"].as<std::string>());
    if (std::holds_alternative<http::Response>(opts)) {
      throw UsageError("--comparison must name units separated by commas, got \"" + vm["comparison"].as<std::string>() +
                       "\"");
    }
    o.evaluation.comparison_units = std::get<EvaluationOptions>(opts).comparison_units;
  }
  o.today = vm.count("today") ? parse_date_option("today", vm["today"].as<std::string>()) : local_today();
  o.known_at_ms = known_at_option(vm);
  o.projection = projection_options(vm);
  if (vm.count("out")) o.out = vm["out"].as<std::string>();
  if (vm.count("format")) {
    o.format = vm["format"].as<std::string>();
  } else if (o.out && (o.out->extension() == ".html" || o.out->extension() == ".csv")) {
    o.format = o.out->extension().string().substr(1);
  }
  if (o.format != "json" && o.format != "csv" && o.format != "html") {
    throw UsageError("--format must be json, csv or html, got \"" + o.format + "\"");
  }
  o.quiet = vm.count("quiet") > 0;
  return run_evaluate(o);
}

int cmd_report(int argc, char** argv) {
  po::options_description desc(
      "report options (the monthly unit report, as a leader gets it on the 5th: the month's figures as published, "
      "the month's end plus --lag-days; read-only beside the aggregator)");
  desc.add_options()("state", po::value<std::string>(), "the aggregator's state directory (required)")(
      "topic", po::value<std::string>()->default_value("naervaer.events"), "the topic the state was consumed from")(
      "month", po::value<std::string>(), "the month YYYY-MM (default: the last complete month)")(
      "unit", po::value<std::vector<std::string>>(), "a unit id (repeatable; default: every unit)")(
      "lag-days", po::value<int>()->default_value(7), "the figures are published this many days after the month")(
      "today", po::value<std::string>(), "today's date YYYY-MM-DD (default: the local date)")(
      "out,o", po::value<std::string>(), "the directory of the reports, one HTML file per unit (required)")(
      "quiet,q", "no progress lines on standard error");
  add_projection_options(desc);
  const auto parsed = parse("report", desc, argc, argv);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  if (!vm.count("state")) throw UsageError("--state is required: the aggregator's state directory");
  if (!vm.count("out")) throw UsageError("--out DIRECTORY is required: one HTML file per unit is written there");
  ReportCommandOptions o;
  o.state_dir = vm["state"].as<std::string>();
  o.topic = vm["topic"].as<std::string>();
  o.today = vm.count("today") ? parse_date_option("today", vm["today"].as<std::string>()) : local_today();
  if (vm.count("month")) {
    const auto month = report::parse_month(vm["month"].as<std::string>());
    if (!month) throw UsageError("--month must be YYYY-MM, got \"" + vm["month"].as<std::string>() + "\"");
    o.month = *month;
  } else {
    o.month = report::last_complete_month(o.today);
  }
  if (vm.count("unit")) o.units = vm["unit"].as<std::vector<std::string>>();
  o.lag_days = vm["lag-days"].as<int>();
  if (o.lag_days < 0 || o.lag_days > 366) throw UsageError("--lag-days must be from 0 to 366");
  o.projection = projection_options(vm);
  o.out_dir = vm["out"].as<std::string>();
  o.quiet = vm.count("quiet") > 0;
  return run_report(o);
}

int cmd_generate(int argc, char** argv) {
  po::options_description desc("generate options");
  add_generator_options(desc);
  desc.add_options()("format", po::value<std::string>()->default_value("jsonl"),
                     "jsonl (contract-v1 events) or csv (six HR exports in a directory, Norwegian dialect)")(
      "out,o", po::value<std::string>(), "output file, or directory for csv (default: standard output for jsonl)")(
      "with-key", "start each line with the event's Kafka key and a tab (for kcat -K '\\t')");
  const auto parsed = parse("generate", desc, argc, argv);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  const ingest::GeneratorOptions o = generator_options(vm, local_today());
  const std::string format = vm["format"].as<std::string>();
  if (format != "jsonl" && format != "csv") throw UsageError("--format must be jsonl or csv, got \"" + format + "\"");
  auto report = [&](const ingest::GeneratorSummary& s) {
    std::fprintf(stderr, "naervaer generate: %llu events, %llu units, %llu persons, %llu measures (%s .. %s)\n",
                 static_cast<unsigned long long>(s.events), static_cast<unsigned long long>(s.units),
                 static_cast<unsigned long long>(s.persons), static_cast<unsigned long long>(s.measures),
                 o.from.iso().c_str(), o.to.iso().c_str());
  };
  if (format == "csv") {
    if (!vm.count("out")) throw UsageError("--format csv needs --out DIRECTORY (six files are written there)");
    if (vm.count("with-key")) throw UsageError("--with-key is for --format jsonl");
    ingest::CsvExportWriter writer(vm["out"].as<std::string>());
    const ingest::GeneratorSummary s = ingest::generate_municipality(o, [&](const Event& e) { writer.add(e); });
    writer.finish();
    report(s);
    return 0;
  }
  std::ofstream file;
  if (vm.count("out")) {
    file.open(vm["out"].as<std::string>(), std::ios::binary);
    if (!file) throw std::runtime_error("cannot write " + vm["out"].as<std::string>());
  }
  std::ostream& out = vm.count("out") ? file : std::cout;
  std::string line;
  const bool with_key = vm.count("with-key") > 0;
  const ingest::GeneratorSummary s = ingest::generate_municipality(o, [&](const Event& e) {
    line.clear();
    if (with_key) line.append(e.entity_key()).append("\t");
    encode_event(e, line);
    line += '\n';
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
  });
  out.flush();
  if (!out) throw std::runtime_error("writing the events failed");
  report(s);
  return 0;
}

// A secret of 32 random bytes (hex) for the demo's pseudonyms, created readable by the
// owner only (never a moment with wider permissions).
void write_random_key(const std::filesystem::path& path) {
  std::ifstream random("/dev/urandom", std::ios::binary);
  unsigned char bytes[32];
  if (!random.read(reinterpret_cast<char*>(bytes), sizeof bytes)) throw std::runtime_error("cannot read /dev/urandom");
  std::string hex;
  for (unsigned char b : bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 0xF]);
  }
  hex.push_back('\n');
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw std::runtime_error("cannot create " + path.string() + ": " +
                             std::error_code(errno, std::generic_category()).message());
  }
  const bool written = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size());
  ::close(fd);
  if (!written) throw std::runtime_error("cannot write " + path.string());
}

int cmd_demo(int argc, char** argv) {
  po::options_description desc(
      "demo options (everything in one process on loopback: the embedded broker, a generated municipality as "
      "CSV exports, ingest, the aggregator and HTTP; a second run reuses its state)");
  add_generator_options(desc);
  desc.add_options()("listen", po::value<std::string>()->default_value("127.0.0.1:8080"), "HTTP address HOST:PORT")(
      "state", po::value<std::string>()->default_value("naervaer-demo"),
      "state directory: the exports, the pseudonym key and the aggregator's RocksDB")(
      "today", po::value<std::string>(), "fixed as-of date (default: the local date, moving at midnight)")(
      "window", po::value<std::string>()->default_value("365d"),
      "window of the summary table: 30d, 90d, 365d, mtd, qtd, ytd, last_month, last_4q")(
      "rows", po::value<std::size_t>()->default_value(25), "units in the summary table")(
      "once", "print the summary table and exit instead of serving until Ctrl-C");
  const auto parsed = parse("demo", desc, argc, argv);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  std::optional<Date> fixed_today;
  if (vm.count("today")) fixed_today = parse_date_option("today", vm["today"].as<std::string>());
  const Date today = fixed_today.value_or(local_today());
  const auto window = parse_window(vm["window"].as<std::string>());
  if (!window) throw UsageError("--window must be one of 30d, 90d, 365d, mtd, qtd, ytd, last_month, last_4q");
  const ingest::GeneratorOptions generator = generator_options(vm, today);
  install_signal_handlers();

  const std::filesystem::path state = vm["state"].as<std::string>();
  const std::filesystem::path exports = state / "export";
  const std::filesystem::path key = state / "pseudonym.key";
  std::filesystem::create_directories(state);
  // The exports are complete once the marker is written: an interrupted generation is redone.
  const std::filesystem::path complete = exports / ".complete";
  if (!std::filesystem::exists(complete)) {
    std::fprintf(stderr, "naervaer demo: generating a municipality of %d employees, %s .. %s, as CSV exports in %s\n",
                 generator.employees, generator.from.iso().c_str(), generator.to.iso().c_str(), exports.c_str());
    std::filesystem::remove_all(state / "aggregator");  // figures of another municipality
    ingest::CsvExportWriter writer(exports.string());
    ingest::generate_municipality(generator, [&](const Event& e) { writer.add(e); });
    writer.finish();
    std::ofstream(complete) << "naervaer demo exports\n";
  } else {
    std::fprintf(stderr, "naervaer demo: reusing the municipality in %s (remove %s for a new one)\n", exports.c_str(),
                 state.c_str());
  }
  if (!std::filesystem::exists(key)) {
    // A new key gives every person a new pseudonym: figures made with the old one would
    // count everyone twice.
    std::filesystem::remove_all(state / "aggregator");
    write_random_key(key);
  }

  const kafka::EmbeddedBroker broker(kafka::BrokerOptions{});
  std::fprintf(stderr, "naervaer demo: embedded broker at %s\n", broker.bootstrap_servers().c_str());

  // The exports go through ingest as a real import would; on a second run the same rows
  // come again, and the aggregator counts them once.
  IngestOptions ingest_options;
  ingest_options.brokers = broker.bootstrap_servers();
  ingest_options.pseudonym_key_file = key.string();
  for (const char* name : {"units", "targets", "employments", "absences", "measures", "followups"})
    ingest_options.files.push_back((exports / (std::string(name) + ".csv")).string());
  if (run_ingest(ingest_options).exit_status != 0) throw std::runtime_error("the demo's import failed (see above)");

  ServiceOptions o;
  o.brokers = broker.bootstrap_servers();
  o.state_dir = state / "aggregator";
  o.listen = vm["listen"].as<std::string>();
  o.today = fixed_today;
  o.quiet = true;
  Service service(o);
  int status = 0;
  std::exception_ptr failure;
  std::thread aggregator([&] {
    try {
      status = service.run(g_stop);
    } catch (...) {
      failure = std::current_exception();
      status = 1;
    }
    g_stop = true;  // the aggregator has stopped: so does the demo
  });
  const auto started = std::chrono::steady_clock::now();
  while (!g_stop.load()) {
    const auto lag = service.lag();
    if (lag && *lag == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!g_stop.load()) {
    std::string table;
    service.read_projection(
        [&](const Projection& p) { table = render_summary_table(p, *window, vm["rows"].as<std::size_t>()); });
    std::fprintf(stderr, "naervaer demo: the aggregator caught up in %.1f s\n\n",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    std::fputs(table.c_str(), stdout);
    const std::string url = "http://" + service.http_address();
    std::printf(
        "\nLook here:\n  %s/                  the units against target, monthly trends\n"
        "  %s/api/v1/units      the figures as JSON (API v1)\n  %s/metrics           for Prometheus\n",
        url.c_str(), url.c_str(), url.c_str());
    std::fflush(stdout);
    if (vm.count("once")) {
      g_stop = true;
    } else {
      std::fprintf(stderr, "naervaer demo: serving until Ctrl-C\n");
    }
  }
  aggregator.join();
  if (failure) std::rethrow_exception(failure);
  return status;
}

// glibc gives blocks above 128 KiB their own mapping and returns freed memory at the top
// of a heap to the kernel. The aggregator allocates and frees buffers of megabytes over
// and over (librdkafka's fetched batches, the journal of a checkpoint, the /metrics text of
// 10 MB with 1,000 units), so each came as fresh, page-faulted memory: /metrics rendered
// after a change took a median of 36-38 ms, 29 ms with these settings. Blocks up to 32 MiB
// now come from the heaps, and up to 256 MiB freed stays there for reuse.
void keep_freed_memory_for_reuse() {
#ifdef __GLIBC__
  // Called first thing in main, before any thread starts.
  (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);   // NOLINT(concurrency-mt-unsafe)
  (void)mallopt(M_TRIM_THRESHOLD, 256 << 20);  // NOLINT(concurrency-mt-unsafe)
#endif
}

}  // namespace
}  // namespace naervaer

int main(int argc, char** argv) {
  using namespace naervaer;
  keep_freed_memory_for_reuse();
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string command = argv[1];
  try {
    if (command == "broker") return cmd_broker(argc - 1, argv + 1);
    if (command == "aggregate") return cmd_aggregate(argc - 1, argv + 1);
    if (command == "demo") return cmd_demo(argc - 1, argv + 1);
    if (command == "generate") return cmd_generate(argc - 1, argv + 1);
    if (command == "ingest") return cmd_ingest(argc - 1, argv + 1);
    if (command == "replay") return cmd_replay(argc - 1, argv + 1);
    if (command == "journal") return cmd_journal(argc - 1, argv + 1);
    if (command == "passwd") return cmd_passwd(argc - 1, argv + 1);
    if (command == "healthcheck") return cmd_healthcheck(argc - 1, argv + 1);
    if (command == "evaluate") return cmd_evaluate(argc - 1, argv + 1);
    if (command == "report") return cmd_report(argc - 1, argv + 1);
    if (command == "help" || command == "--help" || command == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "naervaer: unknown command \"%s\" (try `naervaer help`)\n", command.c_str());
    return 2;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "naervaer %s: %s\n", command.c_str(), e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "naervaer %s: %s\n", command.c_str(), e.what());
    return 1;
  }
}
