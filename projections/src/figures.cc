#include "naervaer/projections/figures.h"

namespace naervaer {

std::string_view to_string(DurationClass c) noexcept {
  switch (c) {
    case DurationClass::k1To7:
      return "1-7";
    case DurationClass::k8To16:
      return "8-16";
    case DurationClass::k17To56:
      return "17-56";
    case DurationClass::k57To140:
      return "57-140";
    case DurationClass::k141To273:
      return "141-273";
    case DurationClass::k274Plus:
      return "274+";
  }
  return "?";
}

DurationClass duration_class(std::int32_t n) noexcept {
  if (n <= 7) return DurationClass::k1To7;
  if (n <= 16) return DurationClass::k8To16;
  if (n <= 56) return DurationClass::k17To56;
  if (n <= 140) return DurationClass::k57To140;
  if (n <= 273) return DurationClass::k141To273;
  return DurationClass::k274Plus;
}

std::string_view to_string(Band b) noexcept {
  switch (b) {
    case Band::kGreen:
      return "green";
    case Band::kYellow:
      return "yellow";
    case Band::kRed:
      return "red";
  }
  return "?";
}

}  // namespace naervaer
