#include "replay_server.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "http_server.h"
#include "serving.h"

namespace naervaer {

namespace {

// A pipeline that has stopped: the projection is all there is.
class FixedSource final : public ServingSource {
 public:
  FixedSource(Projection projection, std::unique_ptr<TimeTravel> past, std::uint64_t events)
      : projection_(std::move(projection)), past_(std::move(past)), events_(events) {}

  [[nodiscard]] std::string not_ready_reason() const override { return {}; }
  [[nodiscard]] PipelineStatus status() override {
    PipelineStatus st;
    st.as_of = projection_.as_of();
    st.events_applied = events_;
    return st;
  }
  void pipeline_metrics(std::string& out) override {
    out.append("# naervaer replay: a fixed projection, no pipeline\n");
  }
  void read_projection(const std::function<void(const Projection&, std::uint64_t)>& read) override {
    read(projection_, 0);
  }
  TimeTravel* time_travel() override { return past_.get(); }

 private:
  const Projection projection_;
  std::unique_ptr<TimeTravel> past_;
  std::uint64_t events_;
};

}  // namespace

int serve_replay(Projection projection, std::unique_ptr<TimeTravel> past, const ReplayServerOptions& options,
                 const std::atomic<bool>& stop) {
  FixedSource source(std::move(projection), std::move(past), options.events);
  Serving serving(source);
  const http::Server server(
      options.listen, [&serving](const http::Request& r) { return serving.handle(r); }, 2, options.web,
      options.web_config_file);
  std::fprintf(stderr, "naervaer replay: serving http://%s (the page, /api/v1, /report) %s; Ctrl-C to stop\n",
               server.address().c_str(), options.description.c_str());
  while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return 0;
}

}  // namespace naervaer
