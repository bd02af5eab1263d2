#include "json_text.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

namespace naervaer::api {

namespace {

void write(const boost::json::value& v, std::string& out) {
  switch (v.kind()) {
    case boost::json::kind::null:
      out.append("null");
      return;
    case boost::json::kind::bool_:
      out.append(v.get_bool() ? "true" : "false");
      return;
    case boost::json::kind::int64:
      out.append(std::to_string(v.get_int64()));
      return;
    case boost::json::kind::uint64:
      out.append(std::to_string(v.get_uint64()));
      return;
    case boost::json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) {
        out.append("null");
        return;
      }
      // The shortest text that reads back as the same double, without an exponent.
      char buf[400];
      const auto r = std::to_chars(buf, buf + sizeof buf, d == 0 ? 0.0 : d, std::chars_format::fixed);
      out.append(buf, r.ptr);
      return;
    }
    case boost::json::kind::string:
      out.append(boost::json::serialize(v));  // its escaping
      return;
    case boost::json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        write(e, out);
      }
      out.push_back(']');
      return;
    }
    case boost::json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        out.append(boost::json::serialize(boost::json::string_view(kv.key())));
        out.push_back(':');
        write(kv.value(), out);
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

std::string json_text(const boost::json::value& v) {
  std::string out;
  write(v, out);
  return out;
}

}  // namespace naervaer::api
