// The small built-in page served at `/` for people without Grafana (aggregator/web/index.html,
// embedded at build time so the binary needs no files beside it).
#pragma once

#include <string_view>

namespace naervaer {

std::string_view web_page() noexcept;

}  // namespace naervaer
