// Units, the unit tree (DOMAIN.md §8) and targets and thresholds (§10).
#include <stdexcept>

#include "projection_state.h"

namespace naervaer {

UnitId Projection::State::ensure_unit(const std::string& id) {
  auto [it, inserted] = unit_index.try_emplace(id, static_cast<UnitId>(units.size()));
  if (inserted) {
    UnitState u;
    u.info.id = id;
    u.info.name = id;
    units.push_back(std::move(u));
    rebuild_tour();
  }
  return it->second;
}

void Projection::State::rebuild_tour() {
  tour.clear();
  tour.reserve(units.size());
  for (UnitId r = 0; r < units.size(); ++r) {
    if (!units[r].info.parent) visit(r);
  }
}

void Projection::State::visit(UnitId root) {
  // Iterative depth-first walk: trees may be deep, the stack must not be.
  std::vector<std::pair<UnitId, std::size_t>> stack{{root, 0}};
  units[root].tin = static_cast<std::int32_t>(tour.size());
  tour.push_back(root);
  while (!stack.empty()) {
    auto& [u, next] = stack.back();
    if (next < units[u].info.children.size()) {
      const UnitId c = units[u].info.children[next++];
      units[c].tin = static_cast<std::int32_t>(tour.size());
      tour.push_back(c);
      stack.emplace_back(c, 0);
    } else {
      units[u].tout = static_cast<std::int32_t>(tour.size());
      stack.pop_back();
    }
  }
}

ApplyResult Projection::State::on(const UnitRegistered& e) {
  const UnitId u = ensure_unit(e.unit);
  std::optional<UnitId> parent;
  if (e.parent) {
    parent = ensure_unit(*e.parent);
    for (std::optional<UnitId> a = parent; a; a = units[*a].info.parent) {
      if (*a == u) {
        return {Outcome::kRejected,
                Rejection{Reason::kHierarchyCycle, "parent " + *e.parent + " is a descendant of unit " + e.unit}};
      }
    }
  }
  UnitInfo& info = units[u].info;
  info.name = e.name;
  info.registered = true;
  if (info.parent != parent) {
    if (info.parent) {
      auto& siblings = units[*info.parent].info.children;
      siblings.erase(std::find(siblings.begin(), siblings.end(), u));
    }
    if (parent) units[*parent].info.children.push_back(u);
    info.parent = parent;
    rebuild_tour();
  }
  return {};
}

ApplyResult Projection::State::on(const TargetSet& e) {
  units[ensure_unit(e.unit)].targets[e.year] = TargetRec{e.attendance_target, e.absence_threshold};
  return {};
}

std::size_t Projection::unit_count() const noexcept {
  return s_->units.size();
}

const UnitInfo& Projection::unit(UnitId id) const {
  if (id >= s_->units.size()) throw std::out_of_range("no unit with this id");
  return s_->units[id].info;
}

std::optional<UnitId> Projection::find_unit(std::string_view id) const {
  auto it = s_->unit_index.find(std::string(id));
  if (it == s_->unit_index.end()) return std::nullopt;
  return it->second;
}

std::vector<UnitId> Projection::roots() const {
  std::vector<UnitId> out;
  for (UnitId u = 0; u < s_->units.size(); ++u) {
    if (!s_->units[u].info.parent) out.push_back(u);
  }
  return out;
}

bool Projection::is_descendant_or_self(UnitId unit, UnitId ancestor) const noexcept {
  if (unit >= s_->units.size() || ancestor >= s_->units.size()) return false;
  return s_->in_subtree(unit, ancestor);
}

TargetView Projection::target(UnitId unit, int year) const {
  if (unit >= s_->units.size()) throw std::out_of_range("no unit with this id");
  TargetView v;
  for (std::optional<UnitId> u = unit; u; u = s_->units[*u].info.parent) {
    const auto& targets = s_->units[*u].targets;
    auto it = targets.find(year);
    if (it == targets.end()) continue;
    if (!v.attendance_target) {
      v.attendance_target = it->second.attendance_target;
      v.target_from = *u;
    }
    if (!v.absence_threshold && it->second.absence_threshold) {
      v.absence_threshold = it->second.absence_threshold;
      v.threshold_from = *u;
    }
  }
  if (!v.absence_threshold) v.absence_threshold = s_->options.default_absence_threshold;
  return v;
}

}  // namespace naervaer
