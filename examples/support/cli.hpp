#pragma once
// The command line the examples share. A program declares each option once, with its name, the
// kind of value it takes, a help text and a default (the value of the variable it is bound to);
// Cli::parse then reads argv strictly, refusing unknown options, missing values, trailing garbage
// ("4nm", "2.7" for a count, "10xyz"), repeats and values out of range with one line that names
// the option, the value and what was expected, and prints the usage made from the same
// declarations for --help or -h anywhere on the line. exit_status runs a program's body and turns
// whatever it throws into one line on stderr and an exit status:
//   0 done, 1 error (a library message: "program: message"), 2 bad command line,
//   77 skipped (shared data absent; the program says so itself).

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <limits>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/io/json.hpp"

namespace examples {

/// A command line that does not match the declarations: exit status 2. Carries the synopsis so
/// that exit_status can show it under the message.
class usage_error : public std::runtime_error {
 public:
  usage_error(const std::string& message, std::string synopsis)
      : std::runtime_error(message), synopsis_(std::move(synopsis)) {}
  const std::string& synopsis() const { return synopsis_; }

 private:
  std::string synopsis_;
};

/// The number `text` spells, if all of it does, in decimal, and it is finite ("1e3", "-0.5" yes;
/// "12nm", " 4", "0x10", "inf", "nan", "" no).
inline std::optional<double> parse_number(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789+-.eE") != std::string::npos)
    return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (*end != '\0' || !std::isfinite(value)) return std::nullopt;
  return value;
}

/// The whole number `text` spells in decimal digits, if it is at most `max` ("12" yes; "+1", "-1",
/// "2.7", "1e3", "" no).
inline std::optional<unsigned long long> parse_whole(std::string_view text,
                                                     unsigned long long max) {
  unsigned long long value = 0;
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(text.data(), last, value);
  if (text.empty() || ec != std::errc() || end != last || value > max) return std::nullopt;
  return value;
}

/// What a number option accepts, for its check and its messages ("a bake time > 0 s").
struct NumberRule {
  std::string what = {};  ///< "a bake time"
  std::string unit = {};  ///< "s", "nm", or empty
  std::optional<double> above = {}, at_least = {}, below = {}, at_most = {};

  bool admits(double v) const {
    return (!above || v > *above) && (!at_least || v >= *at_least) && (!below || v < *below) &&
           (!at_most || v <= *at_most);
  }
  /// "> 0 s", "in [0.001, 1]", "nm" (no bounds), "" (neither bounds nor unit).
  std::string constraint() const {
    using fabtwin::describe;
    const bool low = above || at_least, high = below || at_most;
    std::string text;
    if (low && high)
      text = std::string("in ") + (above ? "(" : "[") + describe(above ? *above : *at_least) +
             ", " + describe(below ? *below : *at_most) + (below ? ")" : "]");
    else if (low)
      text = (above ? "> " : ">= ") + describe(above ? *above : *at_least);
    else if (high)
      text = (below ? "< " : "<= ") + describe(below ? *below : *at_most);
    if (unit.empty()) return text;
    return text.empty() ? unit : text + " " + unit;
  }
  /// "a bake time > 0 s", "a defocus in nm".
  std::string expected() const {
    const bool bounded = above || at_least || below || at_most;
    if (bounded) return what + " " + constraint();
    return unit.empty() ? what : what + " in " + unit;
  }
};

/// What a path option names: a file to read, a folder to read, or a folder to write into (checked
/// by io::prepare_output_directory when the run starts). A file or folder that does not exist is
/// left to the reader (the programs skip, exit 77, on absent shared data); one of the wrong kind is
/// refused here.
enum class PathKind { file, folder, output };

class Cli {
 public:
  enum class Parsed { run, help };

  /// `program`: its name in messages; `about`: what it does, for --help (lines of at most 100
  /// characters); `command`: a word that must come first ("eval"), or empty.
  Cli(std::string program, std::string about, std::string command = "")
      : program_(std::move(program)), about_(std::move(about)), command_(std::move(command)) {}

  /// Text, non-empty (every value must be valid UTF-8: it may go into JSON); `valid`, when given,
  /// checks it further and `expected` says what it accepts.
  Cli& text(std::string name, std::string metavar, std::string help, std::string& target,
            std::string expected, std::function<bool(const std::string&)> valid = {}) {
    return add(std::move(name), std::move(metavar), std::move(help), expected, expected, target,
               [&target, valid = std::move(valid)](const std::string& value) {
                 if (value.empty() || (valid && !valid(value))) return false;
                 target = value;
                 return true;
               });
  }

  Cli& path(std::string name, std::string metavar, std::string help, std::string& target,
            PathKind kind) {
    static const char* const expected[] = {"a file", "a folder", "a folder to write into"};
    const std::string e = expected[int(kind)];
    add(std::move(name), std::move(metavar), std::move(help), e, e, target,
        [&target](const std::string& value) {
          if (value.empty()) return false;
          target = value;
          return true;
        });
    // The wrong kind of path has its own message: "--clip d: expected a file, found a folder".
    if (kind != PathKind::output)
      options_.back().check = [kind, e](const std::string& value) -> std::string {
        std::error_code ec;
        const auto status = std::filesystem::status(value, ec);
        if (!std::filesystem::exists(status)) return "";
        const bool folder = std::filesystem::is_directory(status);
        if (kind == PathKind::file && folder) return e + ", found a folder";
        if (kind == PathKind::folder && !folder) return e + ", found a file";
        return "";
      };
    return *this;
  }

  Cli& number(std::string name, std::string metavar, std::string help, double& target,
              NumberRule rule) {
    return add(std::move(name), std::move(metavar), std::move(help), rule.constraint(),
               rule.expected(), describe(target), [&target, rule](const std::string& value) {
                 const auto v = parse_number(value);
                 if (!v || !rule.admits(*v)) return false;
                 target = *v;
                 return true;
               });
  }

  /// A number without a fixed default (the default is described by `shown_default`).
  Cli& number(std::string name, std::string metavar, std::string help,
              std::optional<double>& target, NumberRule rule) {
    return add(std::move(name), std::move(metavar), std::move(help), rule.constraint(),
               rule.expected(), "", [&target, rule](const std::string& value) {
                 const auto v = parse_number(value);
                 if (!v || !rule.admits(*v)) return false;
                 target = *v;
                 return true;
               });
  }

  /// A whole number >= 1 ("a kernel count").
  template <std::integral I>
  Cli& count(std::string name, std::string metavar, std::string help, I& target,
             const std::string& what) {
    return add(
        std::move(name), std::move(metavar), std::move(help), "a whole number >= 1",
        what + ", a whole number >= 1", describe(target), [&target](const std::string& value) {
          const auto v = parse_whole(value, (unsigned long long)std::numeric_limits<I>::max());
          if (!v || *v < 1) return false;
          target = I(*v);
          return true;
        });
  }

  /// A GDSII layer "L/D", each a whole number in 0..65535; `Layer` has members layer and datatype.
  template <class Layer>
  Cli& layer(std::string name, std::string metavar, std::string help, Layer& target) {
    return add(std::move(name), std::move(metavar), std::move(help), "L/D, each in 0..65535",
               "a layer L/D with L and D whole numbers in 0..65535",
               std::to_string(target.layer) + "/" + std::to_string(target.datatype),
               [&target](const std::string& value) {
                 const std::size_t slash = value.find('/');
                 if (slash == std::string::npos) return false;
                 const std::string_view all(value);
                 const auto l = parse_whole(all.substr(0, slash), 65535),
                            d = parse_whole(all.substr(slash + 1), 65535);
                 if (!l || !d) return false;
                 target.layer = decltype(target.layer)(*l);
                 target.datatype = decltype(target.datatype)(*d);
                 return true;
               });
  }

  /// N finite numbers separated by commas ("X0,Y0,X1,Y1"); `valid`, when given, checks them
  /// together and `expected` says what is accepted.
  template <std::size_t N>
  Cli& numbers(std::string name, std::string metavar, std::string help,
               std::array<double, N>& target, std::string expected,
               std::type_identity_t<std::function<bool(const std::array<double, N>&)>> valid = {}) {
    std::string shown;
    for (std::size_t i = 0; i < N; ++i) shown += (i ? "," : "") + describe(target[i]);
    return add(std::move(name), std::move(metavar), std::move(help), expected, expected, shown,
               [&target, valid = std::move(valid)](const std::string& value) {
                 std::array<double, N> v{};
                 std::size_t start = 0;
                 for (std::size_t i = 0; i < N; ++i) {
                   const std::size_t comma = i + 1 < N ? value.find(',', start) : value.size();
                   if (comma == std::string::npos) return false;
                   const auto x = parse_number(value.substr(start, comma - start));
                   if (!x) return false;
                   v[i] = *x;
                   start = comma + 1;
                 }
                 if (valid && !valid(v)) return false;
                 target = v;
                 return true;
               });
  }

  /// One of a few named values, `names` pairing each word with its value ({{"off", Form::off}, ...});
  /// the metavar lists the words ("a|b|c") and the default shown is the word of `target`'s value.
  template <class Value>
  Cli& choice(std::string name, std::string help, Value& target,
              std::vector<std::pair<std::string, Value>> names) {
    std::string words, shown;
    for (const auto& [word, value] : names) {
      words += (words.empty() ? "" : "|") + word;
      if (value == target) shown = word;
    }
    return add(std::move(name), words, std::move(help), "one of " + words, "one of " + words, shown,
               [&target, names = std::move(names)](const std::string& value) {
                 for (const auto& [word, v] : names)
                   if (word == value) {
                     target = v;
                     return true;
                   }
                 return false;
               });
  }

  /// Text that may be given several times, each value appended to `target` in order; `valid`,
  /// when given, checks each one and `expected` says what it accepts.
  Cli& texts(std::string name, std::string metavar, std::string help,
             std::vector<std::string>& target, std::string expected,
             std::function<bool(const std::string&)> valid = {}) {
    add(std::move(name), std::move(metavar), std::move(help), expected, expected, std::string(),
        [&target, valid = std::move(valid)](const std::string& value) {
          if (value.empty() || (valid && !valid(value))) return false;
          target.push_back(value);
          return true;
        });
    options_.back().repeatable = true;
    options_.back().default_text.clear();
    return *this;
  }

  /// An option without a value: sets `target` to true.
  Cli& flag(std::string name, std::string help, bool& target) {
    Option o;
    o.name = std::move(name);
    o.help = std::move(help);
    o.takes_value = false;
    o.set = [&target](const std::string&) {
      target = true;
      return true;
    };
    options_.push_back(std::move(o));
    return *this;
  }

  /// The option declared last must be given.
  Cli& required() {
    options_.back().required = true;
    return *this;
  }
  /// What --help shows as the default of the option declared last (when its variable cannot say).
  Cli& shown_default(std::string text) {
    options_.back().default_text = std::move(text);
    return *this;
  }
  /// What --help says about exit status 77 (the program skips when its shared data is absent).
  Cli& skips(std::string when) {
    skip_ = std::move(when);
    return *this;
  }

  /// Reads argv into the bound variables (usage_error on any mismatch), or prints the usage to
  /// stdout and returns Parsed::help when --help or -h appears anywhere.
  Parsed parse(int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i)
      if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
        std::fputs(usage().c_str(), stdout);
        return Parsed::help;
      }
    int i = 1;
    if (!command_.empty()) {
      if (argc < 2) fail("missing the command '" + command_ + "'");
      if (argv[1] != command_)
        fail("expected the command '" + command_ + "' first, found '" + std::string(argv[1]) + "'");
      i = 2;
    }
    for (; i < argc; ++i) {
      const std::string arg = argv[i];
      Option* o = find(arg);
      if (!o) {
        const std::size_t equals = arg.find('=');
        if (arg.rfind("-", 0) != 0)
          fail("unexpected argument " + quoted(arg) + " (options start with --)");
        if (equals != std::string::npos && find(arg.substr(0, equals)))
          fail("unknown option " + arg + " (write " + arg.substr(0, equals) + " " +
               arg.substr(equals + 1) + ")");
        fail("unknown option " + quoted(arg));
      }
      if (o->given && !o->repeatable)
        fail(o->name + " given twice" +
             (o->takes_value ? " (" + quoted(o->value) + ", then " +
                                   (i + 1 < argc ? quoted(argv[i + 1]) : "no value") + ")"
                             : "") +
             "; give it once");
      o->given = true;
      if (!o->takes_value) {
        o->set("");
        continue;
      }
      if (i + 1 >= argc || std::string_view(argv[i + 1]).starts_with("--"))
        fail(o->name + ": missing value" +
             (i + 1 < argc ? " before " + std::string(argv[i + 1]) : std::string()) +
             "; expected " + o->expected);
      o->value = argv[++i];
      // Not echoed: the bytes would garble the terminal. Every value may end up in a JSON summary.
      if (!utf8(o->value))
        fail(o->name + ": the value is not valid UTF-8; expected " + o->expected);
      if (!o->set(o->value)) refuse(o->name, o->expected);
      if (o->check)
        if (const std::string problem = o->check(o->value); !problem.empty())
          fail(o->name + " " + quoted(o->value) + ": expected " + problem);
    }
    std::string missing;
    for (const Option& o : options_)
      if (o.required && !o.given)
        missing += (missing.empty() ? "" : ", ") + o.name + " " + o.metavar;
    if (!missing.empty()) fail("missing " + missing + " (required)");
    return Parsed::run;
  }

  bool given(std::string_view name) const {
    for (const Option& o : options_)
      if (o.name == name) return o.given;
    return false;
  }

  /// Refuses `a` and `b` given together; `why` says why they exclude each other.
  void exclusive(std::string_view a, std::string_view b, const std::string& why) const {
    if (given(a) && given(b))
      fail(std::string(a) + " and " + std::string(b) + " exclude each other: " + why);
  }

  /// Throws the usage_error "NAME VALUE: expected EXPECTED" for a value that passed its own check
  /// but not one against other options (VALUE: as given, or the default).
  [[noreturn]] void refuse(std::string_view name, const std::string& expected) const {
    for (const Option& o : options_)
      if (o.name == name)
        fail(o.name + " " + (o.given ? quoted(o.value) : o.default_text + " (the default)") +
             ": expected " + expected);
    fail(std::string(name) + ": expected " + expected);
  }

  /// "usage: program [--a X] --b Y ...", wrapped at 100 columns.
  std::string synopsis() const {
    std::vector<std::string> items;
    if (!command_.empty()) items.push_back(command_);
    for (const Option& o : options_) {
      const std::string item = o.takes_value ? o.name + " " + o.metavar : o.name;
      items.push_back(o.required ? item : "[" + item + "]");
    }
    std::string text = "usage: " + program_, line = text;
    const std::string indent(text.size() + 1, ' ');
    for (const std::string& item : items) {
      if (line.size() + 1 + item.size() > 100) {
        text += "\n" + indent + item;
        line = indent + item;
      } else {
        text += " " + item;
        line += " " + item;
      }
    }
    return text;
  }

  /// The whole of --help: synopsis, what the program does, the options, the exit statuses.
  std::string usage() const {
    std::string text = synopsis() + "\n\n" + about_ + "\n\nOptions:\n";
    std::vector<std::pair<std::string, std::string>> rows;
    for (const Option& o : options_) {
      std::string note = o.constraint;
      if (o.repeatable)
        note += std::string(note.empty() ? "" : "; ") + "may be given several times";
      if (o.required)
        note += std::string(note.empty() ? "" : "; ") + "required";
      else if (!o.default_text.empty())
        note += std::string(note.empty() ? "" : "; ") + "default " + o.default_text;
      rows.emplace_back(o.takes_value ? o.name + " " + o.metavar : o.name,
                        o.help + (note.empty() ? "" : " (" + note + ")"));
    }
    rows.emplace_back("-h, --help", "print this help and exit");
    for (const auto& [left, right] : rows) text += wrap("  " + left, right);
    text += "\nExit status: 0 done, 1 error, 2 bad command line";
    if (!skip_.empty()) text += ", 77 skipped (" + skip_ + ")";
    return text + ".\n";
  }

 private:
  struct Option {
    std::string name, metavar, help, constraint, expected, default_text, value;
    bool required = false, takes_value = true, given = false, repeatable = false;
    std::function<bool(const std::string&)> set;  ///< parses, checks, stores; false: refused
    std::function<std::string(const std::string&)>
        check;  ///< a refusal with its own message, or ""
  };

  template <class Value>
  static std::string describe(const Value& value) {
    return fabtwin::describe(value);
  }
  static std::string describe(const std::string& value) { return value; }

  static bool utf8(const std::string& text) {
    try {
      (void)fabtwin::io::json::Value(text);
      return true;
    } catch (const fabtwin::invalid_argument&) {
      return false;
    }
  }

  /// The value as typed, quoted when it would not read as one word ('', '4 nm').
  static std::string quoted(const std::string& value) {
    if (!value.empty() && value.find_first_of(" \t\n'\"") == std::string::npos) return value;
    return "'" + value + "'";
  }

  template <class Default>
  Cli& add(std::string name, std::string metavar, std::string help, std::string constraint,
           std::string expected, const Default& shown,
           std::function<bool(const std::string&)> set) {
    Option o;
    o.name = std::move(name);
    o.metavar = std::move(metavar);
    o.help = std::move(help);
    o.constraint = std::move(constraint);
    o.expected = std::move(expected);
    o.default_text = describe(shown);
    o.set = std::move(set);
    options_.push_back(std::move(o));
    return *this;
  }

  Option* find(std::string_view name) {
    for (Option& o : options_)
      if (o.name == name) return &o;
    return nullptr;
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw usage_error(message, synopsis());
  }

  /// "  --name X    help" with the help wrapped at 100 columns in a column of its own.
  static std::string wrap(const std::string& left, const std::string& right) {
    constexpr std::size_t column = 24, width = 100;
    std::string text = left, line = left;
    if (left.size() + 2 > column) {
      text += "\n";
      line.clear();
    }
    const auto pad = [&] {
      text += std::string(column - line.size(), ' ');
      line = std::string(column, ' ');
    };
    pad();
    bool first = true;
    for (std::size_t start = 0; start < right.size();) {
      std::size_t end = right.find(' ', start);
      if (end == std::string::npos) end = right.size();
      const std::string word = right.substr(start, end - start);
      if (!first && line.size() + 1 + word.size() > width) {
        text += "\n";
        line.clear();
        pad();
        first = true;
      }
      text += (first ? "" : " ") + word;
      line += (first ? "" : " ") + word;
      first = false;
      start = end + 1;
    }
    return text + "\n";
  }

  std::string program_, about_, command_, skip_;
  std::vector<Option> options_;
};

/// Refuses `option`, the pitch of a grid of `cells` over `window` (x0, y0, x1, y1 in nm), unless it
/// cuts both of the window's sides into whole numbers of them, at least `at_least` each way: the
/// grid's samples at the cells' centres then tile the window exactly.
inline void require_window_cells(const Cli& cli, const std::array<double, 4>& window, double pitch,
                                 const std::string& option, const std::string& what,
                                 const std::string& cells, double at_least = 1) {
  const double width = window[2] - window[0], height = window[3] - window[1];
  for (const double side : {width, height}) {
    const double count = side / pitch;
    if (count < at_least || std::fabs(count - std::round(count)) > 1e-9 * count)
      cli.refuse(option, "a " + what + " that cuts the --window sides (" +
                             fabtwin::describe(width) + " x " + fabtwin::describe(height) +
                             " nm) into whole numbers of " + cells +
                             (at_least > 1 ? ", at least " + fabtwin::describe(at_least) : ""));
  }
}

/// Runs `body` (returning the exit status) and reports what it throws on stderr as
/// "program: message": a usage_error with the synopsis (exit 2), a fabtwin::error, any other
/// exception, or an unknown one (exit 1). Output that never reached stdout (a full disk, a closed
/// pipe) turns a success into exit 1 too.
template <class Body>
int exit_status(const char* program, Body body) noexcept {
  int status = 1;
  try {
    status = body();
  } catch (const usage_error& e) {
    std::fprintf(stderr, "%s: %s\n%s\n(%s --help describes every option)\n", program, e.what(),
                 e.synopsis().c_str(), program);
    return 2;
  } catch (const fabtwin::error& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "%s: out of memory\n", program);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: unexpected error: %s\n", program, e.what());
  } catch (...) {
    std::fprintf(stderr, "%s: unexpected error of an unknown type\n", program);
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "%s: writing to the standard output failed\n", program);
    if (status == 0) status = 1;
  }
  return status;
}

}  // namespace examples
