#pragma once
// Argument checks: require() throws the fabtwin::error of core/error.hpp whose message names the
// place, the argument, the value it got and what was expected:
//
//   require(nx > 0, "Grid", "nx", nx, "a positive size");
//   -> fabtwin::Grid: argument 'nx' = 0; expected a positive size
//
// Checks run on every call, often in hot loops (per image, per bake step), while their messages
// are needed only when a check fails. So each part of a message (argument, value, expected) may
// be given as a callable returning it, called only then:
//
//   require(w >= 0, where, [&] { return "weights[" + std::to_string(k) + "]"; }, w,
//           [&] { return "a weight in [0, " + describe(limit) + "]"; });
//
// Literals and strings that already exist are given as they are; a part built by concatenation
// goes into a lambda, so that a check that passes builds no string. Host code only (it throws):
// never call it from FABTWIN_HD code.

#include <concepts>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

#include "fabtwin/core/error.hpp"

namespace fabtwin {

/// Text of a message: what a std::string_view is made from (a literal, a std::string), or a
/// callable returning text (a std::string, a const char*), called only when the message is built.
template <class Part>
concept message_part = std::convertible_to<const Part&, std::string_view> ||
    (std::invocable<const Part&>&&
         std::constructible_from<std::string, std::invoke_result_t<const Part&>>);

/// The text of a message part: the text itself, or what the callable returns.
template <message_part Part>
auto message_text(const Part& part) {
  if constexpr (std::convertible_to<const Part&, std::string_view>)
    return std::string_view(part);
  else
    return std::string(part());
}

/// `value` as `out << value` writes it; a callable is called and its result described. Other
/// layers have functions of this name (Source::describe, optics::describe of an enum): call this
/// one as ::fabtwin::describe.
template <class Value>
std::string describe(const Value& value) {
  if constexpr (std::invocable<const Value&>) {
    return describe(value());
  } else {
    std::ostringstream out;
    out << value;
    return out.str();
  }
}

/// "fabtwin::Grid: argument 'nx' = 0; expected a positive size"
template <message_part Where, message_part Argument, class Value, message_part Expected>
std::string argument_message(const Where& where, const Argument& argument, const Value& value,
                             const Expected& expected) {
  std::string message = "fabtwin::";
  message.append(message_text(where))
      .append(": argument '")
      .append(message_text(argument))
      .append("' = ");
  message.append(describe(value)).append("; expected ").append(message_text(expected));
  return message;
}

/// Throws `Error` (an invalid_argument by default) with argument_message(where, argument, value,
/// expected) unless `ok` holds; builds nothing when it holds.
template <class Error = invalid_argument, message_part Where, message_part Argument, class Value,
          message_part Expected>
void require(bool ok, const Where& where, const Argument& argument, const Value& value,
             const Expected& expected) {
  if (!ok) [[unlikely]]
    throw Error(argument_message(where, argument, value, expected));
}

}  // namespace fabtwin
