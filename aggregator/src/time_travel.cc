#include "time_travel.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <future>
#include <list>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "naervaer/projections/binary.h"
#include "naervaer/projections/decode.h"
#include "naervaer/projections/known_at.h"
#include "state_store.h"
#include "state_view.h"

namespace naervaer {

struct TimeTravel::Impl {
  explicit Impl(TimeTravelOptions options) : o(std::move(options)) {
    worker = std::thread([this] { work(); });
  }
  ~Impl() {
    {
      std::lock_guard lock(jobs_mutex);
      stopping = true;
    }
    jobs_cv.notify_all();
    worker.join();
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  TimeTravelOptions o;

  // ---- the worker: folds at the lowest CPU priority, one at a time ----------------------
  // The live fold keeps its rate: on two cores a journal fold at nice 19 gets what the live
  // pipeline leaves.
  std::thread worker;
  std::mutex jobs_mutex;
  std::condition_variable jobs_cv;
  std::deque<std::function<void()>> jobs;
  bool stopping = false;

  void work() {
    // SCHED_IDLE: runs only on a core nothing else wants (falls back to nice 19).
    (void)pthread_setname_np(pthread_self(), "naervaer-past");  // for top -H and the bench
    sched_param idle{};
    if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle) != 0) {
      (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 19);
    }
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(jobs_mutex);
        jobs_cv.wait(lock, [&] { return stopping || !jobs.empty(); });
        if (jobs.empty()) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      job();
    }
  }

  template <class F>
  auto run(F f) -> decltype(f()) {
    auto task = std::make_shared<std::packaged_task<decltype(f())()>>(std::move(f));
    auto result = task->get_future();
    {
      std::lock_guard lock(jobs_mutex);
      jobs.emplace_back([task] { (*task)(); });
    }
    jobs_cv.notify_one();
    return result.get();
  }

  // ---- the cache of projections ------------------------------------------------------------
  struct Entry {
    std::string key;
    std::shared_future<std::shared_ptr<const Projection>> projection;
    std::uint64_t bytes = 0;
  };
  mutable std::mutex cache_mutex;
  std::list<Entry> cache;  // the most recently used first

  std::shared_ptr<const Projection> at(std::optional<std::int64_t> known_at_ms, Date as_of) {
    const std::string key = (known_at_ms ? std::to_string(*known_at_ms) : std::string("now")) + "@" + as_of.iso();
    std::promise<std::shared_ptr<const Projection>> promise;
    std::shared_future<std::shared_ptr<const Projection>> future;
    bool mine = false;  // this call added the entry, so it folds
    {
      std::lock_guard lock(cache_mutex);
      for (auto it = cache.begin(); it != cache.end(); ++it) {
        if (it->key != key) continue;
        cache.splice(cache.begin(), cache, it);  // a concurrent request for the same waits for one fold
        future = it->projection;
        break;
      }
      if (!future.valid()) {
        future = promise.get_future().share();
        cache.push_front(Entry{key, future, 0});
        mine = true;
      }
    }
    if (!mine) return get_or_forget(key, future);
    try {
      auto projection = run([&] {
        StateViewOptions v;
        v.state_dir = o.state_dir;
        v.topic = o.topic;
        v.today = as_of;
        v.projection = o.projection;
        v.known_at_ms = known_at_ms;
        return std::make_shared<const Projection>(std::move(load_state_view(v).projection));
      });
      promise.set_value(projection);
      remember(key, projection->stats().memory_bytes);
      return projection;
    } catch (...) {
      promise.set_exception(std::current_exception());
      forget(key);
      throw;
    }
  }

  std::shared_ptr<const Projection> get_or_forget(const std::string& key,
                                                  const std::shared_future<std::shared_ptr<const Projection>>& f) {
    try {
      return f.get();
    } catch (...) {
      forget(key);
      throw;
    }
  }

  void remember(const std::string& key, std::uint64_t bytes) {
    std::lock_guard lock(cache_mutex);
    for (Entry& e : cache) {
      if (e.key == key) e.bytes = bytes;
    }
    // Drop the least recently used beyond the limits, and under memory pressure (the kept
    // projections may take at most half of what the system has available); readers keep
    // theirs alive meanwhile.
    const std::uint64_t budget = std::min(o.cache_bytes, available_memory_bytes() / 2 + total_bytes_locked());
    std::uint64_t total = 0;
    std::size_t n = 0;
    for (auto it = cache.begin(); it != cache.end();) {
      total += it->bytes;
      ++n;
      if (n > 1 && (n > o.cache_entries || total > budget)) {
        total -= it->bytes;
        --n;
        it = cache.erase(it);
      } else {
        ++it;
      }
    }
  }

  std::uint64_t total_bytes_locked() const {
    std::uint64_t total = 0;
    for (const Entry& e : cache) total += e.bytes;
    return total;
  }

  // MemAvailable of /proc/meminfo (the kernel's estimate of what can be allocated without
  // swapping); unknown: no limit from it.
  static std::uint64_t available_memory_bytes() {
    std::FILE* f = std::fopen("/proc/meminfo", "r");
    if (!f) return UINT64_MAX / 4;
    char line[256];
    std::uint64_t kib = 0;
    while (std::fgets(line, sizeof line, f)) {
      static constexpr std::string_view kKey = "MemAvailable:";
      if (std::string_view(line).starts_with(kKey)) {
        kib = std::strtoull(line + kKey.size(), nullptr, 10);
        break;
      }
    }
    std::fclose(f);
    return kib == 0 ? UINT64_MAX / 4 : kib * 1024;
  }

  void forget(const std::string& key) {
    std::lock_guard lock(cache_mutex);
    cache.remove_if([&](const Entry& e) { return e.key == key; });
  }

  // ---- revisions ------------------------------------------------------------------------------
  std::vector<RevisionPoint> revisions(const std::string& unit, const std::vector<Period>& periods, int lag_days,
                                       Date as_of, std::int64_t now_ms) {
    return run([&] {
      const store::StateStore state(o.state_dir, o.topic, store::StateStore::Access::kReadOnly);
      EventDecoder decoder;
      // Pass 1: every unit that was ever below `unit` (any version of the tree), and every
      // person ever employed in one of them.
      std::unordered_map<std::string, std::set<std::string>> children;  // parent -> units, any version
      std::vector<std::pair<std::string, std::string>> employed;        // (employee, unit), any version
      state.replay([&](std::int32_t, std::string_view entry) {
        auto d = decode_stored(entry, decoder);
        if (const auto* e = std::get_if<Event>(&d)) {
          if (const auto* u = std::get_if<UnitRegistered>(&e->body); u && u->parent)
            children[*u->parent].insert(u->unit);
          if (const auto* m = std::get_if<EmploymentSet>(&e->body)) employed.emplace_back(m->employee, m->unit);
        }
        return true;
      });
      std::unordered_set<std::string> units{unit};
      std::vector<std::string> todo{unit};
      while (!todo.empty()) {
        const std::string u = std::move(todo.back());
        todo.pop_back();
        for (const std::string& c : children[u]) {
          if (units.insert(c).second) todo.push_back(c);
        }
      }
      std::unordered_set<std::string> persons;
      bool everyone = true;  // the unit holds every unit there ever was: no person is left out
      for (const auto& [parent, kids] : children) {
        everyone = everyone && units.count(parent) > 0;
        for (const std::string& k : kids) everyone = everyone && units.count(k) > 0;
      }
      for (const auto& [employee, u] : employed) {
        if (units.count(u)) {
          persons.insert(employee);
        } else {
          everyone = false;
        }
      }
      // Pass 2: those persons' events and every reference event, in consumed order.
      std::vector<ConsumedEvent> events;
      events.reserve(everyone ? state.journal_size() : persons.size() * 64);
      std::uint64_t sequence = 0;
      state.replay([&](std::int32_t, std::string_view entry) {
        auto d = decode_stored(entry, decoder);
        ++sequence;
        if (auto* e = std::get_if<Event>(&d)) {
          const EventType t = e->type();
          const bool reference = t == EventType::kUnitRegistered || t == EventType::kTargetSet ||
                                 t == EventType::kMeasureSet || t == EventType::kMeasureCancelled;
          if (everyone || reference || persons.count(std::string(e->entity_key()))) {
            events.push_back({sequence, std::move(*e)});
          }
        }
        return true;
      });
      KnownAtFold fold(std::move(events), as_of, o.projection);
      std::vector<std::size_t> order(periods.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::sort(order.begin(), order.end(),
                [&](std::size_t a, std::size_t b) { return periods[a].end < periods[b].end; });
      std::vector<RevisionPoint> out(periods.size());
      for (std::size_t i : order) {
        RevisionPoint& r = out[i];
        r.period = periods[i];
        r.published_on = periods[i].end + lag_days;
        const std::int64_t known_at = end_of_day_ms(r.published_on);
        if (known_at > now_ms || r.published_on > as_of) continue;  // not published yet
        r.published = true;
        fold.advance_to(known_at);
        const Projection& p = fold.projection();
        if (const auto id = p.find_unit(unit)) {
          // A closed period's figures do not depend on the as-of date once it is past the
          // period's end: the fold's (today's) gives the publication day's.
          const Figures f = p.figures(*id, periods[i]);
          if (!f.masked) r.published_percent = f.sums.absence_percent();
        }
      }
      return out;
    });
  }
};

TimeTravel::TimeTravel(TimeTravelOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
TimeTravel::~TimeTravel() = default;

std::shared_ptr<const Projection> TimeTravel::at(std::optional<std::int64_t> known_at_ms, Date as_of) {
  return impl_->at(known_at_ms, as_of);
}

std::vector<RevisionPoint> TimeTravel::revisions(const std::string& unit, const std::vector<Period>& periods,
                                                 int lag_days, Date as_of, std::int64_t now_ms) {
  return impl_->revisions(unit, periods, lag_days, as_of, now_ms);
}

}  // namespace naervaer
