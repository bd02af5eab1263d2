#include "evaluate_command.h"

#include <boost/json.hpp>
#include <cstdio>
#include <stdexcept>

#include "api.h"
#include "evaluation_report.h"
#include "json_text.h"
#include "private_file.h"
#include "state_view.h"

namespace naervaer {

int run_evaluate(const EvaluateOptions& o) {
  StateViewOptions view_options;
  view_options.state_dir = o.state_dir;
  view_options.topic = o.topic;
  view_options.today = o.today;
  view_options.projection = o.projection;
  view_options.known_at_ms = o.known_at_ms;
  if (!o.quiet) {
    view_options.progress = [](std::uint64_t n, std::uint64_t total) {
      std::fprintf(stderr, "naervaer evaluate: reading the journal: %llu of %llu events\n",
                   static_cast<unsigned long long>(n), static_cast<unsigned long long>(total));
    };
  }
  const StateView view = load_state_view(view_options);
  const Projection& p = view.projection;
  if (view.unreadable > 0) {
    std::fprintf(stderr, "naervaer evaluate: %llu damaged journal entries were left out\n",
                 static_cast<unsigned long long>(view.unreadable));
  }
  if (view.person_partitions.size() < view.known_partitions.size()) {
    // Scaled out, another instance holds the other persons: an evaluation needs them all.
    std::fprintf(stderr,
                 "naervaer evaluate: this state holds the persons of %zu of %zu partitions, so the evaluation covers "
                 "only them; ask a running instance started with --peer for the whole "
                 "(/api/v1/measures/ID/evaluation)\n",
                 view.person_partitions.size(), view.known_partitions.size());
  }
  std::vector<std::string> ids = o.measures;
  if (ids.empty()) {
    for (const MeasureSet& m : p.measures()) ids.push_back(m.measure_id);
  }
  std::vector<Evaluation> evaluations;
  for (const std::string& id : ids) {
    auto result = evaluate_measure(p, id, o.evaluation);
    if (const auto* e = std::get_if<EvaluationError>(&result)) {
      std::fprintf(stderr, "naervaer evaluate: %s\n", e->message.c_str());
      return 1;
    }
    evaluations.push_back(std::move(std::get<Evaluation>(result)));
  }
  std::string text;
  if (o.format == "csv") {
    text = report::evaluations_csv(p, evaluations);
  } else if (o.format == "html") {
    text = report::evaluations_html(p, evaluations);
  } else if (o.measures.size() == 1) {  // one measure: the API's document, to compare with it
    text = api::evaluation_json(p, evaluations.front()).body + "\n";
  } else {
    boost::json::array list;
    for (const Evaluation& e : evaluations) list.push_back(boost::json::parse(api::evaluation_json(p, e).body));
    text = api::json_text(boost::json::object{{"as_of", p.as_of().iso()}, {"evaluations", std::move(list)}}) + "\n";
  }
  if (o.out) {
    write_owner_only_file(*o.out, text);
    if (!o.quiet) {
      std::fprintf(stderr, "naervaer evaluate: %zu evaluations as of %s written to %s\n", evaluations.size(),
                   p.as_of().iso().c_str(), o.out->c_str());
    }
    return 0;
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (std::fflush(stdout) != 0) {
    std::fprintf(stderr, "naervaer evaluate: cannot write to standard output\n");
    return 1;
  }
  return 0;
}

}  // namespace naervaer
